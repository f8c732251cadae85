"""Fixes the corpus asked for in code no other work owns, each shown on the value that broke it."""

from __future__ import annotations

import json

from namel3ss_debug.model.text_keys import Names, text_key
from namel3ss_debug.render.inspect.to_json import dumps


def deep(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def test_an_id_nested_past_the_recursion_limit_is_a_key_not_a_recursion_error() -> None:
    key = text_key(deep(5000))
    assert key.startswith("[[[[") and len(key) < 1000
    assert text_key(deep(5000)) == key and Names().code(deep(5000)) == 0  # one odd value, one key


def test_an_ordinary_odd_id_keeps_its_repr() -> None:
    assert (text_key(5), text_key(None), text_key([1, "a"])) == ("5", "None", "[1, 'a']")


def test_inspect_json_of_a_lone_surrogate_is_json_with_its_escape() -> None:
    data = dumps({"name": "tool\udcff", "n": 10**30})
    assert json.loads(data) == {"name": "tool\udcff", "n": 10**30}
    data.decode("utf-8")  # valid UTF-8: the surrogate is written as its \\u escape
