"""One part of one big run tallied on its own, as a worker process reads it: the run's records from a cut (a line)
to the next cut, for `join.py` to add to the tally of every record before the cut.

A part is tallied from a state it cannot know: what was open at its cut, what errors came before. It is seeded
with the spans with no parent that the run's first lines leave open (the run's root: `seed`), and tallies from the
cut with those open and nothing else known; the join checks that guess. It stops at the first record whose tally
would read something only the records before the cut hold (`stops`): an end of a span it did not see start (open
at the cut, or a broken file's), a span under a parent it does not know, the root's own end (its critical path and
time read every child), a record of another run, a failed span whose parent would take an error from before the
cut. What the part decided from that unknown state and cannot undo is written down for the join instead: the first
error it took for new (`fresh`), each call identity's first call, which the records before the cut may have made
already (`firsts`), whether a root's children overlapped (`overlapped`) and the least seq it read (`least_seq`).
The join checks the state at the cut against all of that and adds the part only when the part's figures are the
ones one pass would have made; the asking process tallies the records from where the part stopped (or, when the
join refuses, from the cut) itself. With the diagnosis's sections, its collector reads the part too
(`diagnosis/parts/clues.py`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Optional

from ..model.events import is_end, is_start
from ..model.rerun_protocol import unwound_by_stop
from ..store.handed import HandedRun
from ..store.records import EventRecord, attrs_of
from .collectors.anomalies import AnomaliesCollector
from .collectors.errors import ErrorsCollector, reported_as
from .collectors.figures import SEQ_BITS, Op
from .collectors.integrity import IntegrityCollector
from .collectors.overview import OverviewCollector
from .collectors.patterns import PatternsCollector
from .collectors.timing import Timing
from .collectors.usage import UsageCollector
from .diagnosis.parts.calls import KeyColumn
from .diagnosis.parts.clues import CluesPart, PartClues
from .merge import no_window
from .run_state import OpenSpan, Options, RunState
from .tally import END, Tally

SEQ_MASK = (1 << SEQ_BITS) - 1  # a figure's reference to an event: its seq, below its run's place


class PartErrors(ErrorsCollector):
    """The errors collector of a part: what it decided without the errors before the cut is written down."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: Optional[tuple[str, str]] = None  # the error report it counted while no error of its own was known

    def reported(self, run: RunState, event: EventRecord, parent: Optional[OpenSpan]) -> None:
        if run.last_error is None and not run.reportable and self.fresh is None:
            self.fresh = reported_as(event)
        super().reported(run, event, parent)


@dataclass(frozen=True, slots=True)
class First:
    """A call identity's first call in a part: a repeat when the records before the cut made it too."""

    ref: int
    span_id: str
    component: str
    name: str
    ms: float = 0.0  # its time once it ended (what a repeat adds), 0 while open


class Firsts:
    """Each call identity's first call in a part, in columns (16.6 MB as objects in a part of 472 MB): identity -> its
    row; each row's ref, span id, operation (by its place in `ops`) and time. `firsts[key]`
    is a row as a `First`."""

    __slots__ = ("rows", "refs", "span_ids", "op_rows", "ops", "ms", "_places")

    def __init__(self) -> None:
        self.rows: dict[int, int] = {}
        self.refs = array("q")
        self.span_ids = KeyColumn()
        self.op_rows = array("I")
        self.ops: list[tuple[str, str]] = []
        self.ms = array("d")
        self._places: dict[tuple[str, str], int] = {}

    def add(self, key: int, ref: int, span_id: str, component: str, name: str) -> None:
        place = self._places.get((component, name))
        if place is None:
            place = self._places[component, name] = len(self.ops)
            self.ops.append((component, name))
        self.rows[key] = len(self.refs)
        self.refs.append(ref)
        self.span_ids.append(span_id)
        self.op_rows.append(place)
        self.ms.append(0.0)

    def ended(self, key: int, ms: float) -> None:
        self.ms[self.rows[key]] = ms

    def __getitem__(self, key: int) -> First:
        row = self.rows[key]
        component, name = self.ops[self.op_rows[row]]
        return First(self.refs[row], self.span_ids[row], component, name, self.ms[row])


class PartPatterns(PatternsCollector):
    """The patterns collector of a part: each call identity's first call in it is kept (`Firsts`)."""

    def __init__(self, first_spans: dict[str, int]) -> None:
        super().__init__()
        self.firsts = Firsts()
        self.first_spans = first_spans  # span id of a first call still open -> its identity

    def started(self, run: RunState, event: EventRecord, op: Op, key: Optional[int], parent: Optional[OpenSpan],
                watch: Optional[str]) -> bool:
        retry = super().started(run, event, op, key, parent, watch)
        if key is not None and self.calls[key] == 1:
            self.firsts.add(key, run.index << SEQ_BITS | event.seq, event.span_id, event.component, event.name)
            self.first_spans[event.span_id] = key
        return retry


@dataclass
class Tallied:
    """What a part's worker gives back: the root spans open at its cut (`seeded`), its run's state and every
    figure, and what `join` checks."""

    seeded: tuple[str, ...]  # span ids of the roots open at the cut
    first_seq: Optional[int]  # seq of its first record, None when it tallied none
    least_seq: int  # the least seq of its records: a child after a root's path so far starts after its end
    overlapped: bool  # a root's children overlapped in it: its path is not the one before the cut's continued
    run: RunState
    overview: OverviewCollector
    timing: Timing
    errors: PartErrors
    integrity: IntegrityCollector
    anomalies: Optional[AnomaliesCollector]
    usage: UsageCollector
    patterns: Optional[PartPatterns]
    calls: dict[int, int] = field(default_factory=dict)  # each call identity's calls in the part
    clues: Optional[CluesPart] = None  # the diagnosis's steps and clues, when the report has its sections


