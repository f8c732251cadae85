"""serialize.dumps: one JSON line per event, never raising, whatever the event holds."""

from __future__ import annotations

import base64
import dataclasses
import enum
import json

from namel3ss_debug.tracer.serialize import bytes_marker, dumps, safe_repr, to_jsonable


def decoded(value: object) -> object:
    """The `x` field of an event holding `value`, after a round trip through `dumps`."""
    return json.loads(dumps({"x": value}))["x"]


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")


class PydanticLike:
    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def model_dump(self, **kwargs: object) -> dict[str, object]:
        self.calls.append(kwargs)
        return {"id": "msg_1", "content": "hello"}


class BrokenModelDump:
    def model_dump(self, **kwargs: object) -> dict[str, object]:
        raise ValueError("cannot dump")

    def __repr__(self) -> str:
        return "<BrokenModelDump>"


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_bytes_become_a_marked_base64_object():
    assert decoded(b"\x00\xffhi") == {"$bytes": base64.b64encode(b"\x00\xffhi").decode(), "size": 4}


def test_bytearray_and_memoryview_are_marked_like_bytes():
    assert decoded(bytearray(b"ab")) == decoded(memoryview(b"ab")) == bytes_marker(b"ab")


def test_unknown_object_becomes_its_repr():
    assert decoded(Opaque()) == "<Opaque thing>"


def test_broken_repr_becomes_a_placeholder_naming_the_type_and_error():
    assert decoded(BrokenRepr()) == "<BrokenRepr object (repr failed: RuntimeError)>"


def test_safe_repr_cuts_a_very_long_repr():
    text = safe_repr("x" * 5000)
    assert len(text) == 2003 and text.endswith("...")


def test_set_becomes_a_list_of_its_items():
    assert sorted(decoded({3, 1, 2})) == [1, 2, 3]


def test_frozenset_becomes_a_list_of_its_items():
    assert sorted(decoded(frozenset({"a", "b"}))) == ["a", "b"]


def test_pydantic_like_object_is_written_as_its_json_mode_model_dump():
    model = PydanticLike()
    assert decoded(model) == {"id": "msg_1", "content": "hello"}
    assert model.calls == [{"mode": "json"}]


def test_model_dump_that_raises_falls_back_to_repr():
    assert decoded(BrokenModelDump()) == "<BrokenModelDump>"


def test_model_dump_on_a_class_is_not_called():
    assert decoded(PydanticLike) == repr(PydanticLike)


def test_circular_structure_gives_valid_json_with_the_cycle_as_a_repr():
    data: dict[str, object] = {"name": "loop"}
    data["self"] = data
    event = json.loads(dumps({"x": data}))
    assert event["x"]["name"] == "loop"
    assert isinstance(event["x"]["self"], str)


def test_circular_list_gives_valid_json():
    items: list[object] = [1]
    items.append(items)
    assert decoded(items)[0] == 1


def test_int_beyond_64_bits_becomes_its_decimal_string():
    assert decoded(2**70) == str(2**70)


def test_fallback_for_one_field_keeps_the_other_fields():
    event = json.loads(dumps({"event_type": "x", "seq": 7, "inputs": {"big": 2**70, "ok": [1, 2]}}))
    assert event == {"event_type": "x", "seq": 7, "inputs": {"big": str(2**70), "ok": [1, 2]}}


def test_int_at_the_unsigned_64_bit_limit_stays_a_number():
    assert decoded(2**64 - 1) == 2**64 - 1


def test_negative_int_below_64_bits_becomes_a_string():
    assert decoded(-(2**63) - 1) == str(-(2**63) - 1)


def test_non_str_scalar_keys_become_strings():
    assert decoded({1: "a", None: "b"}) == {"1": "a", "null": "b"}


def test_tuple_key_becomes_its_repr():
    assert decoded({(1, 2): "pair"}) == {"(1, 2)": "pair"}


def test_nan_becomes_null():
    assert decoded(float("nan")) is None


def test_infinity_becomes_null_on_the_fallback_path():
    assert json.loads(dumps({"x": float("inf"), "force_fallback": 2**70}))["x"] is None


def test_enum_and_dataclass_survive_the_fallback_path():
    event = json.loads(dumps({"c": Color.RED, "p": Point(1, 2), "force_fallback": 2**70}))
    assert (event["c"], event["p"]) == ("red", {"x": 1, "y": 2})


def test_nesting_deeper_than_orjson_allows_gives_valid_json():
    deep: list[object] = []
    for _ in range(300):
        deep = [deep]
    assert "<max depth>" in dumps({"x": deep}).decode()


def test_output_ends_with_exactly_one_newline():
    line = dumps({"text": "line one\nline two\n"})
    assert line.endswith(b"\n") and not line.endswith(b"\n\n")
    assert line.count(b"\n") == 1


def test_fallback_output_ends_with_exactly_one_newline():
    line = dumps({"x": 2**70, "text": "a\nb"})
    assert line.count(b"\n") == 1 and line.endswith(b"\n")


def test_to_jsonable_turns_a_tuple_into_a_list():
    assert to_jsonable({"t": (1, (2, 3))}) == {"t": [1, [2, 3]]}
