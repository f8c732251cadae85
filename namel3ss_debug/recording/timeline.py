"""A run as the replay engine walks it: each event's place in the span tree, in compact arrays.

The engine moves a cursor over positions 0..N-1 (the run's events in file order). What it needs to
decide where to stop (an event's kind, depth, span, type, component, name, status and call number)
is kept for every event in `array`s of small integers, about 60 bytes an event; the events themselves
stay in the trace file and are read when shown (see `EventStore`). A 1 GiB trace of 1.7 million events
is replayed in a process of about 200 MB at its peak (`bench/replay_scale.py`).

Kinds: a `started` event opens a span; the next event with that span id closes it; anything else is an
instant event. Depth: a span's start and end are at its depth (0 for a root span); an instant event is one
deeper than its parent span, like a call of no length.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from array import array
from datetime import datetime
from typing import TYPE_CHECKING, Iterator, Protocol

from ..analysis.fields import parse_ts
from ..model.calls import CallAddress
from ..model.errors import UsageError
from ..model.text_keys import Names
from ..model.json_types import JsonEvent

if TYPE_CHECKING:  # the blocks a read shows the timeline it builds (`load.FileReading`)
    from ..store.line_blocks import LineBlock

INSTANT, START, END = 0, 1, 2
# A timeline's arrays, one item an event, then one item a span; and its tables of texts (`Names`)
EVENT_ARRAYS = ("seq", "kind", "type_code", "component_code", "name_code", "status_code", "depth", "span", "call",
                "duration")
SPAN_ARRAYS = ("span_parent", "span_start", "span_end")
CODED = {"type_code": "types", "component_code": "components", "name_code": "names", "status_code": "statuses"}
NAME_TABLES = tuple(CODED.values())  # each coded array's table of texts
_DIGITS = re.compile(r"[0-9]+")
NO_SPAN = -1


class EventStore(Protocol):
    """Where the full events are: `event(i)` is the i-th event as a dict, `where(i)` its `file:line`;
    `close()` lets go of any file it holds open."""

    def event(self, index: int) -> JsonEvent: ...

    def where(self, index: int) -> str: ...

    def close(self) -> None: ...


class MemoryStore:
    """Events held as dicts: small traces, standard input and formats mapped from others."""

    def __init__(self) -> None:
        self.events: list[JsonEvent] = []
        self.places: list[str] = []

    def add(self, event: JsonEvent, where: str) -> None:
        self.events.append(event)
        self.places.append(where)

    def keep(self, block: LineBlock, kept: list[int] | None) -> None:
        """The events of a block of lines the timeline kept (None: all of them), each at its place."""
        events = block.picked(_every) if block.decoded else block.events()  # one a record, in its order
        for index in range(len(events)) if kept is None else kept:
            self.add(events[index].event, events[index].where)

    def finish(self, timeline: Timeline) -> None:
        pass

    def event(self, index: int) -> JsonEvent:
        return self.events[index]

    def where(self, index: int) -> str:
        return self.places[index]

    def close(self) -> None:
        pass


class Timeline:
    """The structure of one run, position by position, and the store its events are read from."""

    def __init__(self, store: EventStore, label: str = "", run_id: str | None = None):
        self.store = store
        self.label = label
        self.run_id = run_id
        self.types, self.components, self.names, self.statuses = Names(), Names(), Names(), Names()
        self.seq = array("q")
        self.kind = array("B")
        self.type_code = array("I")
        self.component_code = array("I")
        self.name_code = array("I")
        self.status_code = array("I")
        self.depth = array("I")
        self.span = array("i")  # a start's or end's own span; an instant's parent span (or NO_SPAN)
        self.call = array("I")  # the call number among events of the same component and name, from 1
        self.duration = array("d")  # NaN when the event has none
        self.span_parent = array("i")
        self.span_start = array("i")
        self.span_end = array("i")
        self.calls: dict[tuple[int, int], int] = {}  # (component, name) -> calls so far
        self.other_runs: dict[str, int] = {}  # run id -> events of the input's other runs, left out
        self._sorted = True

    def __len__(self) -> int:
        return len(self.seq)

    # -- what the engine and the commands read --------------------------------------------------

    def event(self, index: int) -> JsonEvent:
        return self.store.event(index)

    def where(self, index: int) -> str:
        return self.store.where(index)

    def close(self) -> None:
        """Closes the files the events are read from (the session is over)."""
        self.store.close()

    def event_type(self, index: int) -> str:
        return self.types.texts[self.type_code[index]]

    def component(self, index: int) -> str:
        return self.components.texts[self.component_code[index]]

    def name(self, index: int) -> str:
        return self.names.texts[self.name_code[index]]

    def status(self, index: int) -> str:
        return self.statuses.texts[self.status_code[index]]

    def key(self, index: int) -> str:
        """`component:name#N`: how breakpoints and mocks name the call this event belongs to."""
        return str(CallAddress(self.component(index), self.name(index), self.call[index]))

    def duration_ms(self, index: int) -> float | None:
        value = self.duration[index]
        return None if math.isnan(value) else value

    def partner(self, index: int) -> int | None:
        """The other event of a call: a start's end, an end's start; None for an instant or an unclosed span."""
        kind = self.kind[index]
        if kind == INSTANT:
            return None
        other = self.span_end[self.span[index]] if kind == START else self.span_start[self.span[index]]
        return None if other < 0 else other

    def container_depth(self, index: int) -> int:
        """The depth of the span this event is inside of: a start is inside its own span; -1 at the top."""
        return self.depth[index] if self.kind[index] == START else self.depth[index] - 1

    def ancestry(self, index: int) -> list[int]:
        """Start positions of the spans around this event, outermost first (a start includes its own span)."""
        chain = self.enclosing(index)
        return [*chain, index] if self.kind[index] == START else chain

    def enclosing(self, index: int) -> list[int]:
        """Start positions of the spans this event is inside of, outermost first, from its parent's (a
        start's own span is not one of them)."""
        span = self._parent_of(index)
        chain: list[int] = []
        while span != NO_SPAN:  # a parent span is always numbered before its children: the chain ends
            chain.append(self.span_start[span])
            span = self.span_parent[span]
        return chain[::-1]

    def _parent_of(self, index: int) -> int:
        span = self.span[index]
        if self.kind[index] == INSTANT or span == NO_SPAN:
            return span
        return self.span_parent[span]

    def position_of(self, seq: int) -> int | None:
        """The position of the event with this seq, or None."""
        if self._sorted:
            index = bisect.bisect_left(self.seq, seq)
            return index if index < len(self.seq) and self.seq[index] == seq else None
        return next((i for i, value in enumerate(self.seq) if value == seq), None)

    def require_position(self, seq: int, error: type[UsageError] = UsageError) -> int:
        """The position of the event with this seq; `error` naming the nearest seqs if the run has none."""
        position = self.position_of(seq)
        if position is None:
            nearest = ", ".join(str(value) for value in self.nearest_seqs(seq))
            raise error(f"the run has no event with seq {seq}", hint=f"nearest: {nearest}")
        return position

    def span_of_seqs(self, first: int, last: int) -> tuple[int, int] | None:
        """Positions of the events with seqs from `first` to `last`, clipped to the run; None if none.

        When the run's seqs are out of order (they go down somewhere), nothing is clipped: `first` and
        `last` must be seqs the run has, and their positions are given (None if either is missing).
        """
        if not self._sorted:
            low, high = self.position_of(first), self.position_of(last)
            return None if low is None or high is None else (low, high)
        low, high = bisect.bisect_left(self.seq, first), bisect.bisect_right(self.seq, last) - 1
        return (low, high) if low <= high else None

    def nearest_seqs(self, seq: int, count: int = 2) -> list[int]:
        """Recorded seqs closest to `seq`, for a message about one that is not there."""
        if not self.seq:
            return []
        if self._sorted:
            index = bisect.bisect_left(self.seq, seq)
            window = self.seq[max(0, index - count): index + count]
        else:
            window = self.seq
        return sorted(sorted(window, key=lambda value: abs(value - seq))[:count])

    def call_count(self, component: str, name: str) -> int:
        codes = (self.components.find(component), self.names.find(name))
        return 0 if None in codes else self.calls.get(codes, 0)  # type: ignore[arg-type]

    def recorded_calls(self) -> Iterator[tuple[str, str, int]]:
        """(component, name, number of calls) of every operation in the run."""
        for (component, name), count in self.calls.items():
            yield self.components.texts[component], self.names.texts[name], count

    def run_start(self) -> JsonEvent | None:
        """The run's `run_start` event (among the first few), or None."""
        code = self.types.find("run_start")
        if code is None:
            return None
        for index in range(min(len(self), 16)):
            if self.type_code[index] == code:
                return self.event(index)
        return None

    @functools.cached_property
    def origin(self) -> datetime | None:
        """When the run started, read once: the `run_start` event's time (a segment's first event, written
        when the segment opens, can be later), else the first event's; None if unreadable."""
        try:
            return parse_ts((self.run_start() or self.event(0)).get("ts"))  # type: ignore[arg-type]
        except (TypeError, ValueError, AttributeError):
            return None


def _every(line: bytes) -> bool:
    return True


def as_number(text: str) -> int | None:
    """`text` as a count or seq: ASCII digits only (`int()` would take `١٢` and `str.isdigit()` lets `²` by)."""
    return int(text) if _DIGITS.fullmatch(text) else None
