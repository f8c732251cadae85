"""One pass over a trace's records, keeping what each report section needs and nothing else.

This is the hot loop of `analyze`: a few dict operations per event, no per-event objects beyond
what an open span needs. Memory grows with the open spans, the distinct operations, one float per
ended span (for exact percentiles) and the span ids (for the duplicate and orphan checks), not with
the size of the trace. `build.py` turns a finished Tally into a Report.
"""

from __future__ import annotations

import math
import re
from array import array
from typing import Iterable

from ..model.events import STARTUP_KIND, is_end, is_start, is_startup, kind as span_kind
from ..store.handed import Run
from ..store.records import EventRecord, attrs_of, framework_of
from . import critical
from .diagnosis.clues import Clues
from .findings import CALLS, SEQ_BITS, Findings, call_key
from .loops import Label
from .idset import SpanIds
from .run_state import (
    ANOMALY_SECTIONS, INTEGRITY_SECTIONS, MAX_BUCKETS, PATH_SECTIONS, PATTERN_SECTIONS, SLOW_SECTIONS,
    FINDING_SECTIONS, Figures, IntegrityCounts, OpenSpan, Options, RunState, coarsen, recorded_event_types,
)
from .run_texts import question_in

START, END, INSTANT = 0, 1, 2
STARTUP_END = STARTUP_KIND + "_end"
# Whether a start's raw `attrs` may name a framework: a search of the bytes as they are (no copy), so the starts
# that do not (most, and every start of a run traced without an integration) are never decoded for it
_MAY_NAME_FRAMEWORK = re.compile(rb'"framework"').search


