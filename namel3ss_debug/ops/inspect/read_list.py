"""`inspect TRACE [filters]`: the events that pass the filters, read as they are asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ...analysis.event_filter import Selector
from ...analysis.fields import RunClock
from ...model.lineage import Lineage
from ...store.problems import ReadProblems
from ...store.reader import Located
from .inspect import InspectRequest
from .stream import EventStream


@dataclass(frozen=True)
class EventList:
    """The event list, streamed: nothing is read until `events` is iterated, and `--limit` stops the reading.

    `clock` knows the start of each run read so far, so `clock.offset_ms(event)` places the event just
    given; `problems` are complete once `events` is exhausted.
    """

    runs: list[str]  # the runs' labels, in order
    events: Iterator[Located]
    clock: RunClock
    problems: ReadProblems
    lineages: list[tuple[str, Lineage]] = field(default_factory=list)  # for a table: the reruns' (`EventStream`)


def read_events(request: InspectRequest, stream: EventStream) -> EventList:
    clock = RunClock()
    return EventList([source.label for source in stream.sources], _passing(request, stream, clock), clock,
                     stream.reader.problems, stream.lineages() if request.fmt == "table" else [])


def _passing(request: InspectRequest, stream: EventStream, clock: RunClock) -> Iterator[Located]:
    selector, count = Selector(request.criteria), 0
    for located in stream.all():
        clock.learn(located.event)
        if not selector.accepts(located.event):
            continue
        yield located
        count += 1
        if request.limit is not None and count >= request.limit:
            return
