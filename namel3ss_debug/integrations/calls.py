"""Record a call into code we do not own (an SDK method, a runtime hook) as one span; answer it in a rerun.

The instrumentation says what the call is (`ForeignSpec`), what its inputs are, and how its result
becomes outputs (`Shape`); this module opens the span, asks a rerun for the answer, runs the call
when there is none, and ends the span. Nothing here raises into the app but the app's own errors
and a rerun's deliberate stop: a failure to describe a result is counted by the recorder, and the
result is returned as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from ..model.events import span_prefix
from ..model.rerun_protocol import GIVEN
from ..tracer.core import Tracer
from ..tracer.answering import answer_for, deliver
from .judged import JudgedStep, claim


@dataclass(frozen=True)
class Shape:
    """How a result becomes the span's outputs: `outputs(result)` is a JSON-able dict holding the
    result under `return` (what a rerun gives back, through `codec`), plus what people read."""

    outputs: Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Handled:
    """What an `invoke` gives back when the framework turned the call's exception into a message for the
    model (its tool-error handler): the span ends failed with `error`, marked handled, its outputs made
    from `message` as a result's are, and the app gets `message`, as it did without us. `error` is the
    exception where the hook sees it, else the error record the framework's result says (a wire-only
    `ToolError`: type, message, category, no stack)."""

    error: BaseException | dict[str, Any]
    message: Any


def unwrapped(result: Any) -> Any:
    """What the app gets of an `invoke`'s result: a handled failure's message, else the result."""
    return result.message if isinstance(result, Handled) else result


@dataclass(frozen=True)
class ForeignSpec:
    """A replayable call, as `Rerun.answer` needs to know it: where it is recorded and how its
    recorded value is rebuilt (`codec`); a `generator`'s answer is the items it yields.
    A call that is not `replayable` (a flow, an agent) runs in a rerun too, and only its parts are
    answered. `handled`: the exception types the framework always turns into a message for the model
    once they leave the call (pydantic-ai's `ModelRetry`): the span ends failed with `error.handled`, and
    a rerun raises them again for the framework to turn into the same message."""

    component: str
    name: str
    codec: Any = None
    generator: bool = False
    replayable: bool = True
    mock_codec: Any = None  # for a mock or a replacement, when it is checked more strictly than a recording
    handled: tuple[type[BaseException], ...] = ()

    @property
    def prefix(self) -> str:
        return span_prefix(self.component)


def open_span(tracer: Tracer, spec: ForeignSpec, inputs: Any, *, model: str | None = None,
              attrs: dict[str, Any] | None = None, activate: bool = True, parent_id: str | None = None) -> Any:
    return tracer.start_span(spec.component, spec.name, spec.prefix, inputs=inputs, model=model, attrs=attrs,
                             activate=activate, parent_id=parent_id)


def _opened(tracer: Tracer, spec: ForeignSpec, inputs: Any, *, model: str | None = None,
            attrs: dict[str, Any] | None = None, parent_id: str | None = None) -> tuple[Any, Any]:
    """The call's span, opened, and the rerun's answer to the call (None: the call runs)."""
    span = open_span(tracer, spec, inputs, model=model, attrs=attrs, parent_id=parent_id)
    return span, answer_for(tracer, spec, span, inputs) if spec.replayable else None


def call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any], *,
         model: str | None = None, attrs: dict[str, Any] | None = None, parent_id: str | None = None) -> Any:
    """Run `invoke()` in a span, or give back the rerun's answer instead of running it. An `invoke` may
    return `Handled`: the span ends failed (handled) and the app gets the message."""
    if tracer.run is None:
        return unwrapped(invoke())
    span, answer = _opened(tracer, spec, inputs, model=model, attrs=attrs, parent_id=parent_id)
    if answer is not None:
        return deliver(tracer, span, described(span, shape, answer))
    step = claim(span)
    try:
        result = invoke()
    except BaseException as exc:
        _failed(tracer, spec, span, step, exc)
        raise
    return end(tracer, span, shape, result)


async def acall(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Awaitable[Any]],
                *, model: str | None = None, attrs: dict[str, Any] | None = None,
                parent_id: str | None = None) -> Any:
    """`call` for a coroutine: await `invoke()` in a span, or give back the rerun's answer."""
    if tracer.run is None:
        return unwrapped(await invoke())
    span, answer = _opened(tracer, spec, inputs, model=model, attrs=attrs, parent_id=parent_id)
    if answer is not None:
        return deliver(tracer, span, described(span, shape, answer))
    step = claim(span)
    try:
        result = await invoke()
    except BaseException as exc:
        _failed(tracer, spec, span, step, exc)
        raise
    return end(tracer, span, shape, result)


def _failed(tracer: Tracer, spec: ForeignSpec, span: Any, step: JudgedStep | None, exc: BaseException) -> None:
    """The call raised: its span ends failed (handled, for the exception types the framework always handles),
    unless a step the framework judges holds it (judged.py)."""
    handled = isinstance(exc, spec.handled)
    if step is None or handled or not step.hold(span, exc):
        tracer.end_span(span, error=exc, handled=handled)


@dataclass(frozen=True)
class Telling:
    """How a framework hands a call's failure on when what the app gets is not a plain message (an error
    of the framework's own over the tool's, a failed result): `told(exc)` is, when the framework handed
    `exc` to the model, the exception to record (the tool's own) and the span's outputs (what the model is
    told, never under `return`), else None; `raised_again(error, outputs)` is the exception a rerun raises in
    place of such a recorded `error`, for the hook to give the app what the framework gave it."""

    told: Callable[[Exception], tuple[BaseException, dict[str, Any]] | None]
    raised_again: Callable[[BaseException, Any], BaseException]


def told_call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any, invoke: Callable[[], Any],
              telling: Telling, *, attrs: dict[str, Any] | None = None) -> Any:
    """`call` for a framework that hands a failure on as `telling` says: the span ends failed with the
    tool's own exception, `error.handled: true`, and the exception `invoke` raised goes on to the app."""
    if tracer.run is None:
        return invoke()
    span, answer = _opened(tracer, spec, inputs, attrs=attrs)
    if answer is not None:
        return _deliver_told(tracer, span, shape, answer, telling)
    try:
        result = invoke()
    except BaseException as exc:
        _end_told(tracer, span, exc, telling)
        raise
    return end(tracer, span, shape, result)