class Tally(Findings):
    """Accumulates a trace's figures; `feed` each block of records, `finish` each run."""

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        # the diagnosis's collector, made and fed only when the report has a `findings` section
        self.clues = Clues(self.options.judging, self.options.price) \
            if not FINDING_SECTIONS.isdisjoint(self.options.sections) else None
        self.runs: list[RunState] = []
        self.run: RunState | None = None
        self.type_counts: dict[str, int] = {}
        self.analyzed = 0
        self.durations: dict[tuple[str, str, str], array[float]] = {}
        # op -> [ms, ref, span id] of its longest span, and its durations (one lookup for both)
        self.slowest: dict[tuple[str, str, str], Figures] = {}
        sections = self.options.sections
        self._patterns = not PATTERN_SECTIONS.isdisjoint(sections)
        self._paths = not PATH_SECTIONS.isdisjoint(sections)
        self._anomalies = not ANOMALY_SECTIONS.isdisjoint(sections)
        self._ids = not INTEGRITY_SECTIONS.isdisjoint(sections)
        # a threshold no span passes stands for "not kept": one comparison an end, kept or not
        self._slow_ms = self.options.slow_threshold_ms if not SLOW_SECTIONS.isdisjoint(sections) else math.inf
        self._block_ms = self.options.block_threshold_ms if self._anomalies else math.inf
        self.errors_by_op: dict[tuple[str, str, str], int] = {}
        self.untimed: dict[tuple[str, str, str], int] = {}
        self.instants: dict[str, int] = {}
        self.slow: list[tuple[float, int, str, tuple[str, str, str], str]] = []
        self.slow_by_op: dict[tuple[str, str, str], int] = {}
        self.models: dict[str, Figures] = {}  # see `_usage`
        self.error_types: dict[str, Figures] = {}
        self.categories: dict[str, int] = {}
        self.failed_spans = 0
        self.error_events = 0
        self.tool_errors: dict[tuple[str, str], int] = {}  # (tool name, error type) -> failed calls
        self.unhandled_types: dict[str, int] = {}  # error type -> distinct errors that escaped the app
        self.unhandled_categories: dict[str, int] = {}
        self.unhandled_tools: dict[str, int] = {}  # tool name -> its failed calls whose error escaped the app
        self.retries: dict[tuple[str, str, str], Figures] = {}
        # call identity (hash of component, name and the inputs' JSON) -> calls; the repeated ones also in
        # repeated: [component, name, calls, ms in the repeats, ref and span id of the first repeat]
        self.repeats: dict[int, int] = {}
        self.repeated: dict[int, Figures] = {}
        # agent span, seq, name, cycle...
        self.loops: list[tuple[RunState, str, int, str, tuple[Label, ...], int, int]] = []
        self.blocking: list[tuple[float, int, str, tuple[str, str, str]]] = []
        self.blocking_count = 0
        self.near_limit: list[tuple[int, int, str, str, str, int]] = []  # (tokens in, ref, model, name, span, window)
        self.near_limit_count = 0
        self._windows: dict[str, int | None] = {}
        self.integrity = IntegrityCounts()
        self._kinds: dict[str, int] = {}
        self._prefixes: dict[str, str] = {}  # event type -> span kind: "agent_turn_end" -> "agent_turn"

    # -- runs -------------------------------------------------------------------------------
    def begin_source(self, source: Run) -> None:
        """`begin` the run a `store.sources.RunSource` names (by its label when it has no run id)."""
        self.begin(source.run_id or source.label, source.label, source.files)

    def begin(self, run_id: str, source: str, files: tuple[str, ...]) -> None:
        self.run = RunState(len(self.runs), run_id, source, files)
        self.runs.append(self.run)

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
        """Tally a block of records of the current run (or of the runs they switch to)."""
        run = self.run
        if run is None:
            raise RuntimeError("begin() a run before feeding it")
        kinds, types = self._kinds, self.type_counts
        counted = self.options.counted
        on_end, on_start, on_instant = self._end, self._start, self._instant
        if self.clues is not None:  # chosen once a block: a pass without findings makes no call for them
            on_end, on_start, on_instant = self._end_clued, self._start_clued, self._instant_clued
        run_id, expected, count, used = run.run_id, run.next_seq, 0, 0  # run fields kept in locals while it lasts
        for event in records:
            if event.run_id != run_id:
                run.next_seq, run.events, count = expected, run.events + count, 0
                run = self._switch(event.run_id)
                run_id, expected = run.run_id, run.next_seq
            seq = event.seq
            if seq != expected:
                self._seq_jump(run, event, expected)
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
        self.analyzed += used

    def _kind(self, event_type: str) -> int:
        kind = START if is_start(event_type) else END if is_end(event_type) else INSTANT
        self._kinds[event_type] = kind
        self._prefixes[event_type] = span_kind(event_type)
        return kind

    def _seq_jump(self, run: RunState, event: EventRecord, expected: int | None) -> None:
        if expected is None:
            run.first_ts = event.ts
            return
        self.integrity.gaps += 1
        what = "goes back" if event.seq < expected else "jumps"
        self.integrity.note(f"run {run.run_id}: seq {what} from {expected - 1} to {event.seq}")

    # -- starts -----------------------------------------------------------------------------
    def _start(self, run: RunState, event: EventRecord, use: bool) -> None:
        span_id = event.span_id
        ids = self._ids
        if ids and not run.seen.add(span_id):
            self._duplicate(run, span_id, event.seq)
        parent_id = event.parent_id
        parent = run.open.get(parent_id) if parent_id is not None else None
        if parent is None and parent_id is not None and ids and parent_id not in run.seen:
            self._orphan(run, event)
        component = event.component
        key = retry = None
        agent = parent.agent if parent is not None else None
        event_type = event.event_type
        if event_type == "agent_execution_start":
            agent = span_id
        elif event_type == "run_start":
            run.start_attrs = attrs_of(event)
            run.first_ts = event.ts  # the segment_start before it is stamped when the file opens, a little later
        if _MAY_NAME_FRAMEWORK(event.attrs) is not None:
            self._framework(run, event)
        if component == "llm" and run.question is None:  # its first LLM call: the run's question (`runs` lists it)
            run.question = question_in(event.inputs)
        if component in CALLS and use and self._patterns:
            key = call_key(run.index, component, event.name, event.inputs)
            retry = self._call_started(run, event, key, parent, agent)
            if key is not None and self.repeats[key] == 1:
                key = None
        if parent is not None:
            parent.open_kids += 1
        run.open[span_id] = OpenSpan(component, event.name, parent_id, event.seq, key, agent, retry, event.model)

    @staticmethod
    def _framework(run: RunState, event: EventRecord) -> None:
        """The framework an integration wrote on the span's start (`attrs.framework`); any other type is none."""
        framework = framework_of(event)
        if framework:
            run.frameworks.add(framework)

    def _new_id(self, run: RunState, span_id: str, seq: int) -> None:
        if not run.seen.add(span_id):
            self._duplicate(run, span_id, seq)

    def _duplicate(self, run: RunState, span_id: str, seq: int) -> None:
        self.integrity.duplicates += 1
        self.integrity.note(f"run {run.run_id} seq {seq}: span id {span_id} used again")

    def _orphan(self, run: RunState, event: EventRecord) -> None:
        self.integrity.orphans += 1
        self.integrity.note(f"run {run.run_id} seq {event.seq}: parent {event.parent_id} of span "
                            f"{event.span_id} never appears before it")

    # -- ends -------------------------------------------------------------------------------
    def _end(self, run: RunState, event: EventRecord, use: bool) -> None:
        """An end event: the span's statistics, then what its parent learns. Inlined: half the events are ends."""
        span_id = event.span_id
        own = run.open.pop(span_id, None)
        if own is None:
            self._end_without_start(run, event)
        event_type = event.event_type
        op = (event.component, event.name, self._prefixes[event_type])
        duration = event.duration_ms
        failed = event.status == "failed"
        if event_type == "run_end":
            run.end = {"status": event.status, "duration_ms": duration}
            run.end_attrs = attrs_of(event)
            if failed:
                self._run_ended(run, event)
        else:
            if event_type == STARTUP_END:
                self._startup_ended(run, event)
            if use:
                self._ended(run, event, op, duration, failed, own)
        if event.memory_mb is not None:
            self._memory(run, event)
        run.last_ts = event.ts
        if own is None:
            return
        duration = duration or 0.0
        if duration - own.child_ms > self._block_ms:
            self._blocking(run, event, op, duration - own.child_ms)
        if own.agent == span_id:
            self._agent_ended(run, span_id, own.start_seq, own.name)
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
        # the span's critical path, and what its parent's path learns of it
        chain = None if own.chain is None and own.kids is None else critical.own_chain(own, op, duration)
        if parent is None:
            if event_type == "run_end" or run.chain is None:
                run.chain = chain if chain is not None else {op: [duration, 1]}
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
                parent.chain = {op: [duration, 1]}
            else:
                entry = mine.get(op)
                if entry is None:
                    mine[op] = [duration, 1]
                else:
                    entry[0] += duration
                    entry[1] += 1
            parent.chain_end = event.seq
            parent.chain_direct += duration
        else:
            critical.attach_overlapping(parent, chain if chain is not None else {op: [duration, 1]}, own.start_seq,
                                        event.seq, duration)

    def _startup_ended(self, run: RunState, event: EventRecord) -> None:
        """The run's start-up span (under its root) ended: how long it took is the run's, not its work's."""
        parent = run.open.get(event.parent_id) if event.parent_id is not None else None
        if parent is not None and parent.parent_id is None and is_startup(event.event_type, event.component,
                                                                           event.name):
            run.startup_ms = event.duration_ms

    def _end_without_start(self, run: RunState, event: EventRecord) -> None:
        if not self._ids:
            return
        if event.event_type == "run_end" and not run.seen.starts and not run.seen.others:
            return  # a run filtered or cut to its end: nothing to pair
        if recorded_event_types(run):
            return  # the run was recorded with default_event_types: ends without their starts are expected
        self.integrity.ends_without_start += 1
        self.integrity.note(f"run {run.run_id} seq {event.seq}: end of span {event.span_id} without its start")

    def _ended(self, run: RunState, event: EventRecord, op: tuple[str, str, str], duration: float | None,
               failed: bool, own: OpenSpan | None) -> None:
        """The statistics of an ended span: latency, errors, slow spans, tokens, repeats, retries."""
        if duration is not None:
            slowest = self.slowest.get(op)
            if slowest is None:
                self.durations[op] = array("d")
                slowest = self.slowest[op] = [-1.0, 0, "", self.durations[op]]
            slowest[3].append(duration)
            if duration > slowest[0]:
                slowest[0], slowest[1], slowest[2] = duration, run.index << SEQ_BITS | event.seq, event.span_id
            if duration >= self._slow_ms:
                self._slow(run, event, op, duration)
        else:
            self.untimed[op] = self.untimed.get(op, 0) + 1
        if self._anomalies:  # ended and failed spans per time bucket, for error bursts
            second = event.ts[:run.bucket_chars]
            bucket = run.seconds.get(second)
            if bucket is None:
                if len(run.seconds) >= MAX_BUCKETS:
                    coarsen(run)
                    second = event.ts[:run.bucket_chars]
                bucket = run.seconds.setdefault(second, [0, 0])
            bucket[0] += 1
            if failed:
                bucket[1] += 1
        if failed:
            self._failed(run, event, op, own)
        if op[0] == "llm":  # only LLM spans: a chain or agent may repeat its calls' usage as a total
            self._usage(run, event, own.model if own is not None else None)
        if own is not None:
            if own.key is not None:  # set only on a repeat: the first call of its kind is not one
                self.repeated[own.key][3] += duration or 0.0
            if own.retry and not failed:
                self._recovered(op)

    # -- instants ---------------------------------------------------------------------------
    def _instant(self, run: RunState, event: EventRecord, use: bool) -> None:
        event_type = event.event_type
        if event_type == "segment_start":
            return
        ids = self._ids
        if ids:
            self._new_id(run, event.span_id, event.seq)
        parent_id = event.parent_id
        parent = run.open.get(parent_id) if parent_id is not None else None
        if parent is None and parent_id is not None and ids and parent_id not in run.seen:
            self._orphan(run, event)
        if event.memory_mb is not None:
            self._memory(run, event)
        run.last_ts = event.ts
        if not use:
            return
        self.instants[event.component] = self.instants.get(event.component, 0) + 1
        if event_type == "error_occurred":
            self._error_event(run, event, parent)

    # -- the diagnosis's collector: called after the tally's own work, with its open-span table ------------------
    def _start_clued(self, run: RunState, event: EventRecord, use: bool) -> None:
        self._start(run, event, use)
        assert self.clues is not None  # these are fed only when it is set
        self.clues.started(run, event, run.open.get(event.span_id), use)

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
        """Spans still open when the run's events ran out are unclosed; their agents' loops still count."""
        for run in self.runs:
            for span_id, own in list(run.open.items()):
                if own.agent == span_id:
                    self._agent_ended(run, span_id, own.start_seq, own.name)
            unclosed = [s for s, own in run.open.items() if not (own.parent_id is None and run.end is None)]
            if unclosed:
                self.integrity.unclosed += len(unclosed)
                self.integrity.note(f"run {run.run_id}: {len(unclosed)} span(s) never ended, "
                                    f"e.g. {unclosed[0]} ({run.open[unclosed[0]].component}:"
                                    f"{run.open[unclosed[0]].name})")
            root = next((own for own in run.open.values() if own.parent_id is None), None)
            if run.chain is None and root is not None:
                run.chain = critical.best_chain(root)[0]
            if self.clues is not None:
                self.clues.finish(run)
            run.open.clear()
            run.seen = SpanIds()
