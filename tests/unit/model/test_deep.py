"""Values nested past Python's recursion, cut at a depth with a marker, by an iterative walk."""

from __future__ import annotations

import json

from namel3ss_debug.analysis.fields import text_of
from namel3ss_debug.model.deep import DEEP_MARK, HUGE_MARK, VALUE_DEPTH_MAX, clip_deep, json_text, too_deep
from namel3ss_debug.otel.spans import as_json


def nested(depth: int, kind: str = "list") -> object:
    """A value `depth` containers deep, built without recursion."""
    value: object = "bottom"
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def depth_of(value: object) -> int:
    depth = 0
    while isinstance(value, (list, dict)):
        value = value[0] if isinstance(value, list) else value["a"]
        depth += 1
    return depth


def test_a_shallow_value_is_given_back_as_it_is():
    value = {"a": [1, {"b": "c"}], "d": None}
    assert clip_deep(value) is value and not too_deep(value)


def test_a_deep_value_is_cut_at_the_limit_with_a_marker():
    for kind in ("list", "dict"):
        clipped = clip_deep(nested(50_000, kind))
        assert depth_of(clipped) == VALUE_DEPTH_MAX
        inner = clipped
        for _ in range(VALUE_DEPTH_MAX - 1):
            inner = inner[0] if kind == "list" else inner["a"]
        assert inner == ([DEEP_MARK.format(VALUE_DEPTH_MAX)] if kind == "list"
                         else {"a": DEEP_MARK.format(VALUE_DEPTH_MAX)})


def test_siblings_keep_their_order_and_their_shallow_neighbours():
    value = {"keep": [1, 2, 3], "deep": nested(200), "after": "x"}
    clipped = clip_deep(value, limit=3)
    assert list(clipped) == ["keep", "deep", "after"]
    assert clipped["keep"] == [1, 2, 3] and clipped["after"] == "x"
    assert clipped["deep"] == [[DEEP_MARK.format(3)]]


def test_json_text_of_any_depth_is_json_and_never_raises():
    for depth in (10, 990, 1_020, 5_000, 100_000):
        text = json_text({"inputs": nested(depth)})
        assert isinstance(json.loads(text), dict)


def test_json_text_of_an_int_too_long_to_write_says_so():
    assert json.loads(json_text({"n": 10**5000, "m": 1})) == {"n": HUGE_MARK, "m": 1}


def test_text_of_and_exported_attributes_never_raise():
    for value in (nested(5_000), nested(5_000, "dict"), [10**5000], {"a": "\udc80"}):
        assert text_of(value) and as_json(value)
