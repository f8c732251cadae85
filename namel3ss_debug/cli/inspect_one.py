"""`inspect --event N|ID`: one event in full, found through the offset index when N is a seq."""

from __future__ import annotations

from typing import Any

from ..analysis.fields import micros, run_start_ts
from .inspect_cmd import InspectRequest
from .inspect_events import EventStream
from .inspect_sink import Sink, write_events


def show_event(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """One event by seq (found through the offset index), or every event of a span id."""
    assert request.target is not None
    source, items = stream.resolve(request.target, "--event")
    if sink.fmt != "table":
        write_events(sink, "event", items)
        return
    from ..render.inspect.event import event_view  # noqa: PLC0415

    start = _run_start(stream.first_event(source), items[0].event)
    for position, item in enumerate(items):
        moment = micros(item.event.get("ts"))
        at = (moment - start) / 1000 if start is not None and moment is not None else None
        sink.print(event_view(item, full=request.full, at_ms=at))
        if position + 1 < len(items):
            sink.print("")


def _run_start(first: dict[str, Any] | None, event: dict[str, Any]) -> int | None:
    """When the event's run started, from the run's first event (one line read, not the run)."""
    if first is None or first.get("run_id") != event.get("run_id"):
        return None
    return micros(run_start_ts(first))
