"""The Tracer: starts and ends runs, opens and closes spans, records instant events.

Every public method is safe to call from the app: failures are counted by the recorder and reported
once on stderr, never raised.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

from ..config import ResolvedSettings
from ..model.events import STARTUP_KIND, STARTUP_NAME
from ..model.rerun_protocol import RerunSource
from . import lifecycle
from .context import current, propagate_to_threads, reset_current
from .error_results import fail_if_error_shaped
from .finished import mark
from .events import add_where, cost_of, envelope, error_record, model_of, usage_of
from .held import Described, HeldSpan, hold, settle, settle_all, settle_under
from .project import run_project
from .recorder import Writer
from .run import Run
from .span import RootSpan, Span
from .stopped import StoppedSpans
from .unanswered import at_crash, give_up_at_run_end

_MISSING: Any = object()


class Tracer:
    """One per process (`get_tracer()`); holds the active run, if any."""

    def __init__(self) -> None:
        self.run: Run | None = None
        self.last_run: Run | None = None
        # the rerun (`rerun.answerer.Rerun`) while `replay --rerun` runs the app
        self.rerun: RerunSource | None = None

    @property
    def active(self) -> bool:
        return self.run is not None

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, resolved: ResolvedSettings, *, entry: dict[str, Any] | None = None,
                  argv: list[str] | None = None, writer: Writer | None = None,
                  install_hooks: bool = True, start_attrs: dict[str, Any] | None = None,
                  startup: bool = True) -> Run:
        """Begin a run (ending any active one) and write its `run_start` event (with `start_attrs`
        added to its attrs, such as `replay_of`), then, with `startup`, open its start-up span.

        A run that begins with its app (`trace`, tracing enabled at import, `configure()`) has one; a run
        that records a block of code already running (`capture_events`, a test's run) has no start-up."""
        if self.run is not None:
            self.end_run()
        # a rerun's run is sealed as written here only when what answered it was (model/seals.py)
        run = Run(resolved, writer=writer, sealed=self.rerun is None or self.rerun.answered_here)
        if self.rerun is not None:
            run.stops = StoppedSpans()
        if writer is None:
            run.apply_retention()
        entry = entry or {"kind": "python", "name": (sys.argv[0] if sys.argv else "") or "python"}
        argv = list(sys.argv if argv is None else argv)
        entry, project = run_project(entry, argv)
        run.name = str(entry.get("name") or "run")
        run.recorder.set_segment_attrs(run_started=run.start_ts, entry=entry)
        start = run.start_event(entry, argv, project)
        if start_attrs:
            start["attrs"].update(start_attrs)
        run.recorder.emit(start)
        if startup:
            self.open_startup(run)
        self.run = run
        if install_hooks:
            lifecycle.install(self, run)
        propagate_to_threads(True)
        return run

    def end_run(self, status: str = "completed", *, exit_code: int | None = None, reason: str | None = None,
                error: BaseException | None = None) -> Run | None:
        """Write `run_end`, flush and close. Idempotent; returns the run that ended."""
        run = self.run
        if run is None or run.ended:
            return None
        if run.startup is not None:  # no span ever started: the whole run was start-up
            self.end_startup(run)
        for unfinished in list(run.reading.values()):  # bodies the app never finished reading: end their spans
            unfinished.finish(early=True)
        run.ending = status
        self._close_open_work(run)
        run.ended = True
        record = error_record(error, stack=run.settings.capture_stack_traces) if error is not None else None
        # emit_last writes the spans still held by min_duration_ms first, then run_end, and closes: the cut.
        # The run is let go only after it, so that a thread tracing meanwhile reaches the recorder rather than
        # running on untraced; when the process ends with the run it stays the tracer's, and such a thread
        # waits there (recorder.py).
        extra = self._rerun_end_attrs(run)
        run.recorder.emit_last(lambda: run.end_event(status, exit_code=exit_code, reason=reason, error=record,
                                                     extra=extra))
        self.last_run = run
        if not run.recorder.ends_with_process:
            self.run = None
        propagate_to_threads(False)
        run.recorder.close()
        lifecycle.uninstall(run)
        if run.upload:  # whole on disk now: its sender may take it (finished.py)
            mark(run.directory, run.run_id, run.paths)
        return run

    def _rerun_end_attrs(self, run: Run) -> dict[str, Any]:
        """What a rerun adds to its run's `run_end` attrs (where it parted from its recording); {} otherwise."""
        if self.rerun is None:
            return {}
        try:
            return dict(self.rerun.end_attrs())
        except Exception as exc:  # the run ends without them
            run.recorder.note_failure(exc)
            return {}

    def _close_open_work(self, run: Run) -> None:
        """Before `run_end`: the tool calls asked for that nothing answered become missing spans
        (`unanswered.py`), then what the transport holds open ends (`run.at_end`: its wire agents), then, after a
        rerun's stop, every span still open (`stopped.py`)."""
        try:
            settle_all(self, run)
            give_up_at_run_end(self, run)
            for ending in run.at_end:
                ending()
        except Exception as exc:
            run.recorder.note_failure(exc)
        if run.stops is not None:
            try:
                run.stops.close(self)
            except Exception as exc:
                run.recorder.note_failure(exc)

    def flush(self) -> None:
        if self.run is not None:
            self.run.recorder.flush()

    def note_failure(self, exc: BaseException) -> None:
        """Count a failure of ours (a hook that could not describe a call) on the active run, if any."""
        if self.run is not None:
            self.run.recorder.note_failure(exc)

    # -- spans --------------------------------------------------------------------------------
    def start_span(self, component: str, name: str, prefix: str, *, inputs: Any = None,
                   attrs: dict[str, Any] | None = None, model: str | None = None, activate: bool = True,
                   parent_id: str | None = None, began: tuple[str, int] | None = None,
                   held: tuple[Callable[[], str], Callable[[], Described]] | None = None) -> Span | None:
        """Open a span under the current one (or under `parent_id`, a span of this run a framework's hook
        knows as the parent; a tool of a conversation only the wire sees goes under its agent: `asks.home`)
        and write its start event; None when not tracing. `began`: the span began earlier, at this
        event-clock time and `perf_counter_ns` (a call seen only once it was over).
        `held`: (classify, describe) of a span whose start is written only once what it is is known
        (`held.py`); until then `classify` says its component, and `describe` then gives its start's fields."""
        run = self.run
        if run is None:
            return None
        if run.startup is not None:  # the first span of the run: its start-up ends here
            self.end_startup(run)
        try:
            parent_id = parent_id or run.asks.home(attrs, _current_in(run).span_id)
            if run.held and held is None:
                settle_under(self, run, parent_id)
            span = (HeldSpan if held is not None else Span)(run, run.next_span_id(), parent_id, component, name,
                                                           prefix)
            event = envelope(run.run_id, prefix + "_start", component, name, span.span_id, parent_id, "started")
            if inputs is not None and run.settings.capture_inputs:
                event["inputs"] = inputs
            if model:
                event["model"] = span.model = str(model)
            if attrs:
                event["attrs"] = attrs
            if began is not None:
                event["ts"] = began[0]
            add_where(event)
            if held is not None:
                hold(span, event, *held)  # type: ignore[arg-type]
            else:
                run.recorder.emit(event)
                if self.rerun is not None:
                    self.rerun.opened(span, attrs)
            if run.stops is not None:
                run.stops.opened(span)
            if activate:
                span.token = current.set(span)
            span.start_ns = time.perf_counter_ns() if began is None else began[1]
            return span
        except Exception as exc:
            run.recorder.note_failure(exc)
            return None

    def end_span(self, span: Span | None, *, error: BaseException | dict[str, Any] | None = None,
                 result: Any = _MISSING, inputs: Any = None, handled: bool = False,
                 hold_end: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Close `span`: write its end event with duration, outputs, usage and error; `inputs` that arrived
        only after the span started (an instrumentation that sets a call's messages late) go on the end.
        `handled`: the failure was turned into something the run went on with (a framework's message to the
        model), written as `error.handled: true`. `hold_end`: given the end event instead of writing it (a
        tool span whose result only the next request carries: its holder completes and writes it)."""
        if span is None or span.ended:
            return
        span.ended = True
        run = span.run
        if run.stops is not None:
            run.stops.ended(span)
        self._end_inside(run, span, error)
        duration_ns = time.perf_counter_ns() - span.start_ns
        try:
            if run.held:
                settle(self, span)
            if span.token is not None:
                restore(span)
            # A span of an ended run still goes to its recorder, which counts its end (or holds the thread, at
            # the process's end) rather than letting the thread run on as if it had been written.
            event = self._end_event(run, span, duration_ns, error, result)
            if handled and "error" in event:
                event["error"] = {**event["error"], "handled": True}
            if inputs is not None and run.settings.capture_inputs:
                event["inputs"] = inputs
            if self.rerun is not None and hold_end is None:  # a tool that ran again is judged by its result
                self.rerun.ended(span, event)
            if hold_end is not None:
                hold_end(event)
            else:
                run.recorder.emit(event)
        except Exception as exc:
            run.recorder.note_failure(exc)

    def _end_inside(self, run: Run, span: Span, error: BaseException | dict[str, Any] | None) -> None:
        """Before `span`'s end: the spans that end with it end (`run.ends_with`), failed if it fails, and the tool
        calls asked under it that nothing answered yet move to its parent, where a span made for them later nests."""
        try:
            if run.ends_with:
                enders = run.ends_with.pop(span.span_id, ())
                failed = _status(span, error) == "failed"
                for ending in enders:
                    ending(failed)
            if run.asks:
                run.asks.ended(span.span_id, span.parent_id)
        except Exception as exc:
            run.recorder.note_failure(exc)

    # -- start-up ------------------------------------------------------------------------------
    def open_startup(self, run: Run) -> None:
        """Open the run's start-up span (`app_load_start`, `start-up`, under the root): it began with the run,
        so it has the run's start time and clock. Never made current: what happens during start-up
        (marks, errors) stays under the root."""
        try:
            span = Span(run, run.next_span_id(), run.root_id, "app", STARTUP_NAME, STARTUP_KIND)
            event = envelope(run.run_id, STARTUP_KIND + "_start", "app", STARTUP_NAME, span.span_id, run.root_id,
                             "started")
            event["ts"] = run.start_ts
            add_where(event)
            run.recorder.emit(event)
            span.start_ns = run.start_ns
            run.startup = span
        except Exception as exc:
            run.recorder.note_failure(exc)

    def end_startup(self, run: Run) -> None:
        """End the start-up span (once, whichever thread or task gets here first). Its end is written before
        the lock is let go, so no other span's start can come before it in the trace. The lock is the
        recorder's (re-entrant): a span started by app code our serialization runs, inside a write, takes it
        again rather than waiting on a second lock another thread holds while it waits for the first."""
        with run.recorder.lock:
            span = run.startup
            if span is None:
                return
            self.end_span(span)
            run.startup = None

    def _end_event(self, run: Run, span: Span, duration_ns: int, error: BaseException | dict[str, Any] | None,
                   result: Any) -> dict[str, Any]:
        status = _status(span, error)
        event = envelope(run.run_id, span.prefix + "_end", span.component, span.name, span.span_id,
                         span.parent_id, status)
        event["duration_ms"] = round(duration_ns / 1e6, 3)
        settings = run.settings
        if result is not _MISSING and span.outputs is None:
            span.outputs = {"return": result}
        if span.outputs is not None and settings.capture_outputs:
            event["outputs"] = span.outputs
        if span.component == "llm":
            run.asks.note(span.span_id, span.outputs, parent_id=span.parent_id, ts=event["ts"],
                          ns=span.start_ns + duration_ns)
        if span.component == "llm" and result is not _MISSING:
            span.usage = span.usage or usage_of(result)
            span.model = span.model or model_of(result)
        if span.model:
            event["model"] = span.model
        if span.usage:
            event["usage"] = span.usage
            cost = cost_of(span.model, span.usage, run.prices)
            if cost is not None:
                event["cost_usd"] = cost
        if error is not None and status == "failed":  # an exception, or a record made already (an HTTP status)
            event["error"] = (error if isinstance(error, dict)
                              else error_record(error, stack=settings.capture_stack_traces))
        if span.component == "tool" and span.status is None:
            fail_if_error_shaped(event, span.outputs)
        if span.attrs:
            event["attrs"] = span.attrs
        if run.memory is not None:
            event["memory_mb"] = run.memory.sample()
        return event

    # -- instant events -----------------------------------------------------------------------
    def instant(self, event_type: str, component: str, name: str, *, status: str = "completed",
                **fields: Any) -> str | None:
        """Write one event with its own span id, under the current span; returns that id."""
        run = self.run
        if run is None:
            return None
        try:
            parent_id = _current_in(run).span_id
            if run.held:
                settle_under(self, run, parent_id)
            span_id = run.next_span_id()
            event = envelope(run.run_id, event_type, component, name, span_id, parent_id, status)
            settings = run.settings
            for key, value in fields.items():
                if value is not None and not (key == "inputs" and not settings.capture_inputs) \
                        and not (key == "outputs" and not settings.capture_outputs):
                    event[key] = value
            add_where(event)
            if run.memory is not None:
                event["memory_mb"] = run.memory.sample()
            run.recorder.emit(event)
            return span_id
        except Exception as exc:
            run.recorder.note_failure(exc)
            return None

    def record_error(self, exc: BaseException, *, unhandled: bool = False, **attrs: Any) -> str | None:
        """An `error_occurred` event for `exc`, under the current span."""
        run = self.run
        if run is None:
            return None
        component = _current_in(run).component
        record = error_record(exc, stack=run.settings.capture_stack_traces)
        if unhandled:
            attrs["unhandled"] = True
            try:
                at_crash(self, run, exc, record)
            except Exception as failure:
                run.recorder.note_failure(failure)
        return self.instant("error_occurred", component, record["type"], status="failed", error=record,
                            attrs=attrs or None)


def _current_in(run: Run) -> Span | RootSpan:
    """The current span if it belongs to `run` (a span of an ended run may linger in a context)."""
    span = current.get()
    return span if span is not None and span.run is run else run.root


def restore(span: Span) -> None:
    """Make the span's parent current again, even from another context than the one that opened it."""
    token, span.token = span.token, None
    reset_current(token, span)


def _status(span: Span, error: BaseException | dict[str, Any] | None) -> str:
    """The status `span` ends with: the one set on it, else `failed` for an error that is no clean exit."""
    return span.status or ("failed" if error is not None and not _is_clean_exit(error) else "completed")


def _is_clean_exit(error: BaseException | dict[str, Any]) -> bool:
    """`sys.exit(0)` and a generator closed early end a span normally, not as failures."""
    return isinstance(error, GeneratorExit) or (isinstance(error, SystemExit) and error.code in (0, None))
