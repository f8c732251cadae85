"""`--since` / `--until`: a time window over a run, compared as ISO 8601 text.

Event timestamps are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so they sort as strings: a bound is turned
into the same shape once, and each event costs one string comparison. A bound is either a moment
(`2026-11-22T09:04:28`, `2026-11-22 09:04:28.5+01:00`; no zone means UTC) or an offset from the run's
first event (`+30s`, `+2m`, `+1h30m`, `+250ms`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..model.errors import TraceError, UsageError
from ..model.limits import DURATION_MAX_MS, DURATION_RANGE, finite_at_most, shown
from .fields import parse_ts, run_start_ts

if TYPE_CHECKING:  # records import msgspec, which bounds do not need at run time
    from ..store.records import EventRecord

_OFFSET = re.compile(r"^\+(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?(?:(?P<s>\d+(?:\.\d+)?)s)?"
                     r"(?:(?P<ms>\d+(?:\.\d+)?)ms)?$", re.ASCII)


@dataclass(frozen=True)
class Bound:
    """A moment (`at`, ISO text) or an offset from the run's start (`offset`)."""

    text: str
    at: str | None = None
    offset: timedelta | None = None

    def resolve(self, run_start: str | None) -> str | None:
        """The bound as event-timestamp text; an offset needs the run's first timestamp."""
        if self.at is not None:
            return self.at
        if run_start is None or self.offset is None:
            return None
        try:
            start = parse_ts(run_start)
        except ValueError:
            raise TraceError(f"cannot place {self.text}: the run's start time {run_start!r} is not a timestamp",
                             hint="give a moment in ISO 8601 instead of an offset") from None
        try:
            return iso(start + self.offset)
        except OverflowError:  # a run that starts in the year 9999: the bound is past every event
            return _LAST_MOMENT


_LAST_MOMENT = "9999-12-31T23:59:59.999999Z"
_OFFSET_HINT = "an offset from the run's start is +0s to +8760h, such as +30s, +2m, +1h30m or +250ms"
_MOMENT_HINT = "use ISO 8601 such as 2026-11-22T09:04:28 (UTC unless a zone is given) or +30s"


def parse_bound(text: str, option: str) -> Bound:
    """`--since`/`--until` text as a Bound; a UsageError says what forms are accepted."""
    value = text.strip()
    if value.startswith("+"):
        match = _OFFSET.match(value)
        if match is None or value == "+":
            raise UsageError(f"{option} {shown(text)}: not an offset", hint=_OFFSET_HINT)
        parts = {key: float(number) for key, number in match.groupdict().items() if number}
        total = sum(parts.get(unit, 0.0) * _UNIT_MS[unit] for unit in _UNIT_MS)
        if not finite_at_most(total, DURATION_MAX_MS):  # checked first: a timedelta past 10^9 days overflows
            raise UsageError(f"{option} {shown(text)}: more than 8760h after the run's start", hint=_OFFSET_HINT)
        return Bound(text, offset=timedelta(hours=parts.get("h", 0), minutes=parts.get("m", 0),
                                            seconds=parts.get("s", 0), milliseconds=parts.get("ms", 0)))
    try:
        return Bound(text, at=iso(datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))))
    except ValueError:
        raise UsageError(f"{option} {shown(text)}: not a date and time", hint=_MOMENT_HINT) from None
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise UsageError(f"{option} {shown(text)}: not a moment between the years 1 and 9999 in UTC",
                         hint=_MOMENT_HINT) from None


def iso(moment: datetime) -> str:
    """UTC, microseconds, `Z`: the tracer's own timestamp shape."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _run_start(record: EventRecord) -> str | None:
    """The run's start from its first record: a segment's `attrs.run_started`, else the record's time.

    The same anchor as `inspect` uses (`analysis.fields.run_start_ts`), so `+30s` means the same there.
    """
    from ..store.records import attrs_of  # noqa: PLC0415 - records import msgspec; bounds do not need it

    attrs = attrs_of(record) if record.event_type == "segment_start" else None
    return run_start_ts({"event_type": record.event_type, "attrs": attrs, "ts": record.ts})


class EventWindow:
    """`--component`, `--since`, `--until` as one predicate on records; offsets resolve at each run's first event."""

    def __init__(self, components: frozenset[str] = frozenset(), since: Bound | None = None,
                 until: Bound | None = None):
        self.components = components
        self.since, self.until = since, until
        self._low: str | None = None
        self._high: str | None = None
        self._resolved = False

    @property
    def active(self) -> bool:
        return bool(self.components or self.since or self.until)

    def new_run(self) -> None:
        self._resolved = False

    def __call__(self, event: EventRecord) -> bool:
        ts = event.ts
        if not self._resolved:
            start = _run_start(event)
            self._low = self.since.resolve(start) if self.since else None
            self._high = self.until.resolve(start) if self.until else None
            self._resolved = True
        if self.components and event.component not in self.components:
            return False
        return (self._low is None or ts >= self._low) and (self._high is None or ts < self._high)

    def describe(self) -> dict[str, object]:
        return {key: value for key, value in (("components", sorted(self.components)),
                                              ("since", self.since.text if self.since else None),
                                              ("until", self.until.text if self.until else None)) if value}


_DURATION = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h)?\s*$", re.ASCII)
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


DURATION_HINT = f"a duration is {DURATION_RANGE}, such as 500ms, 1.5s, 2m or 1h; a bare number is ms"


def parse_duration_ms(text: str, option: str) -> float:
    """`500`, `500ms`, `1.5s`, `2m`, `1h` -> milliseconds (a bare number is ms), at most a year
    (`model.limits.DURATION_MAX_MS`); a UsageError names the option and the range otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise UsageError(f"{option} {shown(text)}: not a duration", hint=DURATION_HINT)
    ms = float(match.group("number")) * _UNIT_MS[match.group("unit") or "ms"]
    if not finite_at_most(ms, DURATION_MAX_MS):
        raise UsageError(f"{option} {shown(text)}: more than 8760h", hint=DURATION_HINT)
    return ms
