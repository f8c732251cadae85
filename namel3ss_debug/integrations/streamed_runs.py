"""A framework's run whose steps the app drives (`run(stream=True)`: a generator, or an async one) as one
span: opened when the app asks for the first step, current only while the framework makes the next step
(so its LLM and tool calls nest under it), never while the app handles one; ended after the last step,
with the run's error, or where the app stops reading (the framework's generator is closed then).

The span's output is folded from the steps as they pass (`fold(answer, step) -> answer`: the framework
knows which step holds the answer), so no step is kept. A span is not answered in a rerun: the run goes
on, and its calls are answered. smolagents' and Agno's hooks use it.
"""

from __future__ import annotations

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
    except GeneratorExit:  # the app stopped reading: the run ends there
        tracer.end_span(span)
        raise
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    finally:
        getattr(steps, "close", lambda: None)()
    end(tracer, span, ANSWER, answer)


async def aspanned_steps(tracer: Tracer, spec: ForeignSpec, inputs: Any, attrs: dict[str, Any],
                         steps: AsyncIterator[Any], fold: Fold) -> AsyncIterator[Any]:
    """`spanned_steps` for an async iterator of steps."""
    span = open_span(tracer, spec, inputs, attrs=attrs, activate=False)
    answer = None
    try:
        while True:
            token = current.set(span) if span is not None else None
            try:
                step = await steps.__anext__()
            except StopAsyncIteration:
                break
            finally:
                if token is not None:
                    reset_current(token, span)
            answer = folded(tracer, fold, answer, step)
            yield step
    except GeneratorExit:
        tracer.end_span(span)
        raise
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    finally:
        closing = getattr(steps, "aclose", None)
        if closing is not None:
            await closing()
    end(tracer, span, ANSWER, answer)


def folded(tracer: Tracer, fold: Fold, answer: Any, step: Any) -> Any:
    """The answer so far with `step` folded in; as it was on a failure of ours, which is counted."""
    try:
        return fold(answer, step)
    except Exception as exc:
        tracer.note_failure(exc)
        return answer


__all__ = ["aspanned_steps", "spanned_steps"]
