"""Recorded values back into Python: bytes markers, codecs in their order, exceptions by type name."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from namel3ss_debug.model.values import CodecError, decode, from_json
from namel3ss_debug.rerun.errors import ReplayedError, rebuild_error


def test_a_bytes_marker_becomes_bytes_and_a_redacted_one_stays_an_object() -> None:
    assert from_json({"a": [{"$bytes": "AP8=", "size": 2}]}) == {"a": [b"\x00\xff"]}
    redacted = {"$bytes": "[REDACTED]", "size": 2, "redacted": True}
    assert from_json(redacted) == redacted


def test_a_recorded_null_is_none_without_calling_the_codec() -> None:
    def refuse(value: object) -> object:
        raise AssertionError("the codec must not be called for null")

    assert decode(None, refuse) is None


def test_codecs_in_their_order() -> None:
    @dataclasses.dataclass
    class Reply:
        text: str

    class Model:
        def __init__(self, text: str):
            self.text = text

        @classmethod
        def model_validate(cls, value: dict) -> "Model":
            return cls(value["text"].upper())

    class Decoder:
        def decode(self, value: dict) -> str:
            return value["text"][::-1]

    assert decode({"text": "ab"}, Reply) == Reply("ab")
    assert decode({"text": "ab"}, Model).text == "AB"
    assert decode({"text": "ab"}, Decoder()) == "ba"
    assert decode({"text": "ab"}, lambda value: len(value)) == 1
    assert decode([1, 2], tuple) == (1, 2)
    with pytest.raises(CodecError, match=r"Reply could not rebuild the object \{words\}: TypeError"):
        decode({"words": 1}, Reply)


class AppError(Exception):
    pass


class NeedsTwo(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def test_an_exception_comes_back_as_its_type_when_its_module_is_loaded() -> None:
    own = rebuild_error({"type": f"{__name__}.AppError", "message": "boom"}, "t.jsonl:3")
    assert type(own) is AppError and str(own) == "boom"
    assert own.__notes__ == ["(raised again by namel3ss-debug replay --rerun, as recorded at t.jsonl:3)"]
    wants_more = rebuild_error({"type": f"{__name__}.NeedsTwo", "message": "half"}, "t.jsonl:4")
    assert type(wants_more) is NeedsTwo and str(wants_more) == "half"
    key = rebuild_error({"type": "KeyError", "message": "'k'"}, "t.jsonl:5")
    assert type(key) is KeyError and key.args == ("k",) and str(key) == "'k'"
    number_key = rebuild_error({"type": "KeyError", "message": "3"}, "t.jsonl:6")
    assert type(number_key) is KeyError and number_key.args == ("3",)


def test_a_type_in_a_module_not_loaded_is_a_replayed_error_and_nothing_is_imported() -> None:
    assert "this" not in sys.modules  # the stdlib's Zen of Python: nothing imports it
    error = rebuild_error({"type": "this.NotLoadedError", "message": "m"}, "t.jsonl:1")
    assert isinstance(error, ReplayedError) and error.type_name == "this.NotLoadedError"
    assert "this" not in sys.modules
    assert isinstance(rebuild_error({"type": "builtins_that_do_not_exist", "message": "m"}, "w"), ReplayedError)
    not_an_exception = rebuild_error({"type": "dict", "message": "m"}, "w")
    assert isinstance(not_an_exception, ReplayedError) and not_an_exception.type_name == "dict"
