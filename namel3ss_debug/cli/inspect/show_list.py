"""`inspect TRACE [filters]`: the event list as JSON or JSON Lines, written as it is read (its table is in
tables.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ...render.inspect import inspect_json as js
from .writing import problems_of

if TYPE_CHECKING:
    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_list import EventList
    from ...store.reader import Located
    from ..output import Sink
    from .writing import Viewed


class EventListWriter(Protocol):
    """Writes the events one by one, then what follows them; `count` is how many it was given."""

    count: int

    def add(self, located: Located) -> None: ...

    def finish(self) -> None: ...


def show_events(viewed: Viewed, sink: Sink) -> None:
    """The events that pass the filters, as JSON or JSON Lines."""
    write_all((_Json if sink.fmt == "json" else _JsonLines)(viewed.request, viewed.record, sink), viewed.record)


def write_all(writer: EventListWriter, listing: EventList) -> None:
    """Each event as it is read; `--limit` stops the reading."""
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
