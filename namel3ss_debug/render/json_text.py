"""JSON as text for people: long strings folded, any depth encodable. No Rich here (the fast paths skip it)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields, is_dataclass
from typing import Any, cast

import orjson

from ..model.deep import DEEP_MARK, VALUE_DEPTH_MAX

_DEEP = VALUE_DEPTH_MAX  # nesting shown; orjson stops at 255 levels and Python recursion not far past 1000


def pretty_json(value: Any) -> str:
    """Indented JSON; a value nested past orjson's limit goes through the standard library's encoder."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except (TypeError, orjson.JSONEncodeError):
        try:
            return json.dumps(value, indent=2, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            return json.dumps(fold(value, None), indent=2, ensure_ascii=False, default=repr)


def compact_json(value: Any, limit: int | None = None) -> str:
    """`value` as JSON on one line, strings in it longer than `limit` cut (see `fold`); anything outside JSON
    as its repr. A value orjson cannot write (nested past its 254 levels, a lone surrogate, an int past 64
    bits) goes through the standard library's encoder."""
    shown = value if limit is None else fold(value, limit)
    try:
        return orjson.dumps(shown, default=repr).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(fold(shown, None), ensure_ascii=False, default=repr)


def json_line(document: Any) -> bytes:
    """`document` as one line of JSON with its newline: anything outside JSON as its repr, and characters
    that could drive a terminal escaped (`terminal_safe`)."""
    try:
        data = orjson.dumps(document, default=repr)
    except (TypeError, orjson.JSONEncodeError):  # nested past orjson's 254 levels, or a lone surrogate
        data = json.dumps(fold(document, None), ensure_ascii=True, default=repr).encode()
    return terminal_safe(data) + b"\n"


FULL_HINT = "… ({} more chars, --full to show)"


def fold(value: Any, limit: int | None, depth: int = 0, more: str = FULL_HINT) -> Any:
    """`value` with every string longer than `limit` cut, saying how much is hidden (`more`, given the count).

    Values nested deeper than `_DEEP` levels are replaced by a note: no encoder or terminal needs more.
    """
    if depth > _DEEP:
        return DEEP_MARK.format(_DEEP)
    if isinstance(value, str):
        if limit is None or len(value) <= limit:
            return value
        return value[:limit] + more.format(len(value) - limit)
    if isinstance(value, dict):
        return {key: fold(item, limit, depth + 1, more) for key, item in value.items()}
    if isinstance(value, list):
        return [fold(item, limit, depth + 1, more) for item in value]
    return value


# Raw in JSON text, these would reach a terminal printing it: DEL and the C1 controls (orjson escapes
# only those below 0x20), the line and paragraph separators, and the bidirectional overrides and isolates,
# as UTF-8 bytes.
_UNSAFE = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def terminal_safe(data: bytes) -> bytes:
    """JSON bytes with those characters written as `\\uXXXX` escapes: the same strings to a parser."""
    return _UNSAFE.sub(lambda match: b"\\u%04x" % ord(match.group().decode()), data)


def field_names(value: Any) -> tuple[str, ...] | None:
    """The fields of a record (a dataclass, a msgspec Struct or a named tuple instance), in order; None for
    anything else."""
    kind = type(value)
    names = _FIELDS.get(kind, _UNSEEN)
    if names is _UNSEEN:
        names = _fields_of(kind)
        if len(_FIELDS) < 1024:
            _FIELDS[kind] = names
    return cast("tuple[str, ...] | None", names)


_FIELDS: dict[type, object] = {}  # a report holds many records of a few types: each type's fields found once
_UNSEEN = object()


def _fields_of(kind: type) -> tuple[str, ...] | None:
    names = getattr(kind, "__struct_fields__", None)
    if isinstance(names, tuple):  # a msgspec Struct's field names
        return names
    fields_of_tuple = getattr(kind, "_fields", None) if issubclass(kind, tuple) else None
    if fields_of_tuple is not None:  # a named tuple
        return tuple(fields_of_tuple)
    if is_dataclass(kind):  # an instance's class (a class itself is `type`'s instance: no record)
        return tuple(item.name for item in fields(kind))
    return None


def plain(value: Any) -> Any:
    """A report of frozen dataclasses as JSON types: floats to 12 significant digits (what a measurement
    carries), and a non-finite float as null."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most values: no record, kept as they are
        return value
    names = field_names(value)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else None
    return value


def plain_record(record: Any) -> dict[str, Any]:
    """A record (see `field_names`) as `plain` makes it: a JSON object of its fields."""
    names = field_names(record)
    if names is None:
        raise TypeError(f"not a record: {type(record).__name__}")
    return {name: plain(getattr(record, name)) for name in names}
