"""Helpers shared by the mappers that read foreign trace files as v1 events (`legacy`, `n3_native`).

A foreign file has no v1 envelope, so each mapper builds one with `make_event`, writes its times with
`unix_to_iso`, derives span ids that are the same on every read with `stable_span_id`, and opens the
run it synthesizes with `run_start_attrs`.
"""

from __future__ import annotations

import hashlib
import math
import time

from ..model.events import SCHEMA_VERSION
from ..model.json_types import JsonEvent, JsonObject, JsonValue


_YEAR_10000 = 253_402_300_800


def unix_to_iso(seconds: float) -> str:
    """Unix seconds as a v1 `ts`: `1700000000.5` -> `2023-11-14T22:13:20.500000Z`."""
    # v1 timestamps have four-digit years, so 1970..9999 is what can be written.
    if not 0 <= seconds < _YEAR_10000:
        raise ValueError(f"timestamp {seconds!r} is not between 1970 and 9999")
    second, micros = divmod(round(seconds * 1_000_000), 1_000_000)
    prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{prefix}.{micros:06d}Z"


def stable_span_id(*parts: str) -> str:
    """A v1 span id (16 hex digits) derived from `parts`, the same every time the file is read."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def make_event(run_id: str, ts: str, event_type: str, component: str, name: str,
               span_id: str, parent_id: str | None, status: str) -> JsonEvent:
    """The v1 envelope; `seq` is set when the event is numbered in output order."""
    return {
        "v": SCHEMA_VERSION, "run_id": run_id, "seq": 0, "ts": ts, "event_type": event_type,
        "component": component, "name": name, "span_id": span_id, "parent_id": parent_id, "status": status,
    }


def run_start_attrs(kind: str, name: str, source_format: str) -> JsonObject:
    """The `run_start` attrs v1 requires, for a run read from a foreign file: what we cannot know is empty."""
    return {
        "entry": {"kind": kind, "name": name}, "argv": [], "cwd": "", "python": "", "config": {},
        "source_format": source_format, "synthesized": True,
    }


def is_number(value: JsonValue) -> bool:
    """True for a finite int or float; a bool is not a number here."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def has_content(value: JsonValue) -> bool:
    """False for what foreign writers put where there was nothing: None, `{}`, `[]` and `""`."""
    return value is not None and value != {} and value != [] and value != ""
