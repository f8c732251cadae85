"""The times of a Perfetto timeline: ISO 8601 read as microseconds (`Clock`), the moments it can hold, and what
is done with those it cannot.

Chrome trace-event JSON gives times in microseconds; Perfetto's trace processor keeps them as signed 64-bit
nanoseconds, so a moment past 2262-04-11 (or before 1970, which it does not place) cannot be drawn, and a
duration of 1e308 ms (NaN, a negative one) is no duration. An event at such a time is left out; a span's
duration is cut where the timeline ends (or, when it is not a number >= 0, the span ends at its end event's
time). Each kind of problem is said once, with how many events and the first seqs, by `TimeProblems.report`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

LAST_US = (2**63 - 1) // 1000  # 2262-04-11T23:47:16.854775Z: the last microsecond Perfetto's clock holds
_SHOWN_SEQS = 5


def placeable(micros: int) -> bool:
    """Whether a moment (microseconds since 1970) is one the timeline can hold."""
    return 0 <= micros <= LAST_US


def duration_us(duration: Any) -> int | None:
    """A recorded `duration_ms` in microseconds, or None when it is not a finite number >= 0. Kept as a
    Python int however big (the caller cuts it where the timeline ends)."""
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        return None
    if isinstance(duration, float) and not math.isfinite(duration * 1000):
        return LAST_US + 1 if math.isfinite(duration) and duration > 0 else None  # 1e308 ms: past any end
    return round(duration * 1000) if duration >= 0 else None


@dataclass
class TimeProblems:
    """Events left out for their time (none, or one out of range), spans whose duration was cut or is not one,
    each kind counted with its first seqs."""

    no_time: list[Any] = field(default_factory=list)
    outside: list[Any] = field(default_factory=list)
    cut: list[Any] = field(default_factory=list)
    no_duration: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_TEXTS, 0))

    def note(self, kind: str, event: Mapping[str, Any]) -> None:
        self.counts[kind] += 1
        seqs = getattr(self, kind)
        if len(seqs) < _SHOWN_SEQS:
            seqs.append(event.get("seq"))

    def report(self, warn: Callable[[str], None]) -> None:
        """One warning a kind of problem: how many events, and the first seqs."""
        for kind, text in _TEXTS.items():
            count = self.counts[kind]
            if count:
                seqs = ", ".join(str(seq) for seq in getattr(self, kind))
                more = ", ..." if count > _SHOWN_SEQS else ""
                warn(f"perfetto: {count} {text[0] if count == 1 else text[1]} (seq {seqs}{more})")


_TEXTS: dict[str, tuple[str, str]] = {  # kind -> (one, several)
    "no_time": ("event whose ts is not an ISO 8601 time with a zone was left out",
                "events whose ts is not an ISO 8601 time with a zone were left out"),
    "outside": ("event at a time the timeline cannot hold (before 1970 or after 2262-04-11) was left out",
                "events at times the timeline cannot hold (before 1970 or after 2262-04-11) were left out"),
    "cut": ("span whose duration ran past 2262-04-11 was cut there",
            "spans whose durations ran past 2262-04-11 were cut there"),
    "no_duration": ("span end whose duration_ms is not a number >= 0 ends at its end event's time",
                    "span ends whose duration_ms is not a number >= 0 end at their end events' time"),
}


class Clock:
    """ISO 8601 UTC times to microseconds since the epoch; the tracer's `...Z` form parsed by hand, its minute
    cached, anything else through `datetime.fromisoformat` (a time with no zone is not placed)."""

    def __init__(self) -> None:
        self.minutes: dict[str, int | None] = {}  # None: a minute that is not a time

    def micros(self, ts: Any) -> int | None:
        if not isinstance(ts, str):
            return None
        if len(ts) >= 20 and ts[-1] == "Z" and ts[10] == "T" and ts[16] == ":" and ts[19:20] in (".", "Z"):
            minute = self.minutes.get(ts[:16])
            if minute is None:
                minute = self.minutes[ts[:16]] = self._slow(ts[:16] + ":00Z")
            if minute is not None and ts[17:19].isdigit():
                fraction = ts[20:-1]
                if fraction.isdigit() or not fraction:
                    return minute + int(ts[17:19]) * 1_000_000 + int((fraction + "000000")[:6])
        return self._slow(ts)

    @staticmethod
    def _slow(ts: str) -> int | None:
        try:
            moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return (moment - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc) - _EPOCH
