"""`inspect --event N|ID`: one event in full (or every event of a span id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .writing import write_events

if TYPE_CHECKING:
    from ..output import Sink
    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_event import OneEvent


def show_event(request: InspectRequest, shown: OneEvent, sink: Sink) -> None:
    if sink.fmt != "table":
        write_events(sink, "event", shown.items)
        return
    from ...render.inspect.event import event_view  # noqa: PLC0415 - Rich only for a table

    for position, (item, at) in enumerate(zip(shown.items, shown.at_ms)):
        sink.print(event_view(item, full=request.full, at_ms=at))
        if position + 1 < len(shown.items):
            sink.print("")
