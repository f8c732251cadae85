"""`inspect`'s table views, one per record ops/inspect reads: Rich on a (maybe paged) console.

This module imports Rich's views at the top: `show` loads it only when `--format table` is shown, so
`--format json` and `jsonl` never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ...analysis.event_filter import EventFilter
from ...analysis.fields import text_of
from ...model.messages import plural
from ...render.inspect import events as rows
from ...render.inspect.event import event_view
from ...render.inspect.lineage import lineage_view
from ...render.inspect.stories import causality_view, journey_view
from ...render.inspect.timeline import timeline_view
from ...render.inspect.tree import tree_view
from .show_list import write_all

if TYPE_CHECKING:
    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_list import EventList
    from ...store.reader import Located
    from ..output import Sink
    from .writing import Viewed


def events(viewed: Viewed, sink: Sink) -> None:
    """The events that pass the filters, CHUNK rows at a time under one header, then a count."""
    write_all(_EventTable(viewed.request, viewed.record, sink), viewed.record)


def event(viewed: Viewed, sink: Sink) -> None:
    """One event in full (or every event of a span id)."""
    request, shown = viewed
    for position, (item, at) in enumerate(zip(shown.items, shown.at_ms)):
        sink.print(event_view(item, full=request.full, at_ms=at))
        if position + 1 < len(shown.items):
            sink.print("")


def span(viewed: Viewed, sink: Sink) -> None:
    """A span's start and end events, and the tree of everything under it."""
    request, shape = viewed
    for item in shape.own:
        sink.print(event_view(item, full=request.full))
        sink.print("")
    sink.print(tree_view((shape.node,), request.limit), soft_wrap=True)


def tree(viewed: Viewed, sink: Sink) -> None:
    request, shape = viewed
    if shape.lineages:
        sink.print(lineage_view(shape.lineages), soft_wrap=True)
    sink.print(tree_view(shape.roots, request.limit, shape.cuts), soft_wrap=True)


def timeline(viewed: Viewed, sink: Sink) -> None:
    request, shape = viewed
    if shape.lineages:
        sink.print(lineage_view(shape.lineages), soft_wrap=True)
    sink.print(timeline_view(shape.line, sink.width, request.limit))


def journey(viewed: Viewed, sink: Sink) -> None:
    """One agent's events in order, nested under its spans."""
    sink.print(journey_view(viewed.record, viewed.request.limit))


def causality(viewed: Viewed, sink: Sink) -> None:
    """The spans around an event and the related events in the lookback window before it."""
    sink.print(causality_view(viewed.record.found, viewed.request.limit))


class _EventTable:
    """Rows printed CHUNK at a time under one header, then a count."""

    def __init__(self, request: InspectRequest, listing: EventList, sink: Sink):
        self.request, self.listing, self.sink = request, listing, sink
        self.count = 0
        self.layout = rows.EventColumns.for_width(sink.width, runs=len(listing.runs) > 1)
        self.rows: list[rows.EventRow] = []
        self.printed = 0
        if listing.lineages:
            sink.print(lineage_view(listing.lineages), soft_wrap=True)

    def add(self, located: Located) -> None:
        event = located.event
        run = text_of(event.get("run_id")).rsplit("-", 1)[-1] if self.layout.runs else ""
        self.rows.append(rows.EventRow(event, run, self.listing.clock.offset_ms(event)))
        if len(self.rows) >= rows.CHUNK:
            self._flush()

    def finish(self) -> None:
        self._flush()
        self.sink.print(_footer(self.count, self.request))

    def _flush(self) -> None:
        if self.rows:
            self.sink.print(rows.event_table(self.rows, self.layout, header=not self.printed), soft_wrap=True)
            self.printed += len(self.rows)
            self.rows = []


def _footer(count: int, request: InspectRequest) -> Text:
    if count == 0:
        return Text("no events" if request.criteria == EventFilter() else "no events match", style="dim")
    limited = " (--limit reached)" if request.limit is not None and count >= request.limit else ""
    return Text(plural(count, "event") + limited, style="dim")
