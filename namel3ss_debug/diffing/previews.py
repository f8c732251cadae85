"""The output of a call as text, for the few changed outputs a diff shows: kept, or read again.

A call of a run that can be read again keeps only where its end event is; its output is read from there
when (and only when) it is among the changed outputs shown, so a diff of big runs does not hold every
LLM answer in memory.
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson

from .calls import Call, outcome, preview

_CHUNK = 1 << 16


def preview_of(call: Call) -> str:
    """The call's output as diff shows it; "" when it has none or its file no longer holds it."""
    if call.preview is not None:
        return call.preview
    if call.place is None:
        return ""
    event = _event_at(*call.place)
    result = outcome(event) if isinstance(event, dict) else None
    return "" if result is None else preview(result)


def _event_at(path: str, offset: int) -> Any:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        line = _line(descriptor, offset)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            return json.loads(line.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            return None


def _line(descriptor: int, offset: int) -> bytes:
    parts = []
    while True:
        chunk = os.pread(descriptor, _CHUNK, offset)
        end = chunk.find(b"\n")
        if end >= 0 or len(chunk) < _CHUNK:
            parts.append(chunk if end < 0 else chunk[:end])
            return b"".join(parts)
        parts.append(chunk)
        offset += len(chunk)
