"""Serialize an event to one JSON line. Never raises: the traced app must not see our failures."""

from __future__ import annotations

import base64
import dataclasses
import enum
import math
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_MAX_REPR = 2000
_MAX_DEPTH = 64


def bytes_marker(value: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Bytes are written as a marked object, so readers can tell them from text."""
    raw = bytes(value)
    return {"$bytes": base64.b64encode(raw).decode("ascii"), "size": len(raw)}


def safe_repr(value: object) -> str:
    try:
        text = repr(value)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a broken __repr__ (even one calling sys.exit) must not break the app
        text = f"<{type(value).__qualname__} object (repr failed: {type(exc).__name__})>"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "..."


def safe_text(value: object) -> str:
    """`str(value)` for a name the app hands the tracer, whatever the object: a `str` as it is, anything
    else through its `__str__`, and a marker naming its type when that fails (a broken `__str__`, an int
    too long to print, a container nested too deep)."""
    if type(value) is str:
        return value
    try:
        text = str(value)
        if type(text) is str:
            return text
    except KeyboardInterrupt:
        raise
    except BaseException:  # as in safe_repr: nothing the object does may reach the app
        pass
    return f"<unprintable {type(value).__qualname__}>"


def default(value: object) -> Any:
    """orjson's fallback for types it does not know."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes_marker(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    # pydantic v2 models (the SDKs' response types) define model_dump on the class; an object that only
    # answers every attribute (a mock) does not, and must not be called.
    dump = getattr(value, "model_dump", None) if hasattr(type(value), "model_dump") else None
    if callable(dump) and not isinstance(value, type):
        try:
            return dump(mode="json")
        except Exception:
            pass
    return safe_repr(value)


def dumps(event: dict[str, Any]) -> bytes:
    """One line of JSON, newline included. Falls back to a slow, total conversion on any error.

    Plain JSON types go first through orjson's fastest path (no `default`, no options); anything else
    (bytes, objects, non-string keys) makes it raise and takes the next.
    """
    try:
        return orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)
    except Exception:
        return dumps_unusual(event)


def dumps_unusual(event: dict[str, Any]) -> bytes:
    """`dumps` for an event orjson's plain path refused: objects, bytes, odd keys, surrogates."""
    try:
        return orjson.dumps(event, default=default, option=_OPTIONS)
    except Exception:
        pass
    try:
        return orjson.dumps(to_jsonable(event), option=_OPTIONS)
    except Exception as exc:  # nothing left to try: keep the envelope, say what happened
        bare: dict[str, Any] = {k: event[k] for k in ("v", "run_id", "seq", "ts", "event_type", "component", "name",
                                     "span_id", "parent_id", "status", "duration_ms")
                if k in event and isinstance(event[k], (str, int, float, type(None)))
                and not (k == "duration_ms" and event[k] is None)}
        bare["attrs"] = {"serialization_error": safe_repr(exc)}
        return orjson.dumps(bare, option=_OPTIONS)


def to_jsonable(value: Any, _depth: int = 0, _seen: frozenset[int] = frozenset()) -> Any:
    """Turn any value into plain JSON types: cycles, huge ints and odd objects included."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _valid_text(value)
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else _big_int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if _depth >= _MAX_DEPTH or id(value) in _seen:
        return safe_repr(value) if _depth < _MAX_DEPTH else "<max depth>"
    seen = _seen | {id(value)}
    if isinstance(value, dict):
        return {_key(k): to_jsonable(v, _depth + 1, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, _depth + 1, seen) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, _depth + 1, seen)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(_dataclass_fields(value), _depth + 1, seen)
    try:
        return orjson.loads(orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS))
    except Exception:
        return safe_repr(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return _valid_text(key)
    if isinstance(key, (bytes, bytearray)):  # b"api_key" stays recognisable as the key api_key
        return bytes(key).decode("utf-8", "backslashreplace")
    return safe_repr(key)


def _valid_text(text: str) -> str:
    """Text JSON can hold: a lone surrogate (half an emoji, a mis-decoded file name) becomes `\\udXXX`."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _big_int(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # past sys.get_int_max_str_digits()
        return f"<int of {value.bit_length()} bits>"


def _dataclass_fields(value: DataclassInstance) -> dict[str, Any]:
    return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
