"""The spans of one OTLP/JSON file, held out of memory until the file ends.

A run's events come out in time order, and a child may come before its parent in the file, so nothing can be
given out before the file is read to its end. Holding every span (and then every event) as Python objects
took 2.6 GB for 100k root spans; here each span is written (MessagePack, msgspec) into an anonymous
temporary file (no name, so no other process can open it, and gone when it is closed) and memory keeps only
what ordering needs, in arrays: about 60 bytes a span. `SpanSpill.traces()` gives each trace's span numbers
in the order the runs sort them, `walk_order` the depth-first numbers that break ties between equal times,
and `EventSpill` holds one run's events on disk while their order is decided.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from dataclasses import dataclass, fields
from collections.abc import Iterator
from typing import IO

import msgspec

from .documents import OtlpEvent, OtlpSpan
from ...model.json_types import JsonValue


SPOOL = 20_000  # values held in memory before they go to disk (as tempfile.SpooledTemporaryFile does)
_ENCODER, _DECODER = msgspec.msgpack.Encoder(), msgspec.msgpack.Decoder()


class _Records:
    """Values by their number: the first `SPOOL` in memory, then all of them written into an anonymous
    temporary file as MessagePack (which costs time that a file of a few thousand spans need not pay). A
    value MessagePack cannot hold (an integer past 64 bits, a lone surrogate) stays in memory, in `_odd`.
    Read back, a tuple is a list."""

    def __init__(self) -> None:
        self._spool = SPOOL
        self._held: list[JsonValue] = []
        self._file: IO[bytes] | None = None
        self._ends = array("Q")
        self._odd: dict[int, JsonValue] = {}
        self._flushed = True

    def __len__(self) -> int:
        return len(self._ends) if self._file is not None else len(self._held)

    def append(self, value: JsonValue) -> None:
        if self._file is None:
            self._held.append(value)
            if len(self._held) <= self._spool:
                return
            self._file = tempfile.TemporaryFile()
            held, self._held = self._held, []
            for each in held:
                self._write(each)
            return
        self._write(value)

    def _write(self, value: JsonValue) -> None:
        assert self._file is not None
        try:
            data = _ENCODER.encode(value)
        except (OverflowError, TypeError, ValueError):  # past 64 bits; a lone surrogate
            self._odd[len(self._ends)] = value
            data = b""
        self._file.write(data)
        self._ends.append((self._ends[-1] if self._ends else 0) + len(data))
        self._flushed = False

    def __getitem__(self, number: int) -> JsonValue:
        if self._file is None:
            return self._held[number]
        if not self._flushed:
            self._file.flush()
            self._flushed = True
        if number in self._odd:
            return self._odd[number]
        begin = self._ends[number - 1] if number else 0
        return _DECODER.decode(os.pread(self._file.fileno(), self._ends[number] - begin, begin))

    def clear(self) -> None:
        """Forget every value (and the file, if there was one)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._held, self._ends, self._odd, self._flushed = [], array("Q"), {}, True


class SpanSpill:
    """Every span of a file, by its number (its place in the file), with its trace, ids, start and order
    in arrays."""

    def __init__(self) -> None:
        self._spans = _Records()
        self.trace_ids: list[str] = []
        self._trace_numbers: dict[str, int] = {}
        self.trace = array("Q")
        self.ids = array("Q")
        self.parents = array("Q")  # 0: no parent (an OpenTelemetry id is never 0)
        self.start = array("Q")
        self.order = array("Q")
        self.run_spans: set[int] = set()  # the traces holding a run span of ours
        self.named: dict[int, tuple[int, int, int]] = {}  # trace -> (start, order, span) of its first span
        # whose resource names the run (`namel3ss.run_id`)

    def __len__(self) -> int:
        return len(self._spans)

    def add(self, span: OtlpSpan, run_span: bool) -> None:
        number = len(self._spans)
        trace = self._trace_numbers.setdefault(span.trace_id, len(self.trace_ids))
        if trace == len(self.trace_ids):
            self.trace_ids.append(span.trace_id)
        self._spans.append(_packed(span))
        self.trace.append(trace)
        self.ids.append(int(span.span_id, 16))
        self.parents.append(int(span.parent_span_id, 16) if span.parent_span_id else 0)
        self.start.append(span.start_ns)
        self.order.append(span.order)
        if run_span:
            self.run_spans.add(trace)
        if "namel3ss.run_id" in span.resource:
            found = (span.start_ns, span.order, number)
            if trace not in self.named or found < self.named[trace]:
                self.named[trace] = found

    def span(self, number: int) -> OtlpSpan:
        return _unpacked(self._spans[number])

    def traces(self) -> Iterator[tuple[int, list[int]]]:
        """Each trace (in the order of its first span in the file) with its span numbers, by start then
        place in the file."""
        start, order, trace = self.start, self.order, self.trace
        numbers = sorted(range(len(self)), key=lambda n: ((trace[n] << 64 | start[n]) << 64) | order[n])
        begin = 0
        while begin < len(numbers):
            end = begin
            current = trace[numbers[begin]]
            while end < len(numbers) and trace[numbers[end]] == current:
                end += 1
            yield current, numbers[begin:end]
            begin = end

    def close(self) -> None:
        self._spans.clear()


