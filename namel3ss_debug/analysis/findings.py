"""What the one pass notes besides the span structure: slow spans, errors, tokens, memory, repeated calls,
retries and the calls an agent's loop watch sees.

`Tally` inherits these; they are kept apart so that `tally.py` holds the loop and the spans.
"""

from __future__ import annotations

import heapq
from array import array

from ..model.error_category import categorize
from ..store.records import EventRecord, attrs_of
from .handling import ErrorChain, escapes_through, marked_handled
from .loops import Label, LoopWatch
from .run_state import MAX_KEPT, Figures, Op, OpenSpan, Options, RunState

MAX_EXAMPLES = 3
CONTEXT_SHARE = 0.9  # an LLM call this close to its model's context window is an anomaly
SEQ_BITS = 44  # a reference packs (run index, seq) into one int: run << 44 | seq
CALLS = frozenset({"llm", "tool"})


def call_key(run_index: int, component: str, name: str, inputs: bytes | memoryview) -> int | None:
    """A call's identity: its run, component, name and inputs' JSON text hashed; None for a call with no inputs
    (no identity: not counted as a repeat)."""
    return hash((run_index, component, name, bytes(inputs))) if len(inputs) else None


class Findings:
    """The accumulating half of `Tally` (which sets every attribute these methods use)."""

    # attributes set by Tally.__init__ (which says what each holds). The entries kept as `Figures` are
    # records changed in place whose fields differ in type (counts, floats, texts, an array of costs).
    options: Options
    slow: list[tuple[float, int, str, Op, str]]  # a heap of (ms, ref, span id, op, status)
    slow_by_op: dict[Op, int]
    errors_by_op: dict[Op, int]
    tool_errors: dict[tuple[str, str], int]  # (tool name, error type) -> failed calls
    unhandled_types: dict[str, int]  # error type -> distinct errors that escaped the app (`handling.py`)
    unhandled_categories: dict[str, int]
    unhandled_tools: dict[str, int]  # tool name -> failed calls of errors that escaped the app
    failed_spans: int
    error_events: int
    categories: dict[str, int]
    error_types: dict[str, Figures]  # error type -> [count, category, examples]
    models: dict[str, Figures]  # model -> the figures `_usage` keeps
    near_limit: list[tuple[int, int, str, str, str, int]]
    near_limit_count: int
    _windows: dict[str, int | None]  # model -> its context window, None when unknown
    repeats: dict[int, int]
    repeated: dict[int, Figures]
    retries: dict[Op, Figures]  # op -> [retries, recovered, ref, span id] of its first retry
    _prefixes: dict[str, str]
    blocking: list[tuple[float, int, str, Op]]  # a heap of (own ms, ref, span id, op)
    blocking_count: int
    loops: list[tuple[RunState, str, int, str, tuple[Label, ...], int, int]]
    _anomalies: bool  # whether the report has a section that reads anomalies

    def _ref(self, run: RunState, seq: int) -> int:
        return run.index << SEQ_BITS | seq

    def _repeated(self, run: RunState, event: EventRecord, key: int, calls: int) -> None:
        entry = self.repeated.get(key)
        if entry is None:
            self.repeated[key] = [event.component, event.name, calls, 0.0, self._ref(run, event.seq), event.span_id]
        else:
            entry[2] = calls

    def _call_started(self, run: RunState, event: EventRecord, key: int | None, parent: OpenSpan | None,
                      agent: str | None) -> bool:
        """Repeats, retries and loops are decided when a call starts; returns whether it is a retry.

        `key` identifies the call by run, component, name and inputs; None when it has no inputs (then it
        takes no part in repeats and loops, which compare inputs).
        """
        op = (event.component, event.name, self._prefixes[event.event_type])
        if key is not None:
            calls = self.repeats.get(key, 0) + 1
            self.repeats[key] = calls
            if calls > 1:
                self._repeated(run, event, key, calls)
        if agent is not None and key is not None:
            watch = run.watches.get(agent)
            if watch is None:
                watch = run.watches[agent] = LoopWatch()
            watch.see(key, event.seq, op)
        if parent is None or parent.last != (op, True):
            return False
        return self._retry(run, event, op)

    def _retry(self, run: RunState, event: EventRecord, op: tuple[str, str, str]) -> bool:
        """A call right after a failed one of the same operation, under one parent: a retry."""
        retry = self.retries.get(op)
        if retry is None:
            self.retries[op] = [1, 0, run.index << SEQ_BITS | event.seq, event.span_id]
        else:
            retry[0] += 1
        return True

    def _recovered(self, op: Op) -> None:
        """A retry of `op` ended without failing: one more of its retries recovered."""
        retry = self.retries.get(op)
        if retry is not None:  # None for an end that names another component than its start (a broken file)
            retry[1] += 1

    def _slow(self, run: RunState, event: EventRecord, op: tuple[str, str, str], duration: float) -> None:
        self.slow_by_op[op] = self.slow_by_op.get(op, 0) + 1
        item = (duration, self._ref(run, event.seq), event.span_id, op, event.status)
        if len(self.slow) < self.options.top:
            heapq.heappush(self.slow, item)
        elif item > self.slow[0]:
            heapq.heapreplace(self.slow, item)

    def _failed(self, run: RunState, event: EventRecord, op: tuple[str, str, str], own: OpenSpan | None) -> None:
        self.failed_spans += 1
        self.errors_by_op[op] = self.errors_by_op.get(op, 0) + 1
        error = event.error
        kind = (error.type or "Error") if error is not None else "unknown"
        message = (error.message or "") if error is not None else ""
        if op[0] == "tool":
            self.tool_errors[(op[1], kind)] = self.tool_errors.get((op[1], kind), 0) + 1
        if own is not None and own.failed_error == (kind, message):
            run.last_error, run.reportable = (kind, message), True
            # the same error on its way out through an enclosing span: counted where it began
        else:
            self._error(run, event, kind, message, error.category if error is not None else None)
            run.reportable = True
            if run.error_chain is not None and marked_handled(error):
                run.error_chain.marked_handled = True
        if op[0] == "tool" and run.error_chain is not None:
            run.error_chain.tools.append(op[1])

    def _error(self, run: RunState, event: EventRecord, kind: str, message: str, category: str | None) -> None:
        run.last_error = (kind, message)
        category = category or categorize(kind, message)
        run.error_chain = ErrorChain(kind, message, category)
        self.categories[category] = self.categories.get(category, 0) + 1
        entry = self.error_types.get(kind)
        if entry is None:
            entry = self.error_types[kind] = [0, category, []]
        entry[0] += 1
        if len(entry[2]) < MAX_EXAMPLES:
            entry[2].append((self._ref(run, event.seq), event.span_id, event.component, event.name, message))

    def _usage(self, run: RunState, event: EventRecord, start_model: str | None) -> None:
        """Per model: calls, tokens, cost recorded on the event, tokens still to be priced, and the calls that
        nothing can price: no recorded cost and no usage (a stream made without `include_usage` reports none),
        whose cost is unknown, not 0."""
        run.llm_calls += 1
        model = event.model or start_model or "(no model)"
        entry = self.models.get(model)
        if entry is None:  # calls, in, out, total, event costs, event-priced calls, to price in, out, calls, max in,
            # calls without usage or cost
            # each event's cost is kept (8 bytes a call) and summed exactly once at the end (`floats.total`): a
            # running sum depends on the order of the additions
            entry = self.models[model] = [0, 0, 0, 0, array("d"), 0, 0, 0, 0, 0, 0]
        usage = event.usage
        tokens_in = (usage.input_tokens or 0) if usage is not None else 0
        tokens_out = (usage.output_tokens or 0) if usage is not None else 0
        entry[0] += 1
        entry[1] += tokens_in
        entry[2] += tokens_out
        entry[3] += usage.total if usage is not None else 0
        if event.cost_usd is not None:
            entry[4].append(event.cost_usd)
            entry[5] += 1
        elif usage is None or (usage.input_tokens is None and usage.output_tokens is None):
            entry[10] += 1  # a recorded 0 is a usage; a missing one is not
        else:
            entry[6] += tokens_in
            entry[7] += tokens_out
            entry[8] += 1
        if tokens_in > entry[9]:
            entry[9] = tokens_in
        if tokens_in and self._anomalies:
            self._context(event, model, tokens_in, self._ref(run, event.seq))

    def _context(self, event: EventRecord, model: str, tokens_in: int, ref: int) -> None:
        window = self._windows.get(model, -1)
        if window == -1:
            window = self._windows[model] = self.options.context_window(model)
        if window and tokens_in >= CONTEXT_SHARE * window:
            self.near_limit_count += 1
            if len(self.near_limit) < MAX_KEPT:
                self.near_limit.append((tokens_in, ref, model, event.name, event.span_id, window))

    def _memory(self, run: RunState, event: EventRecord) -> None:
        """A memory sample."""
        if event.memory_mb is None:
            return
        sample = (event.memory_mb, event.seq)
        memory = run.memory
        if not memory:
            memory.extend((sample, sample, sample))
        else:
            memory[1] = sample
            if sample[0] > memory[2][0]:
                memory[2] = sample

    def _blocking(self, run: RunState, event: EventRecord, op: tuple[str, str, str], own_ms: float) -> None:
        if event.event_type == "run_end":
            return
        self.blocking_count += 1
        item = (own_ms, self._ref(run, event.seq), event.span_id, op)
        if len(self.blocking) < MAX_KEPT:
            heapq.heappush(self.blocking, item)
        elif item > self.blocking[0]:
            heapq.heapreplace(self.blocking, item)

    def _agent_ended(self, run: RunState, span_id: str, start_seq: int, name: str) -> None:
        watch = run.watches.pop(span_id, None)
        if watch is not None:
            for cycle, repeats, first in watch.finish():
                self.loops.append((run, span_id, start_seq, name, cycle, repeats, first))

    def _error_event(self, run: RunState, event: EventRecord, parent: OpenSpan | None) -> None:
        self.error_events += 1
        error = event.error
        kind = (error.type or event.name) if error is not None else event.name
        message = (error.message or "") if error is not None else ""
        if parent is not None:
            parent.failed_error = (kind, message)  # the span this error is reported in may fail with it
        if run.reportable and run.last_error == (kind, message):
            run.reportable = False  # a report of the error that just failed a span (caught and reported, or
            # the tracer's report of an unhandled exception): counted once, where it began
        else:
            self._error(run, event, kind, message, error.category if error is not None else None)
            run.reportable = False
        if escapes_through(event.event_type, event.status, attrs_of(event)):
            self._escaped(run, kind, message)

    def _run_ended(self, run: RunState, event: EventRecord) -> None:
        """A run that ended failed with an error: that error escaped the app (`handling.py`)."""
        error = event.error
        if error is None or not escapes_through(event.event_type, event.status, None):
            return
        self._escaped(run, error.type or "Error", error.message or "")

    def _escaped(self, run: RunState, kind: str, message: str) -> None:
        """The error (`kind`, `message`) escaped the app: if it is the run's error on its way out, it is unhandled."""
        chain = run.error_chain
        if chain is None or not chain.escapes(kind, message):
            return
        self.unhandled_types[chain.kind] = self.unhandled_types.get(chain.kind, 0) + 1
        self.unhandled_categories[chain.category] = self.unhandled_categories.get(chain.category, 0) + 1
        for tool in chain.tools:
            self.unhandled_tools[tool] = self.unhandled_tools.get(tool, 0) + 1
