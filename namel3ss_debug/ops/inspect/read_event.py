"""`inspect --event N|ID`: one event in full, found through the offset index when N is a seq."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...analysis.fields import micros, run_start_ts
from ...store.reader import Located
from .inspect import InspectRequest
from .stream import EventStream


@dataclass(frozen=True)
class OneEvent:
    """The event a seq names, or every event of a span id; for a table, each one's time since its run began."""

    items: list[Located]
    at_ms: list[float | None]  # empty unless the request is for a table


def read_event(request: InspectRequest, stream: EventStream) -> OneEvent:
    """One event by seq (found through the offset index), or every event of a span id."""
    assert request.target is not None
    source, items = stream.resolve(request.target, "--event")
    if request.fmt != "table":  # JSON shows no offsets: the run's first line is not read
        return OneEvent(items, [])
    start = _run_start(stream.first_event(source), items[0].event)
    moments = (micros(item.event.get("ts")) for item in items)
    return OneEvent(items, [(moment - start) / 1000 if start is not None and moment is not None else None
                            for moment in moments])


def _run_start(first: dict[str, Any] | None, event: dict[str, Any]) -> int | None:
    """When the event's run started, from the run's first event (one line read, not the run)."""
    if first is None or first.get("run_id") != event.get("run_id"):
        return None
    return micros(run_start_ts(first))
