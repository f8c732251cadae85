"""redact -> truncate -> serialize, with a fast path for the common event that needs neither.

Serializing first and testing the bytes is cheaper than walking the event: two scans of the line tell
whether any key or value can need redaction (see `redact.py`), and a line shorter than `max_payload_size`
cannot hold an oversized payload. Only events that fail either test take the slow path, which turns
the event into plain JSON values, redacts, truncates and serializes again. Events carrying an `error`
always take it, so `password=...` pairs in messages and stack traces are redacted too.
"""

from __future__ import annotations

from typing import Any

import orjson

from .redact import Redactor
from .serialize import dumps
from .truncate import Truncator

# Fields the tracer itself writes: never redacted (a configured pattern must not break ids or times, and a
# configured key such as `tokens` must not hide usage counts).
OURS = frozenset({"v", "run_id", "seq", "ts", "event_type", "component", "span_id", "parent_id", "status",
                  "duration_ms", "usage", "cost_usd", "truncated", "pid", "memory_mb"})
# Events whose attrs the tracer writes itself: searched by pattern only, not by key (`exit_code`,
# `first_seq`...); their argv and config are redacted when built.
STRUCTURAL = frozenset({"run_start", "run_end", "segment_start"})
# The record needed to run the app again is kept whole (its argv and config are redacted when built).
UNTRUNCATED = frozenset({"run_start", "segment_start"})


class Pipeline:
    def __init__(self, redactor: Redactor | None, truncator: Truncator):
        self.redactor = redactor
        self.truncator = truncator
        self._max_size = truncator.max_size
        self._scan = redactor.line_scanner() if redactor is not None else None  # bound once: hot path

    def serialize(self, event: dict[str, Any]) -> bytes:
        try:  # orjson's fastest path first; anything unusual goes through serialize.dumps
            line = orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)
        except Exception:
            line = dumps(event)
        if "error" in event or (len(line) > self._max_size and event.get("event_type") not in UNTRUNCATED) \
                or (self._scan is not None and self._scan(line)):
            return self._slow(line)
        return line

    def _slow(self, line: bytes) -> bytes:
        # Parsing the line back gives the event exactly as it would be written (objects already turned
        # into JSON by `serialize.default`), as plain dicts and lists, faster than any Python walk.
        plain = orjson.loads(line)
        if self.redactor is not None:
            redact = self.redactor.redact
            keys = plain.get("event_type") not in STRUCTURAL
            plain = {key: value if key in OURS else redact(value, pairs=key == "error", keys=keys)
                     for key, value in plain.items()}
        return dumps(plain if plain.get("event_type") in UNTRUNCATED else self.truncator(plain))
