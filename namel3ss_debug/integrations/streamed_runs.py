"""A framework's run whose steps the app drives (`run(stream=True)`: a generator, or an async one) as one
span: opened when the app asks for the first step, current only while the framework makes the next step
(so its LLM and tool calls nest under it), never while the app handles one; ended after the last step,
with the run's error, or where the app stops reading (the framework's generator is closed then).

The span's output is folded from the steps as they pass (`fold(answer, step) -> answer`: the framework
knows which step holds the answer), so no step is kept. A span is not answered in a rerun: the run goes
on, and its calls are answered. smolagents', Agno's and AutoGen's hooks use it.

Two things only an async stream has needed (AutoGen's agent turns and team runs): a `final` step, the one the
framework's callers stop reading at (AutoGen's `on_messages` returns at the `Response` and leaves the stream
to be collected), before which the span ends; and `around`, a context each step is made in besides the span
(AutoGen's, which tells an agent's own nested turn from a new one).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any, AsyncIterator, Callable, Iterator

from ..tracer.context import current, reset_current
from ..tracer.core import Tracer
from .calls import ForeignSpec, Shape, end, open_span

Fold = Callable[[Any, Any], Any]
ANSWER = Shape(lambda answer: {"return": answer})


def spanned_steps(tracer: Tracer, spec: ForeignSpec, inputs: Any, attrs: dict[str, Any], steps: Iterator[Any],
                  fold: Fold) -> Iterator[Any]:
    """`steps`, each made in the span `spec` describes."""
    span = open_span(tracer, spec, inputs, attrs=attrs, activate=False)
    answer = None
    try:
        while True:
            token = current.set(span) if span is not None else None
            try:
                step = next(steps)
            except StopIteration:
                break
            finally:
                if token is not None:
                    reset_current(token, span)
            answer = folded(tracer, fold, answer, step)
            yield step
    except BaseException as exc:
        _stopped(tracer, span, exc)
        raise
    finally:
        getattr(steps, "close", lambda: None)()
    end(tracer, span, ANSWER, answer)


async def aspanned_steps(tracer: Tracer, spec: ForeignSpec, inputs: Any, attrs: dict[str, Any],
                         steps: AsyncIterator[Any], fold: Fold, *, shape: Shape = ANSWER,
                         final: Callable[[Any], bool] | None = None,
                         around: Callable[[], AbstractContextManager[Any]] = nullcontext) -> AsyncIterator[Any]:
    """`spanned_steps` for an async iterator of steps; the answer described by `shape`, the span ended before a
    `final` step is handed over, each step made inside `around()`."""
    span = open_span(tracer, spec, inputs, attrs=attrs, activate=False)
    answer = None
    try:
        while True:
            try:
                step = await _next_step(steps, span, around)
            except StopAsyncIteration:
                break
            answer = folded(tracer, fold, answer, step)
            if span is not None and final is not None and final(step):
                end(tracer, span, shape, answer)
                span = None
            yield step
    except BaseException as exc:
        _stopped(tracer, span, exc)
        raise
    finally:
        closing = getattr(steps, "aclose", None)
        if closing is not None:
            await closing()
    end(tracer, span, shape, answer)


async def _next_step(steps: AsyncIterator[Any], span: Any, around: Callable[[], AbstractContextManager[Any]]) -> Any:
    """The next step, made with `span` current (when there still is one) and inside `around()`."""
    token = current.set(span) if span is not None else None
    try:
        with around():
            return await steps.__anext__()
    finally:
        if token is not None:
            reset_current(token, span)


def _stopped(tracer: Tracer, span: Any, exc: BaseException) -> None:
    """End the span of a run whose steps stopped on `exc`: where the app stopped reading (`GeneratorExit`, the
    run ends there), else failed with it."""
    tracer.end_span(span, error=None if isinstance(exc, GeneratorExit) else exc)


def folded(tracer: Tracer, fold: Fold, answer: Any, step: Any) -> Any:
    """The answer so far with `step` folded in; as it was on a failure of ours, which is counted."""
    try:
        return fold(answer, step)
    except Exception as exc:
        tracer.note_failure(exc)
        return answer


__all__ = ["aspanned_steps", "spanned_steps"]
