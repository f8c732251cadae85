"""Values nested too deep to handle, cut at a depth with a marker where the rest was.

A trace line may hold a value nested a thousand levels (the JSON readers take up to 1,024), and Python's
recursion stops near 1,000: `str`, `repr`, `json.dumps` and every recursive walk raise `RecursionError` on it.
The views and exports keep what a person or a backend can use, the first `VALUE_DEPTH_MAX` levels, and say
where the rest was cut. The walk here is iterative, so it works at any depth.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from .json_types import JsonObject, JsonValue

VALUE_DEPTH_MAX = 100  # levels kept (render.json_text folds at the same depth); orjson stops at 255
DEEP_MARK = "… (nested deeper than {} levels, not shown)"


def clip_deep(value: JsonValue, limit: int = VALUE_DEPTH_MAX) -> JsonValue:
    """`value` with each dict or list below `limit` levels replaced by `DEEP_MARK`; `value` itself when
    nothing is that deep (a dict or list is copied only when something in it is cut).

    >>> clip_deep([[["x"]]], limit=2)
    [['… (nested deeper than 2 levels, not shown)']]
    """
    return _rebuilt(value, limit) if too_deep(value, limit) else value


_HUGE_BITS = 14_000  # about 4,200 digits: Python writes no int past 4,300 digits as text
HUGE_MARK = "… (a number of more than 4000 digits, not shown)"


def _rebuilt(value: JsonValue, limit: int) -> JsonValue:
    """A copy of `value` cut at `limit` levels, its ints too long to write as text replaced by `HUGE_MARK`."""
    mark = DEEP_MARK.format(limit)
    root: list[JsonValue] = [None]
    # (container to fill, key or index in it, value, depth of value)
    pending: list[tuple[JsonValue, JsonValue, JsonValue, int]] = [(root, 0, value, 0)]
    while pending:
        into, at, item, depth = pending.pop()
        if isinstance(item, (dict, list)) and depth >= limit:
            into[at] = mark
        elif isinstance(item, dict):
            copy: JsonObject = dict.fromkeys(item)
            into[at] = copy
            pending.extend((copy, key, inner, depth + 1) for key, inner in item.items())
        elif isinstance(item, list):
            copied: list[JsonValue] = [None] * len(item)
            into[at] = copied
            pending.extend((copied, index, inner, depth + 1) for index, inner in enumerate(item))
        else:
            into[at] = HUGE_MARK if isinstance(item, int) and item.bit_length() > _HUGE_BITS else item
    return root[0]


def too_deep(value: JsonValue, limit: int = VALUE_DEPTH_MAX) -> bool:
    """Whether a dict or list lies `limit` levels or more below `value` (the top is level 0)."""
    pending: list[tuple[JsonValue, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item  # type: ignore[assignment]
        else:
            continue
        if depth >= limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def json_text(value: object) -> str:
    """`value` as compact JSON text (anything else as its `str`), cut at `VALUE_DEPTH_MAX` levels when it is
    nested past what the encoder can walk, an int too long to write said to be one: never an exception."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (RecursionError, ValueError):  # too deep, or an int too long to write
        return json.dumps(_rebuilt(value, VALUE_DEPTH_MAX), ensure_ascii=False, separators=(",", ":"), default=str)


def leaves(value: Any) -> Iterator[str | int | float]:
    """The texts and numbers inside a decoded JSON value, depth first in document order (booleans and nulls left
    out). Iterative, so a value nested past Python's recursion limit is walked too.

    >>> list(leaves({"city": "Paris", "days": [1, 2.5, True, None]}))
    ['Paris', 1, 2.5]
    """
    pending: list[Any] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, str) or (isinstance(item, (int, float)) and not isinstance(item, bool)):
            yield item


def map_texts(value: Any, change: Callable[[str], str]) -> Any:
    """`value` with `change` applied to every text inside it (dict keys stay as they are; a tuple becomes a list)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: map_texts(item, change) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [map_texts(item, change) for item in value]
    return value
