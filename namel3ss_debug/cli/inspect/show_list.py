"""`inspect TRACE [filters]`: the event list, written as it is read (a table, JSON or JSON Lines).

Rich's table views load only for a table: `--format jsonl` writes each event without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...analysis.event_filter import EventFilter
from ...analysis.fields import text_of
from ...model.messages import plural
from ...render.inspect import inspect_json as js
from .writing import problems_of

if TYPE_CHECKING:
    from ..output import Sink
    from rich.text import Text

    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_list import EventList
    from ...render.inspect.events import Row
    from ...store.reader import Located


def show_events(request: InspectRequest, listing: EventList, sink: Sink) -> None:
    """The events that pass the filters, written as they are read; `--limit` stops the reading."""
    writer = WRITERS[sink.fmt](request, listing, sink)
    for located in listing.events:
        writer.add(located)
        writer.count += 1
    writer.finish()


class _JsonLines:
    """One event a line, as it was read."""

    def __init__(self, request: InspectRequest, listing: EventList, sink: Sink):
        self.request, self.listing, self.sink = request, listing, sink
        self.count = 0

    def add(self, located: Located) -> None:
        self.sink.write(js.dumps(located.event) + b"\n")

    def finish(self) -> None:
        pass


class _Json(_JsonLines):
    """One document, its `events` array written item by item, the count and read problems at the end."""

    def __init__(self, request: InspectRequest, listing: EventList, sink: Sink):
        super().__init__(request, listing, sink)
        head = js.dumps(js.document("events", runs=listing.runs))
        sink.write(head[:-1] + b',"events":[')

    def add(self, located: Located) -> None:
        self.sink.write((b"," if self.count else b"") + js.dumps(located.event))

    def finish(self) -> None:
        tail = js.dumps({"count": self.count, "problems": problems_of(self.listing.problems)})
        self.sink.write(b"]," + tail[1:] + b"\n")


class _Table(_JsonLines):
    """Rows printed CHUNK at a time under one header, then a count."""

    def __init__(self, request: InspectRequest, listing: EventList, sink: Sink):
        from ...render.inspect import events as view  # noqa: PLC0415 - Rich only for a table

        super().__init__(request, listing, sink)
        self.view = view
        self.layout = view.Layout.for_width(sink.width, runs=len(listing.runs) > 1)
        self.rows: list[Row] = []
        self.printed = 0
        if listing.lineages:
            from ...render.inspect.lineage import lineage_view  # noqa: PLC0415 - Rich only for a table

            sink.print(lineage_view(listing.lineages), soft_wrap=True)

    def add(self, located: Located) -> None:
        event = located.event
        run = text_of(event.get("run_id")).rsplit("-", 1)[-1] if self.layout.runs else ""
        self.rows.append(self.view.Row(event, run, self.listing.clock.offset_ms(event)))
        if len(self.rows) >= self.view.CHUNK:
            self._flush()

    def finish(self) -> None:
        self._flush()
        self.sink.print(_footer(self.count, self.request))

    def _flush(self) -> None:
        if self.rows:
            self.sink.print(self.view.event_table(self.rows, self.layout, header=not self.printed), soft_wrap=True)
            self.printed += len(self.rows)
            self.rows = []


WRITERS = {"jsonl": _JsonLines, "json": _Json, "table": _Table}


def _footer(count: int, request: InspectRequest) -> Text:
    from rich.text import Text  # noqa: PLC0415 - Rich only for a table

    if count == 0:
        return Text("no events" if request.criteria == EventFilter() else "no events match", style="dim")
    limited = " (--limit reached)" if request.limit is not None and count >= request.limit else ""
    return Text(plural(count, "event") + limited, style="dim")
