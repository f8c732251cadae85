"""CrewAI's crews, tasks and agents as spans, from the events its bus is given where they run.

`crewai_event_bus.emit(source, event)` runs in the thread and context of the crew, task or agent the
event speaks of, and sets, on an event that ends a scope, the id of the event that opened it
(`started_event_id`). Ours lets the bus's `emit` run first (so that pair is known), then:
- an event of `OPENING` opens a span, made current in the emitting context: what the crew, task or
  agent runs next (its LLM requests, its tools, in CrewAI's threads too: the tracer carries the context
  there) nests under it;
- an event ending a scope we opened a span for ends that span, with the event's output, or its error
  when it says the run failed.
The bus's own handlers see every event as before. Nothing here raises into the app.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crewai.events.event_bus import CrewAIEventsBus
from crewai.flow.flow import Flow

from ...tracer.api import get_tracer

FRAMEWORK = "crewai"
_MARK = "_namel3ss_debug"


@dataclass(frozen=True)
class CrewOpening:
    """What span an opening event makes: its component, event prefix and kind, and how the event names
    it and gives its inputs."""

    component: str
    prefix: str
    kind: str
    name: Callable[[Any], Any]
    inputs: Callable[[Any], Any]


def _task_inputs(event: Any) -> dict[str, Any]:
    task = event.task
    return {"description": task.description, "expected_output": task.expected_output, "context": event.context}


OPENING = {
    "flow_started": CrewOpening("chain", "chain_execution", "flow", lambda e: e.flow_name, lambda e: e.inputs),
    "method_execution_started": CrewOpening("chain", "chain_step", "flow_method", lambda e: e.method_name,
                                            lambda e: None),
    "crew_kickoff_started": CrewOpening("chain", "chain_execution", "crew", lambda e: e.crew_name or "crew",
                                        lambda e: e.inputs),
    "task_started": CrewOpening("chain", "chain_step", "task", lambda e: e.task.name or "task", _task_inputs),
    "agent_execution_started": CrewOpening("agent", "agent_execution", "agent", lambda e: e.agent.role,
                                           lambda e: {"task_prompt": e.task_prompt}),
    "lite_agent_execution_started": CrewOpening("agent", "agent_execution", "agent",
                                                lambda e: e.agent_info.get("role") or "agent",
                                                lambda e: {"messages": e.messages}),
}
# The events that end a scope as a failure (CrewAI names them `..._failed` or `..._error`).
FAILED_SUFFIXES = ("_failed", "_error")


class CrewaiSpanRecorder:
    """The spans opened for the bus's events, by the id of the event that opened each."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}
        self._lock = threading.Lock()

    def seen(self, source: Any, event: Any) -> None:
        """An event the bus was given by `source`: open a span, or end the one its scope opened."""
        tracer = get_tracer()
        if tracer.run is None:
            return
        try:
            if _internal(source):
                return
            opening = OPENING.get(str(getattr(event, "type", "")))
            if opening is not None:
                self._start(tracer, opening, event)
            else:
                self._end(tracer, event)
        except Exception as exc:  # ours: the crew runs on, this span unrecorded
            tracer.note_failure(exc)

    def _start(self, tracer: Any, opening: CrewOpening, event: Any) -> None:
        span = tracer.start_span(opening.component, str(opening.name(event)), opening.prefix,
                                 inputs=opening.inputs(event),
                                 attrs={"framework": FRAMEWORK, "kind": opening.kind})
        if span is not None:
            with self._lock:
                self._open[event.event_id] = span

    def _end(self, tracer: Any, event: Any) -> None:
        started = getattr(event, "started_event_id", None)
        if started is None:
            return
        with self._lock:
            span = self._open.pop(started, None)
        if span is None:
            return
        if str(event.type).endswith(FAILED_SUFFIXES):
            tracer.end_span(span, error=_error(event))
            return
        output = getattr(event, "output", None) if hasattr(event, "output") else getattr(event, "result", None)
        span.outputs = {"return": getattr(output, "raw", output)}  # a crew's or a task's output: its text
        tracer.end_span(span)


def _internal(source: Any) -> bool:
    """A flow of CrewAI's own, not the app's: its agent executor is one, and has its agent's span."""
    return isinstance(source, Flow) and type(source).__module__.startswith("crewai.")


def _error(event: Any) -> BaseException | dict[str, Any]:
    """The failure an ending event reports: the exception a flow's events carry, else a record of the text
    the others do, typed by the exception's class where the event names it (a task's) or by the event."""
    error = getattr(event, "error", None)
    if isinstance(error, BaseException):
        return error
    error_type = getattr(event, "error_type", None)
    named = f"{error_type.__module__}.{error_type.__qualname__}" if isinstance(error_type, type) \
        else f"crewai.{event.type}"
    return {"type": named, "message": str(error)}


RECORDER = CrewaiSpanRecorder()


def watch_bus() -> None:
    """Wrap `CrewAIEventsBus.emit`; idempotent."""
    original = CrewAIEventsBus.__dict__["emit"]
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def emit(self: Any, source: Any, event: Any) -> Any:
        future = original(self, source, event)
        RECORDER.seen(source, event)
        return future

    setattr(emit, _MARK, True)
    CrewAIEventsBus.emit = emit
