"""The errors section's figures: failed spans, and distinct errors counted once, where they began, by type,
category and tool, each handled or unhandled as `handling.py` decides.

A rerun's stop (`model/rerun_protocol.STOPS`: a call the recording had no answer for) is no error of the app's: the
spans it ended, with its error or with any other once it was made (`attrs.ended_by: stop`: a task cancelled as it
unwound the app), and its report are not counted (`failed_run.ended_as` says the run was stopped). Nor is a span that
ended failed with no error of its own because its parent or the run ended first (`attrs.ended_by`: a wire agent, an
OpenTelemetry span its producer never ended): the error is counted where it began."""

from __future__ import annotations

from ...model.error_category import categorize
from ...model.rerun_protocol import STOPS, unwound_by_stop
from ...store.records import EventRecord, attrs_of
from ..handling import ErrorChain, escapes_through, marked_handled
from ..run_state import OpenSpan, RunState
from .figures import SEQ_BITS, ErrorKind, ErrorSeen, Op, add_counts

MAX_EXAMPLES = 3


class ErrorsCollector:
    """Failed spans and the distinct errors they and the `error_occurred` events hold."""

    def __init__(self) -> None:
        self.failed_spans = 0
        self.error_events = 0
        self.by_op: dict[Op, int] = {}  # op -> its failed spans
        self.types: dict[str, ErrorKind] = {}  # error type -> its distinct errors
        self.categories: dict[str, int] = {}
        self.tool_errors: dict[tuple[str, str], int] = {}  # (tool name, error type) -> failed calls
        self.unhandled_types: dict[str, int] = {}  # error type -> distinct errors that escaped the app
        self.unhandled_categories: dict[str, int] = {}
        self.unhandled_tools: dict[str, int] = {}  # tool name -> its failed calls whose error escaped the app

    def failed(self, run: RunState, event: EventRecord, op: Op, own: OpenSpan | None) -> None:
        """A span ended failed: counted as a failed span, and as an error unless it is one already counted on its
        way out through an enclosing span."""
        error = event.error
        if error is not None and unwound_by_stop(error.type, attrs_of(event)):  # stopped by the rerun, not failed
            return
        if error is None and "ended_by" in attrs_of(event):  # ended failed with its parent, the run or a stop: no
            return  # error of its own, counted where it began
        self.failed_spans += 1
        self.by_op[op] = self.by_op.get(op, 0) + 1
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

    def reported(self, run: RunState, event: EventRecord, parent: OpenSpan | None) -> None:
        """An `error_occurred` event: an error, unless it reports the one that just failed a span (or a stop)."""
        named = reported_as(event)
        if named is None:
            return
        self.error_events += 1
        kind, message = named
        error = event.error
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

    def run_ended(self, run: RunState, event: EventRecord) -> None:
        """A run that ended failed with an error: that error escaped the app (`handling.py`)."""
        error = event.error
        if error is None or error.type in STOPS or not escapes_through(event.event_type, event.status, None):
            return
        self._escaped(run, error.type or "Error", error.message or "")

    def _error(self, run: RunState, event: EventRecord, kind: str, message: str, category: str | None) -> None:
        run.last_error = (kind, message)
        category = category or categorize(kind, message)
        run.error_chain = ErrorChain(kind, message, category)
        self.categories[category] = self.categories.get(category, 0) + 1
        seen = self.types.get(kind)
        if seen is None:
            seen = self.types[kind] = ErrorKind(category)
        seen.count += 1
        if len(seen.examples) < MAX_EXAMPLES:
            seen.examples.append(ErrorSeen(run.index << SEQ_BITS | event.seq, event.span_id, event.component,
                                           event.name, message))

    def _escaped(self, run: RunState, kind: str, message: str) -> None:
        """The error (`kind`, `message`) escaped the app: if it is the run's error on its way out, it is unhandled."""
        chain = run.error_chain
        if chain is None or not chain.escapes(kind, message):
            return
        self.unhandled_types[chain.kind] = self.unhandled_types.get(chain.kind, 0) + 1
        self.unhandled_categories[chain.category] = self.unhandled_categories.get(chain.category, 0) + 1
        for tool in chain.tools:
            self.unhandled_tools[tool] = self.unhandled_tools.get(tool, 0) + 1

    def merge(self, part: ErrorsCollector, shift: int) -> None:
        """`part`'s errors after these (its references moved by `shift`): counts summed, the first examples of
        each kind kept up to the same cap, as one pass keeps them (`analysis/merge.py`)."""
        self.failed_spans += part.failed_spans
        self.error_events += part.error_events
        add_counts(self.by_op, part.by_op)
        for kind, seen in part.types.items():
            mine = self.types.get(kind)
            if mine is None:
                mine = self.types[kind] = ErrorKind(seen.category)
            mine.count += seen.count
            room = MAX_EXAMPLES - len(mine.examples)
            mine.examples += [example._replace(ref=example.ref + shift) for example in seen.examples[:max(0, room)]]
        add_counts(self.categories, part.categories)
        add_counts(self.tool_errors, part.tool_errors)
        add_counts(self.unhandled_types, part.unhandled_types)
        add_counts(self.unhandled_categories, part.unhandled_categories)
        add_counts(self.unhandled_tools, part.unhandled_tools)


def reported_as(event: EventRecord) -> tuple[str, str] | None:
    """The error an `error_occurred` event reports, as it is counted: (type, message); None for a rerun's stop."""
    error = event.error
    if error is not None and error.type in STOPS:
        return None
    if error is None:
        return event.name, ""
    return error.type or event.name, error.message or ""
