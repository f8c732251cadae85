"""One big run read in parts: each part's records tallied on their own (`tally_part`, in a worker process), and the
asking process's pass over the run (`feed_split`), which tallies the records before the first cut, joins each part
in its place (`join.py`) and tallies what no part tallied (a part's records past where it stopped, a part the join
refused). Every process reads the whole run; a part's records are told apart by their place in it (the run's
records counted from its first), which every reader of one file gives alike.

A cut is named by the record a part begins at (`Cut`: its seq, span id and event type): the first record of the run
so named, as a part finds it, and the first one past the part before, as the asking process finds it. Where the two
differ (a broken file that repeats a record), the part adds nothing: the asking process tallies its records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from ..store.handed import Run
from ..store.records import EventRecord
from .join import join
from .part_tally import PartTally, Tallied
from .run_state import Options
from .tally import Tally

Cut = tuple[int, str, str]  # (seq, span id, event type) of the record a part begins at


def cut_of(record: EventRecord) -> Cut:
    return record.seq, record.span_id, record.event_type


@dataclass
class Skipped:
    """A part that tallied nothing: its cut was not met, or a record before it was of another run."""

    start: Optional[int] = None


def tally_part(blocks: Iterable[Sequence[EventRecord]], begin: Cut, end: Optional[Cut], options: Options,
               source: Run, index: int) -> Tallied | Skipped:
    """The run's records from the first one named `begin` to the next one named `end` (None: to the run's end), or
    to the record the part stops at, tallied as a part (`PartTally`). `index`: the run's place among the runs the
    asking process reads."""
    part = PartTally(options, source, index)
    ordinal, start = 0, None
    for block in blocks:
        at = 0
        if start is None:
            at = _find(block, begin)
            for record in block[:at if at >= 0 else len(block)]:
                if not part.seed(record):
                    return Skipped()
            if at < 0:
                ordinal += len(block)
                continue
            start = ordinal + at
            part.begin_part()
        upto = _find(block, end, at + 1 if ordinal + at == start else at) if end is not None else -1
        chunk = block[at:upto if upto >= 0 else len(block)]
        part.feed(chunk)
        if part.stopped is not None:
            return part.tallied(start, ordinal + at + _index(chunk, part.stopped))
        if upto >= 0:
            return part.tallied(start, ordinal + upto)
        ordinal += len(block)
    if start is None:
        return Skipped()
    return part.tallied(start, ordinal)


def _find(block: Sequence[EventRecord], cut: Optional[Cut], since: int = 0) -> int:
    """Where in `block`, from `since`, the record named `cut` is; -1 when it is not there."""
    if cut is None:
        return -1
    seq, span_id, event_type = cut
    for at in range(since, len(block)):
        record = block[at]
        if record.seq == seq and record.span_id == span_id and record.event_type == event_type:
            return at
    return -1


def _index(chunk: Sequence[EventRecord], record: EventRecord) -> int:
    for at, mine in enumerate(chunk):
        if mine is record:
            return at
    raise ValueError("the record a part stopped at is not in its block")


def feed_split(tally: Tally, blocks: Iterable[Sequence[EventRecord]], cuts: Sequence[Cut],
               parts: Iterable[Tallied | Skipped]) -> int:
    """Feed `tally` (the run begun) the run's records, each part (one a cut, in order) joined at its cut, asked for
    only when its cut is reached (the parts are tallied meanwhile); returns how many parts were joined."""
    waiting: Iterator[Tallied | Skipped] = iter(parts)
    ordinal, skip_to, joined, next_cut = 0, 0, 0, 0
    for block in blocks:
        at, size = 0, len(block)
        while at < size:
            if ordinal + at < skip_to:
                at = min(size, skip_to - ordinal)
                continue
            found = _find(block, cuts[next_cut], at) if next_cut < len(cuts) else -1
            if found < 0:
                tally.feed(block[at:] if at else block)
                break
            tally.feed(block[at:found])
            at, next_cut = found, next_cut + 1
            part = next(waiting, None)
            if isinstance(part, Tallied) and part.start == ordinal + at and join(tally, part):
                joined += 1
                skip_to = part.stop
        ordinal += size
    for _ in waiting:  # parts whose cut was not met: their records were tallied here
        pass
    return joined
