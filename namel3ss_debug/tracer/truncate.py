"""Truncation: payloads over `max_payload_size` bytes are cut, with a marker and the original size.

Strings are cut to a shrinking budget and lists to their first items, so the shape of the payload (which
keys, which message roles) survives while its bulk does not. The event records what it lost in
`truncated`: `{"outputs": {"original_size": 1048576}}`.
"""

from __future__ import annotations

from typing import Any

import orjson

from .serialize import default

PAYLOAD_FIELDS = ("inputs", "outputs", "attrs", "error")
_MIN_STRING = 32
_MAX_ITEMS = 50


def text_marker(original_length: int) -> str:
    return f"...[truncated, {original_length} chars]"


def payload_size(value: Any) -> int:
    try:
        return len(orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS))
    except Exception:
        return 0


class Truncator:
    """Keeps each payload field of an event within `max_size` bytes of JSON."""

    def __init__(self, max_size: int):
        self.max_size = max_size

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        for field in PAYLOAD_FIELDS:
            value = event.get(field)
            if value is None:
                continue
            size = payload_size(value)
            if size > self.max_size:
                event[field] = self.shrink(value)
                event.setdefault("truncated", {})[field] = {"original_size": size}
        return event

    def shrink(self, value: Any) -> Any:
        """Cut strings to a halving budget until the value fits (or cannot shrink further)."""
        budget = self.max_size // 2
        shrunk = _cut(value, budget)
        while payload_size(shrunk) > self.max_size and budget > _MIN_STRING:
            budget //= 2
            shrunk = _cut(value, budget)
        return shrunk


def _cut(value: Any, budget: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= budget else value[:budget] + text_marker(len(value))
    if isinstance(value, dict):
        return {k: _cut(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_cut(v, budget) for v in value[:_MAX_ITEMS]]
        if len(value) > _MAX_ITEMS:
            items.append(f"...[truncated, {len(value)} items]")
        return items
    return value
