"""A call whose exception the framework judges after it left the call: its span is left open until the
framework has said what it made of it.

LangGraph's `ToolNode` catches a tool's exception outside the tool and, as its `handle_tool_errors` says,
turns it into a `ToolMessage` for the model or lets it go on; a pydantic-ai capability's
`on_tool_execute_error` may turn it into the tool's result. The hook runs that step inside `judging()`:
the first call started in it (the tool's `run`) that raises an `Exception` is not ended then
(`calls.call`); when the step is done the hook calls `settle`: the span ends failed, with the exception,
handled and the message as its result when the step made one, or as it raised.

`judged_method` (and `ajudged_method`, for a coroutine method) wraps a framework's step that returns its
verdict (LangGraph's `ToolNode` running a tool call, a LlamaIndex agent's `_call_tool`): `told(result)` is
the message the step made of the exception, or None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..tracer.core import Tracer
from .wrapping import Wrap, atraced_method, traced_method


class JudgedStep:
    """One step of the framework's: the call it claimed, and the exception that call raised."""

    __slots__ = ("span", "error")

    def __init__(self) -> None:
        self.span: Any = None
        self.error: BaseException | None = None

    def hold(self, span: Any, error: BaseException) -> bool:
        """Keep `span` open with `error` when it is the claimed call and `error` an ordinary exception (a
        rerun's stop, an interrupt, end the span at once); whether it was kept."""
        if span is None or span is not self.span or not isinstance(error, Exception):
            return False
        self.error = error
        return True

    def settle(self, tracer: Tracer, message: Any = None) -> None:
        """End the call left open: handled, `message` its result, when the framework made one of the
        exception; else failed, as it raised."""
        span, error = self.span, self.error
        if error is None:
            return
        self.error = None
        if message is not None:
            span.outputs = {"return": message}
        tracer.end_span(span, error=error, handled=message is not None)


_STEP: ContextVar[JudgedStep | None] = ContextVar("namel3ss_debug_judging", default=None)


@contextmanager
def judging() -> Iterator[JudgedStep]:
    """A framework step whose first call's exception the framework judges (see the module's docstring)."""
    step = JudgedStep()
    token = _STEP.set(step)
    try:
        yield step
    finally:
        _STEP.reset(token)


def open_step() -> JudgedStep | None:
    """The framework step this code runs in, if any."""
    return _STEP.get()


def claim(span: Any) -> JudgedStep | None:
    """The step `span` is the first call of, if it is; the calls inside it are ended as usual."""
    step = _STEP.get()
    if step is None or step.span is not None:
        return None
    step.span = span
    return step


@contextmanager
def _settled_if_raised(tracer: Tracer) -> Iterator[JudgedStep]:
    """`judging()`, the claimed call settled as it raised when the step raises; a step that returns is
    settled by the caller, with the step's verdict."""
    with judging() as step:
        try:
            yield step
        except BaseException:
            step.settle(tracer)
            raise


def judged_method(told: Callable[[Any], Any], mark: str) -> Wrap:
    """A `Wrap` running the method, while tracing, as a step the framework judges (`told`: the module's
    docstring); the wrapper carries `mark`."""

    def step(tracer: Tracer, invoke: Callable[[], Any], instance: Any, /, *args: Any, **kwargs: Any) -> Any:
        with _settled_if_raised(tracer) as judged:
            result = invoke()
        judged.settle(tracer, told(result))
        return result

    return traced_method(step, mark)


def ajudged_method(told: Callable[[Any], Any], mark: str) -> Wrap:
    """`judged_method` for a coroutine method."""

    async def step(tracer: Tracer, invoke: Callable[[], Awaitable[Any]], instance: Any, /, *args: Any,
                   **kwargs: Any) -> Any:
        with _settled_if_raised(tracer) as judged:
            result = await invoke()
        judged.settle(tracer, told(result))
        return result

    return atraced_method(step, mark)
