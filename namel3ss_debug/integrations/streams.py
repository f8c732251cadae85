"""Streamed SDK responses: recorded whole as the app reads them, and replayed as streams.

`RecordingStream` stands in front of the SDK's stream: the app iterates it as it would the SDK's
(with `with`, `close()` and the SDK's own attributes passed through), and when the stream ends,
fails or is closed, the span ends with every item and their summary; one the app drops unfinished
(a `break` or `return` out of its loop) ends, marked closed early, when it is collected, as a traced
generator's span does: else the trace would say the run stopped inside it. A rerun gives the app a
`ReplayedStream` of the recorded items, rebuilt as the SDK's own types, which never touches the
network. The async variants are the same for `async for` and `async with`.
"""

from __future__ import annotations

from typing import Any

from ..tracer.core import Tracer
from ..tracer.events import usage_of
from ..tracer.replaying import finish
from .calls import Shape, describe

MAX_STREAM_ITEMS = 100_000  # past this a stream's items are counted, not kept (a stream may never end)


class _Recorder:
    """The items a stream gave, and the span they end (once)."""

    __slots__ = ("tracer", "span", "shape", "items", "count", "done")

    def __init__(self, tracer: Tracer, span: Any, shape: Shape):
        self.tracer, self.span, self.shape = tracer, span, shape
        self.items: list[Any] = []
        self.count = 0
        self.done = span is None

    def add(self, item: Any) -> None:
        self.count += 1
        if len(self.items) < MAX_STREAM_ITEMS:
            self.items.append(item)

    def end(self, error: BaseException | None = None, *, early: bool = False) -> None:
        if self.done:
            return
        self.done = True
        if self.span.run.ended:  # collected after the run (at exit): there is nothing to write to
            return
        self.span.outputs = outputs = describe(self.span, self._outputs)
        self.span.usage = self.span.usage or (usage_of(outputs) if outputs else None)
        if early:
            self.span.set_attribute("closed_early", True)
        self.tracer.end_span(self.span, error=error)

    def _outputs(self) -> dict[str, Any]:
        outputs = {**self.shape.stream_outputs(self.items), "yield_count": self.count}
        if self.count > len(self.items):
            outputs["yielded_truncated"] = True
        return outputs


class _Recording:
    """What the sync and async stand-ins share: the SDK's stream, its recorder, and the SDK's own
    attributes passed through; a stream dropped unfinished ends its span when collected."""

    def __init__(self, inner: Any, tracer: Tracer, span: Any, shape: Shape):
        self._inner = inner
        self._recorder = _Recorder(tracer, span, shape)
        self._iterator: Any = None

    def __del__(self) -> None:
        recorder = self.__dict__.get("_recorder")  # absent if __init__ never ran to its end
        if recorder is not None:
            recorder.end(early=True)  # a no-op once the stream ended

    def __getattr__(self, name: str) -> Any:
        if name in ("_inner", "_recorder", "_iterator"):  # not set yet: no endless lookup
            raise AttributeError(name)
        return getattr(self._inner, name)


class RecordingStream(_Recording):
    """The SDK's stream, recorded as the app reads it."""

    def __iter__(self) -> RecordingStream:
        return self

    def __next__(self) -> Any:
        if self._iterator is None:
            self._iterator = iter(self._inner)
        try:
            item = next(self._iterator)
        except StopIteration:
            self._recorder.end()
            raise
        except BaseException as exc:
            self._recorder.end(exc)
            raise
        self._recorder.add(item)
        return item

    def __enter__(self) -> RecordingStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._recorder.end(early=True)


class AsyncRecordingStream(_Recording):
    """The SDK's async stream, recorded as the app reads it."""

    def __aiter__(self) -> AsyncRecordingStream:
        return self

    async def __anext__(self) -> Any:
        if self._iterator is None:
            self._iterator = self._inner.__aiter__()
        try:
            item = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._recorder.end()
            raise
        except BaseException as exc:
            self._recorder.end(exc)
            raise
        self._recorder.add(item)
        return item

    async def __aenter__(self) -> AsyncRecordingStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            await self._inner.close()
        finally:
            self._recorder.end(early=True)


class _Replayed:
    """The recorded items of a stream, given one by one; the span ends when they run out or, marked
    closed early as the recording's was, when the stream is closed or dropped before that."""

    def __init__(self, tracer: Tracer, span: Any, answer: Any):
        self._tracer, self._span, self._answer = tracer, span, answer
        self._items = iter(answer.items)
        self._done = False
        # The SDK's streams have the HTTP response here, and its helpers (openai's
        # `chat.completions.stream()`) close it: a replay has no response, only something to close.
        self.response = _NoResponse()

    def _next(self) -> Any:
        for item in self._items:
            return item
        self._end()
        if self._answer.error is not None:  # the recorded stream broke after these items
            raise self._answer.error
        return _END

    def _end(self, *, early: bool = False) -> None:
        if not self._done:
            self._done = True
            if early:
                self._span.set_attribute("closed_early", True)
            finish(self._tracer, self._span, self._answer)

    def __del__(self) -> None:  # dropped unfinished, as the recorded stream may have been
        self._end(early=True)


class _NoResponse:
    headers: dict[str, str] = {}  # anthropic's MessageStream reads request-id from them

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


_END = object()


class ReplayedStream(_Replayed):
    """A recorded stream given back to the app, as `for`, `with` and `close()` use it."""

    def __iter__(self) -> ReplayedStream:
        return self

    def __next__(self) -> Any:
        item = self._next()
        if item is _END:
            raise StopIteration
        return item

    def __enter__(self) -> ReplayedStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._end(early=True)


class AsyncReplayedStream(_Replayed):
    """A recorded stream given back to the app, as `async for`, `async with` and `close()` use it."""

    def __aiter__(self) -> AsyncReplayedStream:
        return self

    async def __anext__(self) -> Any:
        item = self._next()
        if item is _END:
            raise StopAsyncIteration
        return item

    async def __aenter__(self) -> AsyncReplayedStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def close(self) -> None:
        self._end(early=True)