async def atold_call(tracer: Tracer, spec: ForeignSpec, shape: Shape, inputs: Any,
                     invoke: Callable[[], Awaitable[Any]], telling: Telling, *,
                     attrs: dict[str, Any] | None = None) -> Any:
    """`told_call` for a coroutine."""
    if tracer.run is None:
        return await invoke()
    span, answer = _opened(tracer, spec, inputs, attrs=attrs)
    if answer is not None:
        return _deliver_told(tracer, span, shape, answer, telling)
    try:
        result = await invoke()
    except BaseException as exc:
        _end_told(tracer, span, exc, telling)
        raise
    return end(tracer, span, shape, result)


def _deliver_told(tracer: Tracer, span: Any, shape: Shape, answer: Any, telling: Telling) -> Any:
    try:
        return deliver(tracer, span, described(span, shape, answer))
    except Exception as error:
        replaced = telling.raised_again(error, answer.outputs) if answer.handled and error is answer.error else error
        if replaced is error:
            raise
        raise replaced from error


def _end_told(tracer: Tracer, span: Any, exc: BaseException, telling: Telling) -> None:
    told = telling.told(exc) if isinstance(exc, Exception) else None
    if told is None:
        tracer.end_span(span, error=exc)
        return
    error, outputs = told
    if span is not None:
        span.outputs = outputs
    tracer.end_span(span, error=error, handled=True)


def described(span: Any, shape: Shape, answer: Any) -> Any:
    """A mocked, replaced or forked answer's outputs as a recorded result's are, made from the value the app
    gets; a recorded answer keeps the recorded ones."""
    if answer.source not in GIVEN or answer.error is not None:
        return answer
    made = describe(span, shape.outputs, answer.value)
    if made is not None:
        answer.outputs = made
    return answer


def end(tracer: Tracer, span: Any, shape: Shape, result: Any) -> Any:
    """End the span with the result's outputs (and the usage and model `end_span` finds on it); a
    `Handled` result ends it failed, its outputs the message. Returns what the app gets."""
    value = unwrapped(result)
    if span is not None:
        span.outputs = describe(span, shape.outputs, value)
    if isinstance(result, Handled):
        tracer.end_span(span, error=result.error, handled=True)
    else:
        tracer.end_span(span, result=result)
    return value


def describe(span: Any, describer: Callable[..., Any], *args: Any) -> Any:
    """What a describer makes of a result; None on a failure of ours, which is counted."""
    try:
        return describer(*args)
    except Exception as exc:
        span.run.recorder.note_failure(exc)
        return None
