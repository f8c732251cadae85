"""A span around an async generator, current only while the generator works.

AutoGen's agents and teams do their work in async generators (`on_messages_stream`, `run_stream`) that
the caller steps through, and between two steps the caller runs on. Making the span current for the
whole generator would leak it into the caller between steps (and out of its context, if the caller
closes the generator from elsewhere), so it is made current for each step and taken back before the
item is handed over. Tasks the generator starts during a step (AutoGen runs tool calls in tasks) copy
the context then, with the span in it: their spans nest under it.

`stepping()` is the object (an agent, a team) whose span is current, so that one of its wrapped methods
calling another (`on_messages` calling `on_messages_stream`, a subclass's calling its base's) makes one span.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ...tracer.context import current, reset_current
from ...tracer.core import Tracer
from ..calls import ForeignSpec, Shape, end, open_span

_stepping: ContextVar[Any] = ContextVar("namel3ss_debug_autogen_stepping", default=None)


def stepping() -> Any:
    """The owner of the span current here (a spanned stream's step, or `owning`), if any."""
    return _stepping.get()


@contextmanager
def owning(owner: Any) -> Iterator[None]:
    """`stepping()` is `owner` inside the block: a coroutine's span of its own."""
    token = _stepping.set(owner)
    try:
        yield
    finally:
        _stepping.reset(token)


async def spanned(tracer: Tracer, spec: ForeignSpec, inputs: Any, attrs: dict[str, Any], stream: AsyncIterator[Any],
                  shape: Shape, final: Callable[[Any], bool], owner: Any = None) -> AsyncGenerator[Any, None]:
    """Yield what `stream` yields, in a span that ends (described by `shape`) before the item for which
    `final` holds is handed over, or with the stream's error; `owner` is `stepping()` during its steps.

    The span ends at the final item, not at the stream's end: AutoGen's callers stop reading there
    (`on_messages` returns at the `Response`), and the stream is closed only when it is collected."""
    span = open_span(tracer, spec, inputs, attrs=attrs, activate=False)
    try:
        while True:
            try:
                item = await _step(stream, span, owner)
            except StopAsyncIteration:
                break
            if span is not None and final(item):
                end(tracer, span, shape, item)
                span = None
            yield item
    except BaseException as exc:  # the app's error, or the caller closing us early (a clean end)
        tracer.end_span(span, error=exc)
        if isinstance(exc, GeneratorExit):
            await _close(stream)  # so that the wrapped generator's own cleanup runs, as unwrapped
        raise
    end(tracer, span, shape, None)


async def _step(stream: AsyncIterator[Any], span: Any, owner: Any) -> Any:
    """The stream's next item, computed with `span` current and `owner` stepping."""
    token = current.set(span) if span is not None else None
    try:
        with owning(owner):
            return await stream.__anext__()
    finally:
        if token is not None:
            reset_current(token, span)


async def _close(stream: AsyncIterator[Any]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()
