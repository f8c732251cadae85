"""One pass over a trace's records, keeping what each report section needs and nothing else.

This is the hot loop of `analyze`: a few dict operations per event, no per-event objects beyond
what an open span needs. Memory grows with the open spans, the distinct operations, one float per
ended span (for exact percentiles) and the span ids (for the duplicate and orphan checks), not with
the size of the trace. `Tally` reads each event once, keeps the span structure (the open spans, the
critical path) and hands the event to the collector of each section the report has (`collectors/`);
`build.py` turns a finished Tally into a Report.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Iterable

from ..model.events import STARTUP_KIND, is_end, is_start, is_startup, kind as span_kind
from ..store.handed import HandedRun
from ..store.records import EventRecord, attrs_of, framework_of
from . import critical
from .collectors.anomalies import AnomaliesCollector, sampled
from .collectors.errors import ErrorsCollector
from .collectors.figures import CALLS, Op, PathTime, call_key
from .collectors.integrity import IntegrityCollector
from .collectors.overview import OverviewCollector
from .collectors.patterns import PatternsCollector
from .collectors.timing import Timing
from .collectors.usage import UsageCollector
from .diagnosis.collector.clues import Clues
from .failed_run import ended_as
from .idset import SpanIds
from .run_state import (
    ANOMALY_SECTIONS, INTEGRITY_SECTIONS, PATH_SECTIONS, PATTERN_SECTIONS, SLOW_SECTIONS, FINDING_SECTIONS,
    OpenSpan, Options, RunState,
)
from .run_texts import question_in

START, END, INSTANT = 0, 1, 2
STARTUP_END = STARTUP_KIND + "_end"
# Whether a start's raw `attrs` may name a framework: a search of the bytes as they are (no copy), so the starts
# that do not (most, and every start of a run traced without an integration) are never decoded for it
_MAY_NAME_FRAMEWORK = re.compile(rb'"framework"').search


class Tally:
    """Accumulates a trace's figures; `feed` each block of records, `finish` each run.

    The overview, timing, usage, errors and integrity collectors are always made; `patterns`, `anomalies` and
    the diagnosis's `clues` only when the report has a section that reads them (`run_state`'s `*_SECTIONS`), else
    they are None and the pass makes no call for them. What else only some sections read (the slow spans, the
    time buckets, the critical path, the span ids) is skipped the same way.
    """

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        sections = self.options.sections
        self.runs: list[RunState] = []
        self.run: RunState | None = None
        self.overview = OverviewCollector()
        anomalies = not ANOMALY_SECTIONS.isdisjoint(sections)
        # a threshold no span passes stands for "not kept": one comparison an end, kept or not
        self.timing = Timing(self.options.slow_threshold_ms if not SLOW_SECTIONS.isdisjoint(sections) else math.inf,
                             self.options.top, buckets=anomalies)
        self.errors = ErrorsCollector()
        self.integrity = IntegrityCollector()
        self.anomalies = AnomaliesCollector(self.options.context_window) if anomalies else None
        self.usage = UsageCollector(self.anomalies)
        self.patterns = PatternsCollector() if not PATTERN_SECTIONS.isdisjoint(sections) else None
        # the diagnosis's collector, made and fed only when the report has a `findings` section
        self.clues = Clues(self.options.judging, self.options.price) \
            if not FINDING_SECTIONS.isdisjoint(sections) else None
        self._paths = not PATH_SECTIONS.isdisjoint(sections)
        self._ids = not INTEGRITY_SECTIONS.isdisjoint(sections)
        self._block_ms = self.options.block_threshold_ms if self.anomalies is not None else math.inf
        self._kinds: dict[str, int] = {}
        # a part's check of each event before it is tallied (`part_tally.py`): True stops the feed at that event,
        # kept in `stopped`; None for a tally that reads its runs whole
        self.stop: Callable[[RunState, EventRecord], bool] | None = None
        self.stopped: EventRecord | None = None
        self._finished = 0  # runs[:_finished] are finished (`finish`, `adopt`)
        self._prefixes: dict[str, str] = {}  # event type -> span kind: "agent_turn_end" -> "agent_turn"
        # what an ended span is handed to, bound once: half the events are ends
        self._timed, self._failed, self._llm_ended = self.timing.ended, self.errors.failed, self.usage.ended

    # -- runs -------------------------------------------------------------------------------
    def begin_source(self, source: HandedRun) -> None:
        """`begin` the run a `store.sources.RunSource` names (by its label when it has no run id)."""
        self.begin(source.run_id or source.label, source.label, source.files)

    def begin(self, run_id: str, source: str, files: tuple[str, ...]) -> None:
        self.run = RunState(len(self.runs), run_id, source, files)
        self.runs.append(self.run)

    def adopt(self, runs: list[RunState]) -> None:
        """Runs another tally read and finished, after these (`merge.absorb`, which merges their figures)."""
        self.finish()
        self.runs += runs
        self._finished = len(self.runs)

    def _switch(self, run_id: str) -> RunState:
        """A file holding more than one run (concatenated traces): each run keeps its own state."""
        current = self.run
        assert current is not None  # `feed` switches from the run it was begun with
        for state in self.runs:
            if state.run_id == run_id and state.files == current.files:
                self.run = state
                return state
        if current.events == 0:
            current.run_id = run_id
            return current
        self.begin(run_id, current.source, current.files)
        return self.runs[-1]  # the run `begin` added

    # -- the hot loop -------------------------------------------------------------------------
    def feed(self, records: Iterable[EventRecord]) -> None:
        """Tally a block of records of the current run (or of the runs they switch to); with `stop` set, up to the
        first record it stops at (`stopped`)."""
        run = self.run
        if run is None:
            raise RuntimeError("begin() a run before feeding it")
        kinds, types = self._kinds, self.overview.types
        counted = self.options.counted
        on_end, on_start, on_instant = self._end, self._start, self._instant
        if self.clues is not None:  # chosen once a block: a pass without findings makes no call for them
            on_end, on_start, on_instant = self._end_clued, self._start_clued, self._instant_clued
        run_id, expected, count, used = run.run_id, run.next_seq, 0, 0  # run fields kept in locals while it lasts
        stop = self.stop
        for event in records:
            if stop is not None and stop(run, event):
                self.stopped = event
                break
            if event.run_id != run_id:
                run.next_seq, run.events, count = expected, run.events + count, 0
                run = self._switch(event.run_id)
                run_id, expected = run.run_id, run.next_seq
            seq = event.seq
            if seq != expected:
                if expected is None:
                    run.first_ts = event.ts
                else:
                    self.integrity.seq_jump(run, seq, expected)
            expected = seq + 1
            count += 1
            event_type = event.event_type
            types[event_type] = types.get(event_type, 0) + 1
            kind = kinds.get(event_type)
            if kind is None:
                kind = self._kind(event_type)
            use = True if counted is None else counted(event)
            if use:
                used += 1
            if kind == END:
                on_end(run, event, use)
            elif kind == START:
                on_start(run, event, use)
            else:
                on_instant(run, event, use)
        run.next_seq, run.events = expected, run.events + count
        self.run = run
        self.overview.analyzed += used

    def _kind(self, event_type: str) -> int:
        kind = START if is_start(event_type) else END if is_end(event_type) else INSTANT
        self._kinds[event_type] = kind
        self._prefixes[event_type] = span_kind(event_type)
        return kind

    # -- starts -----------------------------------------------------------------------------
    def _start(self, run: RunState, event: EventRecord, use: bool) -> int | None:
        """A start event: the span opened (`OpenSpan`). Returns the call's identity (`figures.call_key`) when it
        is a counted LLM or tool call with inputs, for the diagnosis's collector; else None."""
        span_id = event.span_id
        ids = self._ids
        if ids and not run.seen.add(span_id):
            self.integrity.duplicate(run, span_id, event.seq)
        parent_id = event.parent_id
        parent = run.open.get(parent_id) if parent_id is not None else None
        if parent is None and parent_id is not None and ids and parent_id not in run.seen:
            self.integrity.orphan(run, event)
        component = event.component
        key = ident = retry = None
        agent = parent.agent if parent is not None else None
        watch = parent.watch if parent is not None else None
        event_type = event.event_type
        if event_type == "agent_execution_start":
            agent = watch = span_id
        elif event_type == "agent_turn_start" and agent is not None and self.patterns is not None and use:
            watch = self.patterns.turn(run, agent, event.name, span_id, event.seq)
        elif event_type == "run_start":
            run.start_attrs = attrs_of(event)
            run.first_ts = event.ts  # the segment_start before it is stamped when the file opens, a little later
        if _MAY_NAME_FRAMEWORK(event.attrs) is not None:
            self._framework(run, event)
        if component == "llm" and run.question is None:  # its first LLM call: the run's question (`runs` lists it)
            run.question = question_in(event.inputs)
        patterns = self.patterns
        if component in CALLS and use and patterns is not None:
            key = ident = call_key(run.index, component, event.name, event.inputs)
            op = (component, event.name, self._prefixes[event_type])
            retry = patterns.started(run, event, op, key, parent, watch)
            if key is not None and patterns.calls[key] == 1:  # kept on the span only for a repeat
                key = None
        if parent is not None:
            parent.open_kids += 1
        run.open[span_id] = OpenSpan(component, event.name, parent_id, event.seq, key, agent, retry, event.model,
                                     watch)
        return ident

    @staticmethod
    def _framework(run: RunState, event: EventRecord) -> None:
        """The framework an integration wrote on the span's start (`attrs.framework`); any other type is none."""
        framework = framework_of(event)
        if framework:
            run.frameworks.add(framework)

    # -- ends -------------------------------------------------------------------------------
    def _end(self, run: RunState, event: EventRecord, use: bool) -> None:
        """An end event: the span's statistics, then what its parent learns. Inlined: half the events are ends."""
        span_id = event.span_id
        own = run.open.pop(span_id, None)
        if own is None and self._ids:
            self.integrity.end_without_start(run, event)
        event_type = event.event_type
        op = (event.component, event.name, self._prefixes[event_type])
        duration = event.duration_ms
        failed = event.status == "failed"
        if event_type == "run_end":
            status, stopped = ended_as(event.status, event.error.type if event.error is not None else None)
            run.end = {"status": status, "duration_ms": duration, "stopped": stopped}
            run.end_attrs = attrs_of(event)
            if failed:
                self.errors.run_ended(run, event)
        else:
            if event_type == STARTUP_END:
                self._startup_ended(run, event)
            if use:
                self._ended(run, event, op, duration, failed, own)
        memory_mb = event.memory_mb
        if memory_mb is not None:
            sampled(run, event, memory_mb)
        run.last_ts = event.ts
        if own is None:
            return
        duration = duration or 0.0
        if duration - own.child_ms > self._block_ms:
            assert self.anomalies is not None  # the threshold is infinite without it
            self.anomalies.blocked(run, event, op, duration - own.child_ms)
        if own.agent == span_id and self.patterns is not None:
            self.patterns.agent_ended(run, span_id, own.start_seq, own.name)
        parent_id = event.parent_id
        parent = run.open.get(parent_id) if parent_id is not None else None
        if parent is not None:
            parent.child_ms += duration
            parent.open_kids -= 1
            parent.last = (op, failed)
            if failed:
                parent.failed_error = run.last_error
        if not self._paths:
            return
        # the span's critical path, and what its parent's path learns of it (`critical.py`)
        chain = None if own.chain is None and own.kids is None else critical.own_chain(own, op, duration)
        if parent is None:
            if event_type == "run_end" or run.chain is None:
                run.chain = chain if chain is not None else {op: PathTime(duration, 1)}
            return
        if parent.kids is None and parent.open_kids == 0 and own.start_seq > parent.chain_end:
            # one child after another, the common case: the parent's path grows by this child's
            mine = parent.chain
            if chain is not None:
                if mine is None:
                    parent.chain = chain
                else:
                    critical.merge(mine, chain)
            elif mine is None:
                parent.chain = {op: PathTime(duration, 1)}
            else:
                step = mine.get(op)
                if step is None:
                    mine[op] = PathTime(duration, 1)
                else:
                    step.ms += duration
                    step.spans += 1
            parent.chain_end = event.seq
            parent.chain_direct += duration
        else:
            critical.attach_overlapping(parent, parent_id, run.open,
                                        chain if chain is not None else {op: PathTime(duration, 1)},
                                        own.start_seq, event.seq, duration)

    def _ended(self, run: RunState, event: EventRecord, op: Op, duration: float | None, failed: bool,
               own: OpenSpan | None) -> None:
        """A counted span ended: each section's collector takes what it keeps of it."""
        self._timed(run, event, op, duration, failed)
        if failed:
            self._failed(run, event, op, own)
        if op[0] == "llm":  # only LLM spans: a chain or agent may repeat its calls' usage as a total
            self._llm_ended(run, event, own.model if own is not None else None)
        if own is not None and (own.key is not None or own.retry) and self.patterns is not None:
            self.patterns.ended(own.key, own.retry, op, duration, failed)

    def _startup_ended(self, run: RunState, event: EventRecord) -> None:
        """The run's start-up span (under its root) ended: how long it took is the run's, not its work's."""
        parent = run.open.get(event.parent_id) if event.parent_id is not None else None
        if parent is not None and parent.parent_id is None and is_startup(event.event_type, event.component,
                                                                           event.name):
            run.startup_ms = event.duration_ms

    # -- instants ---------------------------------------------------------------------------
    def _instant(self, run: RunState, event: EventRecord, use: bool) -> None:
        event_type = event.event_type
        if event_type == "segment_start":
            return
        ids = self._ids
        if ids and not run.seen.add(event.span_id):
            self.integrity.duplicate(run, event.span_id, event.seq)
        parent_id = event.parent_id
        parent = run.open.get(parent_id) if parent_id is not None else None
        if parent is None and parent_id is not None and ids and parent_id not in run.seen:
            self.integrity.orphan(run, event)
        memory_mb = event.memory_mb
        if memory_mb is not None:
            sampled(run, event, memory_mb)
        run.last_ts = event.ts
        if not use:
            return
        instants = self.overview.instants
        instants[event.component] = instants.get(event.component, 0) + 1
        if event_type == "error_occurred":
            self.errors.reported(run, event, parent)

    # -- the diagnosis's collector: called after the tally's own work, with its open-span table ------------------
    def _start_clued(self, run: RunState, event: EventRecord, use: bool) -> None:
        ident = self._start(run, event, use)
        assert self.clues is not None  # these are fed only when it is set
        self.clues.started(run, event, run.open.get(event.span_id), use, ident)

    def _end_clued(self, run: RunState, event: EventRecord, use: bool) -> None:
        own = run.open.get(event.span_id)
        self._end(run, event, use)
        assert self.clues is not None
        self.clues.ended(run, event, own, use)

    def _instant_clued(self, run: RunState, event: EventRecord, use: bool) -> None:
        self._instant(run, event, use)
        assert self.clues is not None
        self.clues.instant(run, event, run.open.get(event.parent_id) if event.parent_id is not None else None, use)

    # -- end of a run -----------------------------------------------------------------------
    def finish(self) -> None:
        """The runs begun since the last `finish` ran out of events (`analyze` finishes each source's runs at its
        end): spans still open are unclosed; their agents' loops still count."""
        for run in self.runs[self._finished:]:
            if self.patterns is not None:
                for span_id, own in list(run.open.items()):
                    if own.agent == span_id:
                        self.patterns.agent_ended(run, span_id, own.start_seq, own.name)
            self.integrity.run_finished(run)
            root = next((own for own in run.open.values() if own.parent_id is None), None)
            if run.chain is None and root is not None:
                run.chain = critical.best_chain(root)[0]
            if self.clues is not None:
                self.clues.finish(run)
            run.open.clear()
            run.seen = SpanIds()
        self._finished = len(self.runs)
