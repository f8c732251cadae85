"""One big run read in parts: the file cut at lines into spans, each span after the first tallied on its own in a
worker process (`tally_part`) while the asking process tallies the first, then each joined in its place
(`read_split`, `join.py`). The asking process tallies itself whatever no part could: a part's records past where it
stopped, and a part the join refused. The report is the one a single pass makes, byte for byte.

A part knows nothing of the records before its span but the run's first lines (`head`): the roots it seeds from
them are checked against the state at the cut by the join, which refuses a part whose guess was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

from ..store.handed import HandedRun
from ..store.line_blocks import LineBlock
from ..store.reader import LineRange
from ..store.records import EventRecord
from .join import join
from .part_tally import PartTally, Tallied
from .run_state import Options
from .tally import Tally


@dataclass
class SplitRun:
    """A run `analyze` reads in parts: how a span of its file is read here, its spans, each span's part but the
    first's, and what is told each part joined (see `read_split`)."""

    source: HandedRun
    read: Callable[[LineRange], Iterable[Sequence[EventRecord]]]
    spans: Sequence[LineRange]
    parts: Iterable[tuple[Tallied, Stopped] | SkippedPart]
    joined: Callable[[int], None]
    settled: Callable[[int], bool] = lambda number: True  # whether part k may be joined besides the tally's join


@dataclass
class SkippedPart:
    """A part that tallied nothing (its head was of another run, or its reading met an error the asking process
    will meet and say when it reads the span itself)."""


@dataclass
class Stopped:
    """Where a part stopped: the record it did not tally (its byte offset and line), or the span's end."""

    offset: int
    line: int


def tally_part(head: Iterable[EventRecord], blocks: Iterable[LineBlock], span: LineRange, options: Options,
               source: HandedRun, index: int, see: Callable[[LineBlock, Optional[int]], None] | None = None,
               ) -> tuple[Tallied, Stopped] | SkippedPart:
    """The records of `blocks` (a span of the run's file) tallied as a part, seeded from the run's first records
    (`head`), up to the record the part stops at. `index`: the run's place among the runs the asking process
    reads. `see`, if given, is shown each block the part tallied and how many of its records (None: all), for
    what looks at every event besides the tally (`check`'s scan)."""
    part = PartTally(options, source, index)
    for record in head:
        if not part.seed(record):
            return SkippedPart()
    part.begin_part()
    for block in blocks:
        part.feed(block.records)
        if part.stopped is not None:
            at = _index(block.records, part.stopped)
            if see is not None:
                see(block, at)
            return part.tallied(), Stopped(block.offsets()[at], block.line_numbers()[at])
        if see is not None:
            see(block, None)
    return part.tallied(), Stopped(span.end, 0)


def _index(records: Sequence[EventRecord], record: EventRecord) -> int:
    for at, mine in enumerate(records):
        if mine is record:
            return at
    raise ValueError("the record a part stopped at is not in its block")


def read_split(tally: Tally, read: Callable[[LineRange], Iterable[Sequence[EventRecord]]], spans: Sequence[LineRange],
               parts: Iterable[tuple[Tallied, Stopped] | SkippedPart], joined: Callable[[int], None],
               settled: Callable[[int], bool] = lambda number: True) -> int:
    """Feed `tally` (the run begun) the records of `spans` (the whole file, in order): the first read here (`read`),
    each other one's part (`parts`, in order: a part is asked for only once the spans before it are tallied) joined
    in its place, and what the part did not tally read here. `joined(k)` is told each part joined (k counts from
    the second span: its warnings and bytes are the asking process's then); `settled(k)`, asked before, may refuse
    a part that what reads beside the tally cannot join. Returns how many parts were joined."""
    for block in read(spans[0]):
        tally.feed(block)
    count = 0
    for number, (span, told) in enumerate(zip(spans[1:], parts)):
        rest: Optional[LineRange] = span
        if not isinstance(told, SkippedPart) and settled(number) and join(tally, told[0]):
            stopped = told[1]
            joined(number)
            count += 1
            rest = LineRange(stopped.offset, span.end, stopped.line) if stopped.offset < span.end else None
        if rest is not None:
            for block in read(rest):
                tally.feed(block)
    return count