class PartTally(Tally):
    """A tally of one run's records from a cut: `seed` with the run's first records (before the cut), `begin_part`
    at the cut, then `feed` from it until `stopped`. `index`: the run's place among the runs the asking process
    reads (its figures' events and its calls' identities are numbered by it)."""

    def __init__(self, options: Options, source: HandedRun, index: int = 0):
        if options.counted is not None:
            raise ValueError("a part is tallied with every event counted")
        super().__init__(options)
        if self.clues is not None:
            self.clues = PartClues(self.clues)
        self.errors = PartErrors()
        self._failed = self.errors.failed
        self.first_spans: dict[str, int] = {}  # span id of a first call still open -> its identity (`PartPatterns`)
        if self.patterns is not None:
            self.patterns = PartPatterns(self.first_spans)
        self.begin_source(source)
        self.runs[0].index = index  # its place among the runs the asking process reads: its figures point there
        self.stop = self.stops
        self.roots: dict[str, OpenSpan] = {}  # spans with no parent, open at the cut (the run's root)
        self.first_seq: Optional[int] = None
        self.least_seq = 0  # the least seq of its records (a broken file's seq may go back)
        self.overlapped = False  # whether a child of a root ended while another was open (`critical.py`)
        self._named = False  # whether the run's id was taken from its first record

    def seed(self, event: EventRecord) -> bool:
        """One of the run's first records (before the cut): a root span's start or end. False for a record of another
        run: which run the cut is in, the part cannot tell (it adds nothing)."""
        run = self.run
        assert run is not None
        if not self._named:  # as one pass names a run by its first record (`Tally._switch`)
            run.run_id, self._named = event.run_id, True
        if event.run_id != run.run_id:
            return False
        if event.parent_id is None and is_start(event.event_type):
            agent = event.span_id if event.event_type == "agent_execution_start" else None
            self.roots[event.span_id] = OpenSpan(event.component, event.name, None, event.seq, None, agent, None,
                                                 event.model, agent)
            if event.event_type == "run_start":
                run.start_attrs = attrs_of(event)
        elif event.parent_id is None and is_end(event.event_type):
            self.roots.pop(event.span_id, None)
        return True

    def begin_part(self) -> None:
        """The cut is reached: the roots open there are open in the part."""
        run = self.run
        assert run is not None
        run.open.update(self.roots)

    def stops(self, run: RunState, event: EventRecord) -> bool:
        """Whether `event` is one this part cannot tally as one pass would (see the module's text)."""
        if event.run_id != run.run_id:
            return True
        event_type = event.event_type
        kind = self._kinds.get(event_type)
        if kind is None:
            kind = self._kind(event_type)
        if kind == END:
            own = run.open.get(event.span_id)
            if own is None or own.parent_id is None:
                return True
            if event.status == "failed" and run.last_error is None and not _counts_error(event):
                return True  # its parent would take the error counted last, which may be before the cut
            if own.parent_id in self.roots:
                self._root_child_ended(run.open[own.parent_id], own)
            if self.first_spans and event.span_id in self.first_spans:
                self._first_ended(own, event)
        elif event_type != "segment_start":
            parent_id = event.parent_id
            if parent_id is not None and parent_id not in run.open:
                return True
        seq = event.seq
        if self.first_seq is None:
            self.first_seq = self.least_seq = seq
        elif seq < self.least_seq:
            self.least_seq = seq
        return False

    def _root_child_ended(self, root: OpenSpan, own: OpenSpan) -> None:
        """A child of a root open at the cut ended: whether it overlapped another (`critical.py`'s general path)."""
        if root.kids is not None or root.open_kids != 1 or own.start_seq <= root.chain_end:
            self.overlapped = True

    def _first_ended(self, own: OpenSpan, event: EventRecord) -> None:
        """A call identity's first call in the part ended: its time, which is a repeat's if the identity was called
        before the cut."""
        patterns = self.patterns
        assert isinstance(patterns, PartPatterns)
        key = self.first_spans.pop(event.span_id)
        first = patterns.firsts[key]
        if own.key is None and own.start_seq == first.ref & SEQ_MASK:  # its span, not one that reused its id
            patterns.firsts.ended(key, event.duration_ms or 0.0)

    def tallied(self) -> Tallied:
        """What is given back (pickled: nothing holds a callable)."""
        run = self.run
        assert run is not None
        if self.anomalies is not None:
            self.anomalies.context_window = no_window
        self.usage.anomalies = None
        patterns = self.patterns if isinstance(self.patterns, PartPatterns) else None
        calls = patterns.calls if patterns is not None else {}
        if patterns is not None:
            patterns.calls = {}
        assert isinstance(self.errors, PartErrors)
        clues = self.clues.shipped(run) if isinstance(self.clues, PartClues) else None
        return Tallied(tuple(self.roots), self.first_seq, self.least_seq, self.overlapped, run,
                       self.overview, self.timing, self.errors, self.integrity, self.anomalies, self.usage, patterns,
                       calls, clues)


def _counts_error(event: EventRecord) -> bool:
    """Whether a failed span's end sets the run's error counted last (`Errors.failed`)."""
    error = event.error
    if error is not None:
        return not unwound_by_stop(error.type, attrs_of(event))
    return "ended_by" not in attrs_of(event)
