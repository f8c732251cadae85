"""`inspect TRACE [filters]`: the event list, streamed as the run is read (a table, JSON or JSON Lines)."""

from __future__ import annotations

from rich.text import Text

from ..analysis.event_filter import EventFilter, Selector
from ..analysis.fields import RunClock, text_of
from ..render.inspect import to_json as js
from ..render.inspect.events import CHUNK, Layout, Row, event_table
from ..render.text import plural
from ..store.reader import Located
from .inspect_cmd import InspectRequest
from .inspect_events import EventStream
from .inspect_sink import Sink, problems_of


def show_events(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """The events that pass the filters, written as they are read; `--limit` stops the reading."""
    selector, clock = Selector(request.criteria), RunClock()
    writer = WRITERS[sink.fmt](request, stream, sink)
    for located in stream.all():
        clock.learn(located.event)
        if not selector.accepts(located.event):
            continue
        writer.add(located, clock)
        writer.count += 1
        if request.limit is not None and writer.count >= request.limit:
            break
    writer.finish()


class _JsonLines:
    """One event a line, as it was read."""

    def __init__(self, request: InspectRequest, stream: EventStream, sink: Sink):
        self.request, self.stream, self.sink = request, stream, sink
        self.count = 0

    def add(self, located: Located, clock: RunClock) -> None:
        self.sink.write(js.dumps(located.event) + b"\n")

    def finish(self) -> None:
        pass


class _Json(_JsonLines):
    """One document, its `events` array written item by item, the count and read problems at the end."""

    def __init__(self, request: InspectRequest, stream: EventStream, sink: Sink):
        super().__init__(request, stream, sink)
        head = js.dumps(js.document("events", runs=[source.label for source in stream.sources]))
        sink.write(head[:-1] + b',"events":[')

    def add(self, located: Located, clock: RunClock) -> None:
        self.sink.write((b"," if self.count else b"") + js.dumps(located.event))

    def finish(self) -> None:
        tail = js.dumps({"count": self.count, "problems": problems_of(self.stream.reader)})
        self.sink.write(b"]," + tail[1:] + b"\n")


class _Table(_JsonLines):
    """Rows printed CHUNK at a time under one header, then a count."""

    def __init__(self, request: InspectRequest, stream: EventStream, sink: Sink):
        super().__init__(request, stream, sink)
        self.layout = Layout.for_width(sink.width, runs=len(stream.sources) > 1)
        self.rows: list[Row] = []
        self.printed = 0

    def add(self, located: Located, clock: RunClock) -> None:
        event = located.event
        run = text_of(event.get("run_id")).rsplit("-", 1)[-1] if self.layout.runs else ""
        self.rows.append(Row(event, run, clock.offset_ms(event)))
        if len(self.rows) >= CHUNK:
            self._flush()

    def finish(self) -> None:
        self._flush()
        self.sink.print(_footer(self.count, self.request))

    def _flush(self) -> None:
        if self.rows:
            self.sink.print(event_table(self.rows, self.layout, header=not self.printed), soft_wrap=True)
            self.printed += len(self.rows)
            self.rows = []


WRITERS = {"jsonl": _JsonLines, "json": _Json, "table": _Table}


def _footer(count: int, request: InspectRequest) -> Text:
    if count == 0:
        return Text("no events" if request.criteria == EventFilter() else "no events match", style="dim")
    limited = " (--limit reached)" if request.limit is not None and count >= request.limit else ""
    return Text(plural(count, "event") + limited, style="dim")
