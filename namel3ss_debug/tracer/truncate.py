"""Truncation: payloads over `max_payload_size` bytes are cut, with a marker and the original size.

Strings are cut to a shrinking budget, and lists and dicts to their first items (a `"..."` key or item
says how many were dropped), so the shape of the payload (which keys, which message roles) survives
while its bulk does not. A value that still cannot fit becomes `{"$truncated": "<start of its JSON>..."}`.
`error` keeps all its keys (only its message and stack are cut). The event records what it lost in
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
                event[field] = self.shrink(value, keep_keys=field == "error")
                event.setdefault("truncated", {})[field] = {"original_size": size}
        return event

    def shrink(self, value: Any, *, keep_keys: bool = False) -> Any:
        """Cut strings to a halving budget and lists and dicts to a halving number of items until the
        value fits; a value that still does not fit (deep nesting) becomes a preview of its JSON text."""
        budget, items = self.max_size // 2, _MAX_ITEMS
        floor = _MAX_ITEMS if keep_keys else 1
        while True:
            shrunk = _cut(value, budget, items)
            if payload_size(shrunk) <= self.max_size or (keep_keys and budget <= _MIN_STRING):
                return shrunk
            if budget <= _MIN_STRING and items <= floor:
                return self._preview(value)
            budget, items = max(_MIN_STRING, budget // 2), max(floor, items // 2)

    def _preview(self, value: Any) -> dict[str, str]:
        text = orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS).decode("utf-8", "replace")
        keep = self.max_size // 2
        preview = {"$truncated": text[:keep] + text_marker(len(text))}
        while payload_size(preview) > self.max_size and keep > _MIN_STRING:  # escapes and wide characters
            keep //= 2
            preview = {"$truncated": text[:keep] + text_marker(len(text))}
        return preview


def _cut(value: Any, budget: int, items: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= budget else value[:budget] + text_marker(len(value))
    if isinstance(value, dict):
        kept = {k: _cut(v, budget, items) for k, v in list(value.items())[:items]}
        if len(value) > items:
            kept["..."] = f"[truncated, {len(value) - items} more keys]"
        return kept
    if isinstance(value, (list, tuple)):
        kept_items = [_cut(v, budget, items) for v in value[:items]]
        if len(value) > items:
            kept_items.append(f"...[truncated, {len(value)} items]")
        return kept_items
    return value
