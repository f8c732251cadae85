"""Recorded values back into Python: JSON as it was written, bytes from their marker, and codecs.

The tracer writes a call's result as JSON (`serialize.py`): objects become their fields, bytes become
`{"$bytes": base64, "size": n}`, tuples and sets become lists. A rerun hands the app that JSON back
(bytes as bytes); a decorator's `codec` rebuilds a richer type from it:

- a dataclass: built from the recorded fields, `Completion(**value)`;
- a pydantic model (a class with `model_validate`): `Model.model_validate(value)`;
- an object with `decode(value)`, or any other callable: called with the value.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses

from .json_types import Foreign, JsonValue


class CodecError(ValueError):
    """A codec could not rebuild a value: the message says which codec and why."""


def from_json(value: JsonValue) -> JsonValue:
    """The value with `{"$bytes": ..., "size": n}` markers turned back into bytes."""
    if isinstance(value, dict):
        if value.keys() == {"$bytes", "size"} and isinstance(value["$bytes"], str):
            try:
                return base64.b64decode(value["$bytes"], validate=True)
            except (binascii.Error, ValueError):
                return value
        return {key: from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_json(item) for item in value]
    return value


def decode(value: JsonValue, codec: Foreign) -> Foreign:
    """The app's value for a recorded (or mocked) JSON value, through the decorator's codec if any."""
    value = from_json(value)
    if codec is None or value is None:
        return value
    try:
        return _apply(codec, value)
    except Exception as error:
        raise CodecError(f"codec {_codec_name(codec)} could not rebuild {_shape(value)}: "
                         f"{type(error).__name__}: {error}") from None


def _apply(codec: Foreign, value: JsonValue) -> Foreign:
    decoder = getattr(codec, "decode", None)
    if isinstance(codec, type):
        if isinstance(value, codec):
            return value
        if dataclasses.is_dataclass(codec) and isinstance(value, dict):
            return codec(**value)
        validate = getattr(codec, "model_validate", None)
        if callable(validate):
            return validate(value)
        return codec(value)
    if callable(decoder):
        return decoder(value)
    return codec(value)


def _codec_name(codec: object) -> str:
    return getattr(codec, "__qualname__", None) or type(codec).__qualname__


def _shape(value: object) -> str:
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:6])
        return f"the object {{{keys}{', ...' if len(value) > 6 else ''}}}"
    return f"a {type(value).__name__}"
