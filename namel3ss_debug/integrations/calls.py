"""Record and replay a call into code we do not own (an SDK method, a runtime hook) as one span.

The instrumentation says what the call is (`ForeignSpec`), what its inputs are, and how its result
becomes outputs (`Shape`); this module opens the span, asks a rerun for the answer, runs the call
when there is none, and ends the span. Nothing here raises into the app but the app's own errors
and a rerun's deliberate stop: a failure to describe a result is counted by the recorder, and the
result is returned as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..model.events import span_prefix
from ..tracer.core import Tracer
from ..rerun.answers import MOCKED, REPLACED
from ..rerun.values import decode
from ..tracer.replaying import answer_for, deliver


@dataclass(frozen=True)
class Shape:
    """How a result becomes the span's outputs: `outputs(result)` is a JSON-able dict holding the
    result under `return` (what a rerun gives back, through `codec`), plus what people read (text,
    tool calls); a stream's items become JSON once, with `items(items)`, and what they add up to is
    `summary(json_items)`. A mocked stream's items are made a whole stream by `mocked(items)`."""

    outputs: Callable[[Any], dict[str, Any]]
    items: Callable[[list[Any]], list[Any]] = lambda items: list(items)
    summary: Callable[[list[Any]], dict[str, Any]] = lambda items: {}
    mocked: Callable[[list[Any]], list[Any]] = lambda items: items

    def stream_outputs(self, items: list[Any]) -> dict[str, Any]:
        """A stream's outputs: what its items add up to, then the items as JSON and their count."""
        recorded = self.items(items)
        return {**self.summary(recorded), "yielded": recorded, "yield_count": len(items)}


@dataclass(frozen=True)
class ForeignSpec:
    """A replayable call, as `Rerun.answer` needs to know it: where it is recorded and how its
    recorded value is rebuilt (`codec`). A stream's spec is a `generator`: its answer is items.
    A call that is not `replayable` (a flow, an agent) runs in a rerun too, and only its parts are
    answered."""

    component: str
    name: str
    codec: Any = None
    generator: bool = False
    replayable: bool = True
    mock_codec: Any = None  # for a mock or a replacement, when it is checked more strictly than a recording

    @property
    def prefix(self) -> str:
        return span_prefix(self.component)


def open_span(tracer: Tracer, spec: ForeignSpec, inputs: Any, *, model: str | None = None,
              attrs: dict[str, Any] | None = None, activate: bool = True) -> Any:
    return tracer.start_span(spec.component, spec.name, spec.prefix, inputs=inputs, model=model, attrs=attrs,
                             activate=activate)


def call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any], *,
         model: str | None = None, attrs: dict[str, Any] | None = None) -> Any:
    """Run `invoke()` in a span, or give back the rerun's answer instead of running it."""
    if tracer.run is None:
        return invoke()
    span = open_span(tracer, spec, inputs, model=model, attrs=attrs)
    answer = answer_for(tracer, spec, span, inputs) if spec.replayable else None
    if answer is not None:
        return deliver(tracer, span, described(span, shape, answer))
    try:
        result = invoke()
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    end(tracer, span, shape, result)
    return result


async def acall(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any], *,
                model: str | None = None, attrs: dict[str, Any] | None = None) -> Any:
    """`call` for a coroutine: `invoke()` returns the awaitable."""
    if tracer.run is None:
        return await invoke()
    span = open_span(tracer, spec, inputs, model=model, attrs=attrs)
    answer = answer_for(tracer, spec, span, inputs) if spec.replayable else None
    if answer is not None:
        return deliver(tracer, span, described(span, shape, answer))
    try:
        result = await invoke()
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    end(tracer, span, shape, result)
    return result


def described(span: Any, shape: Shape, answer: Any, stream: bool = False) -> Any:
    """A mocked or replaced answer's outputs as a recorded result's are (text, tool calls, the
    result as JSON), made from the value the app gets (a stream's items made whole first, by the
    shape); a recorded answer keeps the recorded ones."""
    if answer.source not in (MOCKED, REPLACED) or answer.error is not None:
        return answer
    if stream:
        answer.items = describe(span, shape.mocked, answer.items) or answer.items
        made = describe(span, shape.stream_outputs, answer.items)
    else:
        made = describe(span, shape.outputs, answer.value)
    if made is not None:
        answer.outputs = made
    return answer


def end(tracer: Tracer, span: Any, shape: Shape, result: Any) -> None:
    """End the span with the result's outputs (and the usage and model `end_span` finds on it)."""
    if span is not None:
        span.outputs = describe(span, shape.outputs, result)
    tracer.end_span(span, result=result)


def describe(span: Any, describer: Callable[..., Any], *args: Any) -> Any:
    """What a describer makes of a result; None on a failure of ours, which is counted."""
    try:
        return describer(*args)
    except Exception as exc:
        span.run.recorder.note_failure(exc)
        return None


def stream_call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any], *,
                model: str | None = None) -> Any:
    """Open a span for a call that returns a stream; the span ends when the app is done reading it."""
    from .streams import RecordingStream, ReplayedStream  # noqa: PLC0415 - streams imports this module

    if tracer.run is None:
        return invoke()
    span = open_span(tracer, spec, inputs, model=model, activate=False)
    answer = answer_for(tracer, spec, span, inputs)
    if answer is not None:
        return _replayed_or_raise(tracer, span, answer, ReplayedStream, shape, spec.codec)
    try:
        inner = invoke()
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    return RecordingStream(inner, tracer, span, shape) if span is not None else inner


async def astream_call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any], *,
                       model: str | None = None) -> Any:
    """`stream_call` for an async SDK call: `invoke()` returns an awaitable of the stream."""
    from .streams import AsyncRecordingStream, AsyncReplayedStream  # noqa: PLC0415

    if tracer.run is None:
        return await invoke()
    span = open_span(tracer, spec, inputs, model=model, activate=False)
    answer = answer_for(tracer, spec, span, inputs)
    if answer is not None:
        return _replayed_or_raise(tracer, span, answer, AsyncReplayedStream, shape, spec.codec)
    try:
        inner = await invoke()
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    return AsyncRecordingStream(inner, tracer, span, shape) if span is not None else inner


def _replayed_or_raise(tracer: Tracer, span: Any, answer: Any, stream_type: Any, shape: Shape, codec: Any) -> Any:
    """A recorded failure is raised where the SDK raised it: at the call, or, for a stream that broke
    while the app read it, after the items it gave first; else the items, as a stream."""
    if answer.error is not None:
        yielded = answer.outputs.get("yielded") if isinstance(answer.outputs, dict) else None
        try:
            answer.items = [decode(item, codec) for item in yielded or ()]
        except Exception:  # items that cannot be rebuilt: the failure is raised at the call
            answer.items = []
        if not answer.items:
            return deliver(tracer, span, answer)
    return stream_type(tracer, span, described(span, shape, answer, stream=True))
