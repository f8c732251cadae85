"""One event read again from its file at a byte offset (replay's events, diff's changed outputs).

With `pread`: no buffer of ours can hold bytes the file no longer has. A line orjson refuses but the
block decoder let by (a number past a double's range, a string that is not UTF-8) is read by the
lenient standard library, bad bytes replaced.
"""

from __future__ import annotations

import json
import os

import orjson

from ..model.json_types import JsonValue
from . import blocks

_CHUNK = 1 << 16  # most events fit; a longer line is read in growing chunks


def line_at(descriptor: int, offset: int) -> bytes:
    """The line starting at `offset` (without its newline), no more than `blocks.MAX_LINE` + 1 bytes of it:
    the reader refused a longer one, so past that the file changed (and what is read is no event)."""
    parts, size, held, limit = [], _CHUNK, 0, blocks.MAX_LINE
    while True:
        want = min(size, limit + 1 - held)
        chunk = os.pread(descriptor, want, offset)
        end = chunk.find(b"\n")
        if end >= 0 or len(chunk) < want or held + len(chunk) > limit:
            parts.append(chunk if end < 0 else chunk[:end])
            return b"".join(parts)
        parts.append(chunk)
        offset += len(chunk)
        held += len(chunk)
        size = min(size * 2, 1 << 26)


def decode_line(line: bytes) -> JsonValue:
    """The line's JSON, leniently if need be; None when it is not JSON at all."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            return json.loads(line.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            return None


def event_at(path: str, offset: int) -> JsonValue:
    """The JSON of the line at `offset` in `path`; None when the file cannot be read or the line is not JSON."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return decode_line(line_at(descriptor, offset))
    except OSError:
        return None
    finally:
        os.close(descriptor)
