"""Reading fields of event dicts without trusting them: a trace line may hold any JSON in any field.

The reader guarantees the envelope keys exist and `seq` is an int; nothing else. These helpers turn a
field into text, a hashable key, a number or a moment, and never raise, so one odd event cannot stop a
view.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import TypeGuard

import orjson

from ..model.deep import json_text
from ..model.json_types import JsonEvent, JsonValue

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def text_of(value: JsonValue) -> str:
    """A field as text: strings as they are, None as "", anything else as compact JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # past 254 levels, an int past 64 bits, a lone surrogate
        return json_text(value)


def span_key(event: JsonEvent, field: str = "span_id") -> tuple[str, str] | None:
    """`(run_id, span_id)` (or the parent's): span ids are unique only within a run."""
    value = event.get(field)
    if value is None:
        return None
    return text_of(event.get("run_id")), text_of(value)


def number(value: JsonValue) -> float | None:
    """An int or float field as a float; bools, strings and the rest as None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def is_duration(value: JsonValue) -> TypeGuard[float]:
    """Whether a field is a duration as the reader takes one: a number (not a bool) from 0, finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < math.inf


def tokens_of(event: JsonEvent) -> int | None:
    """`usage.total_tokens`, or input + output when the total is missing."""
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return None
    total = number(usage.get("total_tokens"))
    if total is None:
        parts = [number(usage.get(key)) for key in ("input_tokens", "output_tokens")]
        known = [part for part in parts if part is not None]
        total = sum(known) if known else None
    return int(total) if total is not None else None


def micros(ts: JsonValue) -> int | None:
    """An ISO 8601 timestamp as microseconds since the epoch; None for anything else."""
    if not isinstance(ts, str):
        return None
    try:
        moment = parse_ts(ts)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a naive time cannot be placed against the run's UTC times
    return (moment - _EPOCH) // _MICROSECOND


def is_failure(event: JsonEvent) -> bool:
    """A failed span end, an `error_occurred` event, or any event carrying an `error`."""
    return event.get("status") == "failed" or event.get("event_type") == "error_occurred" or bool(event.get("error"))


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run_start_ts(first: JsonEvent) -> str | None:
    """The run's start, from the first event read of it.

    A segment file begins with `segment_start`, written after `run_start` and carrying its time as
    `attrs.run_started`; any other first event stands for the start itself.
    """
    attrs = first.get("attrs")
    if first.get("event_type") == "segment_start" and isinstance(attrs, dict):
        started = attrs.get("run_started")
        if micros(started) is not None:  # a start that is not a time is no anchor: the event's own ts is
            return started
    ts = first.get("ts")
    return ts if isinstance(ts, str) else None


class RunClock:
    """Milliseconds since each run's start, the start learnt from the first event of the run seen."""

    def __init__(self) -> None:
        self.starts: dict[str, int | None] = {}

    def learn(self, event: JsonEvent) -> str:
        """Remember the start of the event's run if this is its first event; the run's id as text."""
        run = text_of(event.get("run_id"))
        if run not in self.starts:
            self.starts[run] = micros(run_start_ts(event))
        return run

    def offset_ms(self, event: JsonEvent) -> float | None:
        start, moment = self.starts[self.learn(event)], micros(event.get("ts"))
        return (moment - start) / 1000 if start is not None and moment is not None else None