_FIELDS = tuple(f.name for f in fields(OtlpSpan))
_EVENTS = _FIELDS.index("events")


def _packed(span: OtlpSpan) -> tuple[JsonValue, ...]:
    """A span as plain values, which MessagePack holds (a dataclass it would turn into a mapping)."""
    values = [getattr(span, name) for name in _FIELDS]
    values[_EVENTS] = [(event.name, event.time_ns, event.attributes) for event in span.events]
    return tuple(values)


def _unpacked(values: tuple[JsonValue, ...]) -> OtlpSpan:
    span = OtlpSpan(*values)
    span.events = [OtlpEvent(*event) for event in values[_EVENTS]]
    return span


class EventSpill(_Records):
    """One run's events (on disk past `SPOOL`), by number, while their order is decided."""


@dataclass(frozen=True)
class Walk:
    """`walk_order`'s numbers, by the span's place in the run; `attached`: its parent is in the run."""

    starts: array[int]
    ends: array[int]
    root_end: int
    attached: bytearray


def walk_order(ids: array[int], parents: array[int]) -> Walk:
    """A depth-first number for each span's start (and instants) and end, the spans given by their ids and
    parent ids (0: none) in the run's order: between equal times, a parent starts before its children and
    ends after them. A span whose parent is not in the run (or is itself) hangs from the run's root, which
    starts at 0. Copies of one id share one pair of numbers, and the children of every copy are walked
    once, from the copy the walk meets first: the walk is linear however often an id repeats (walking each
    copy's children again was exponential in the depth of the tree: 40 copies of one export took 14 s).
    Spans in a cycle of parents, reachable from no root, are numbered after the last."""
    count = len(ids)
    first: dict[int, int] = {}
    for place, span_id in enumerate(ids):
        first.setdefault(span_id, place)
    canon = array("q", (first[span_id] for span_id in ids))
    attached = bytearray(parent in first for parent in parents)
    child, sibling = array("q", [-1]) * (count + 1), array("q", [-1]) * count  # slot `count`: the root
    for place in range(count - 1, -1, -1):
        parent = parents[place]
        holder = first.get(parent, count) if parent and parent != ids[place] else count
        sibling[place], child[holder] = child[holder], place
    del first
    starts, ends = array("q", [-1]) * count, array("q", [-1]) * count
    stack = _children(child, sibling, count)
    counter = 0
    while stack:
        item = stack.pop()
        place, done = canon[item >> 1], item & 1
        if not done and starts[place] >= 0:
            continue  # an id met again (a file holding copies of one export): its children are walked once
        counter += 1
        if done:
            ends[place] = counter
            continue
        starts[place] = counter
        stack.append(place << 1 | 1)
        stack.extend(_children(child, sibling, place))
    for place in range(count):
        known = canon[place]
        starts[place] = starts[known] if starts[known] >= 0 else counter + 1
        ends[place] = ends[known] if ends[known] >= 0 else counter + 1
    return Walk(starts, ends, counter + 2, attached)


def _children(child: array[int], sibling: array[int], holder: int) -> list[int]:
    """The children of `holder` as stack items, the last first (so that the first is walked first)."""
    found = []
    place = child[holder]
    while place >= 0:
        found.append(place << 1)
        place = sibling[place]
    found.reverse()
    return found
