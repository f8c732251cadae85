"""Spans whose start event is held until what they are is known: an OpenTelemetry span whose producer sets
its attributes after starting it (Strands, Google ADK) says it is an agent, an LLM call or a tool only then.

A held span is open and current like any other (the HTTP transport and hooks nest under it), but its start
event is written late: when something is written under it (a child span or an instant event: by then a
producer that sets its attributes right after starting the span has set them), else when it ends (its
attributes complete), else at the run's end. Its start keeps the time it began, so it is where it was in the
tree and on the timeline; only its `seq` is later. Until it is written, `component` is read from the producer
each time it is asked (`classify`), so a reader that looks at the current span (the transport, deciding
whether a request is an OpenTelemetry LLM span's own) sees what the start will say. `describe` gives the
start's fields once, when it is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from ..model.events import span_prefix
from .span import Span

if TYPE_CHECKING:
    from .core import Tracer


class Described(NamedTuple):
    """What a held span's start says, once it is written."""

    component: str
    name: str
    inputs: Any = None
    attrs: dict[str, Any] | None = None
    model: str | None = None


_COMPONENT = Span.__dict__["component"]  # the slot a held span's `component` property reads once written


class HeldSpan(Span):
    """An open span whose start event is not written yet (see the module's docstring)."""

    __slots__ = ("classify", "describe", "start_event")
    classify: Callable[[], str] | None
    describe: Callable[[], Described] | None
    start_event: dict[str, Any] | None

    @property
    def component(self) -> str:
        classify = self.classify
        return classify() if classify is not None else _COMPONENT.__get__(self)

    @component.setter
    def component(self, value: str) -> None:
        _COMPONENT.__set__(self, value)


def hold(span: HeldSpan, event: dict[str, Any], classify: Callable[[], str],
         describe: Callable[[], Described]) -> None:
    """Keep the span's start event, to be written by `settle`."""
    span.classify, span.describe, span.start_event = classify, describe, event
    span.run.held[span.span_id] = span


def settle_under(tracer: Tracer, run: Any, parent_id: str | None) -> None:
    """Before something is written under `parent_id`: write its start if it is held."""
    span = run.held.get(parent_id) if parent_id is not None else None
    if span is not None:
        settle(tracer, span)


def settle(tracer: Tracer, span: Any) -> None:
    """Write a held span's start (its held ancestors' first), described as it is now; nothing for another span.
    Under the recorder's lock (re-entrant), so that a child another thread writes meanwhile waits for it."""
    with span.run.recorder.lock:
        _settle(tracer, span)


def _settle(tracer: Tracer, span: Any) -> None:
    run = span.run
    if run.held.pop(span.span_id, None) is None:
        return  # not held, or written already
    settle_under(tracer, run, span.parent_id)
    described = span.describe()
    span.classify = span.describe = None
    span.component, span.name, span.prefix = described.component, described.name, span_prefix(described.component)
    event = span.start_event
    span.start_event = None
    event.update(event_type=span.prefix + "_start", component=span.component, name=span.name)
    if described.inputs is not None and run.settings.capture_inputs:
        event["inputs"] = described.inputs
    if described.model:
        event["model"] = span.model = str(described.model)
    if described.attrs:
        event["attrs"] = described.attrs
    run.recorder.emit(event)
    if tracer.rerun is not None:
        tracer.rerun.opened(span, described.attrs)


def settle_all(tracer: Tracer, run: Any) -> None:
    """At the run's end: the starts still held (spans never ended), so they are in the trace, unclosed."""
    for span in list(run.held.values()):
        settle(tracer, span)
