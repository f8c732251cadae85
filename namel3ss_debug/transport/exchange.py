"""A request's span while its response is read, whatever client read it.

The response, live or served by a rerun, is read through an `Exchange` (opened by `opening.py`): its bytes are
kept as the app reads them (never buffered ahead of it) and, when the body ends, become the span's
outputs: the response as it came (`outputs.return`: status, the headers clients read, the body or its
frames) and what an LLM API's answer means (text, tool calls, finish reason, usage, model).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Protocol

from .finale import LastEvent
from .frames import ends_stream, frames_of
from .wire import decoded, framing_of, kept_body

KEPT_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry", "request-id", "x-request-id")
KEPT_HEADER_PREFIXES = ("openai-", "anthropic-", "x-ratelimit-", "ratelimit-", "x-goog-")
MAX_KEPT_BYTES = 8 * 1024 * 1024  # past this a body is measured, not kept (a download is not a model's answer)


class SpanEnder(Protocol):
    """What an exchange needs of the tracer: to end its span (the tracer itself, or the hand-over of a
    request made inside an OpenTelemetry `llm` span)."""

    def end_span(self, span: Any, *, error: BaseException | dict[str, Any] | None = None) -> None: ...


@dataclass
class Exchange:
    """A request's span while its response is read."""

    tracer: SpanEnder
    span: Any
    api: Any
    streamed: bool
    request_bytes: int
    answer: Any = None  # the rerun's answer: a response record to serve instead of the network
    placed: Any = None  # the request's place in its conversation (`agents.PlacedRequest`), told the answer
    sent: Any = None  # in a rerun's fork, the (body, forking.ForkTarget, ...) a live request is sent with instead
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    chunks: list[bytes] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)  # perf_counter_ns when each chunk came
    size: int = 0
    expected: int | None = None  # the body's length when the server said it (content-length)
    done: bool = False
    watch: LastEvent | None = None  # `last`, once asked (`watched`)
    watched: bool = False

    # -- the response ----------------------------------------------------------------------------
    def received(self, status: int, headers: Mapping[str, str]) -> None:
        """The status line and headers came (live or from the recording)."""
        self.status = status
        self.headers = {name: value for name, value in headers.items() if _kept_header(name)}
        self.encoding = headers.get("content-encoding", "").strip().lower()
        length = headers.get("content-length", "")
        self.expected = int(length) if length.isdigit() else None

    def __post_init__(self) -> None:
        self.span.run.reading[id(self)] = self  # ended by the run's end if the app never finishes the body

    def chunk(self, data: bytes) -> None:
        """A piece of the body as the client read it off the wire."""
        if self.done:  # after the stream's last event: the answer is recorded already
            return
        self.size += len(data)
        if self.size <= MAX_KEPT_BYTES:
            self.chunks.append(data)
            self.arrivals.append(time.perf_counter_ns())
            if self.last is not None and self.last.ended(data, self.chunks):
                self.finish()

    @property
    def last(self) -> LastEvent | None:
        """What watches for a stream's last event (None for a body that is not a stream of events)."""
        if not self.watched:
            self.watched = True
            framing = framing_of(self.headers.get("content-type", ""))
            self.watch = LastEvent(framing) if framing and self.status < 400 and not self.encoding else None
        return self.watch

    def relay(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The body's chunks, passed on as the client reads them and each shown to the exchange; the span
        ends at a stream's last event (`finale.py`), or when they run out, fail, or the reader stops early."""
        kept, arrived, clock, last = self.chunks, self.arrivals.append, time.perf_counter_ns, self.last
        with _Relaying(self):
            for data in chunks:  # `chunk`, inlined: a stream has a chunk per token
                self.size += len(data)
                if self.size <= MAX_KEPT_BYTES and not self.done:
                    kept.append(data)
                    arrived(clock())
                    if last is not None and last.ended(data, kept):
                        self.finish()  # the answer is over, whether or not the app reads on
                yield data

    async def arelay(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """`relay` for an async body."""
        with _Relaying(self):
            async for data in chunks:
                self.chunk(data)
                yield data

    def finish(self, error: BaseException | None = None, *, early: bool = False) -> None:
        """The body ended (or failed, or was closed unread): end the span with what it said."""
        if self.done:
            return
        self.done = True
        self.span.run.reading.pop(id(self), None)
        try:
            if self.status:  # a response came (else the request failed before one did)
                self._describe(early)
        except Exception as exc:  # a body we cannot describe: the span still ends
            self.span.run.recorder.note_failure(exc)
        failure = error or self._status_error()
        said = self.span.outputs
        self.tracer.end_span(self.span, error=failure)
        if self.placed is not None:  # after the call's end: the answer may end its agent
            self.placed.answered(self.span, said, failure is not None and not isinstance(failure, GeneratorExit))
        # The end event has them now: let go of the body, which the app's response object may outlive
        # (kept alive, ~100 frames a stream would reach the older generations and their full collections).
        self.chunks, self.arrivals, self.span.outputs = [], [], None

    def _describe(self, early: bool) -> None:
        span = self.span
        ends, kept = self._body()
        said = self._meaning(kept) if self.api is not None else {}
        whole = self._whole(kept)
        record = {"status": self.status, "headers": self.headers, **kept}
        usage, model = said.pop("usage", None), said.pop("model", None)
        span.outputs = {**said, "return": record}
        if isinstance(usage, dict) and usage:
            span.usage = usage
        if isinstance(model, str) and model:
            span.model = model
        span.set_attribute("http_status", self.status)
        span.set_attribute("request_bytes", self.request_bytes)
        span.set_attribute("response_bytes", self.size)
        ttft = self._first_token(kept.get("frames"), ends)
        if ttft is not None:
            span.set_attribute("ttft_ms", round(ttft / 1e6, 3))
        if early and not whole:
            span.set_attribute("closed_early", True)

    def _body(self) -> tuple[list[int], dict[str, Any]]:
        """Where each frame of a stream ends, and the body as the trace keeps it (a stream parsed once;
        its content encoding undone, as the app got it)."""
        if self.size > MAX_KEPT_BYTES:
            return [], {"kept": False}
        data = b"".join(self.chunks)
        if self.encoding and self.encoding != "identity":
            try:
                data = decoded(self.encoding, data)
            except Exception:  # kept as sent, with its encoding, for the client to undo in a rerun
                self.headers["content-encoding"] = self.encoding
                return [], {"bytes": data}
        content_type = self.headers.get("content-type", "")
        framing = framing_of(content_type)
        frames, ends = frames_of(framing, data, compact=True) if framing is not None else (None, [])
        return ends, kept_body(data, content_type, frames)

    def _whole(self, kept: dict[str, Any]) -> bool:
        """Whether the body had all come when the client closed it: SDKs close a stream at its last
        event (`[DONE]`, `message_stop`), before the connection says the body ended."""
        if self.expected is not None and self.size >= self.expected:
            return True
        frames = kept.get("frames")
        return bool(frames and ends_stream(frames[-1]))

    def _meaning(self, kept: dict[str, Any]) -> dict[str, Any]:
        if self.status >= 400:
            message = self.api.error_message(kept.get("body"))
            return {"error_message": message} if message else {}
        if "frames" in kept:
            return dict(self.api.stream(kept["frames"]))
        if "body" in kept:
            return dict(self.api.response(kept["body"]))
        return {}

    def _first_token(self, frames: list[dict[str, Any]] | None, ends: list[int]) -> int | None:
        """ns from the request to the chunk that brought the first token of a streamed answer."""
        if self.api is None or not frames or not self.arrivals:
            return None
        for frame, end in zip(frames, ends):
            if self.api.is_token(frame):
                started: int = self.span.start_ns  # perf_counter_ns, as the arrivals
                seen = 0
                for size, arrival in zip(map(len, self.chunks), self.arrivals):
                    seen += size
                    if seen >= end or self.encoding:  # compressed: offsets are not the wire's
                        return arrival - started
                return self.arrivals[-1] - started
        return None

    def _status_error(self) -> dict[str, Any] | None:
        if self.status < 400:
            return None
        outputs = self.span.outputs if isinstance(self.span.outputs, dict) else {}
        message = outputs.get("error_message") or f"the server answered {self.status}"
        return {"type": f"HTTP {self.status}", "message": str(message), "category": status_category(self.status)}


class _Relaying:
    """Around a relay of the body: its end finishes the exchange, however it came (the body ran out, the
    reader stopped early, or it failed); the exception goes on."""

    __slots__ = ("exchange",)

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.exchange.finish()
        elif issubclass(kind, GeneratorExit):
            self.exchange.finish(early=True)
        else:
            self.exchange.finish(exc)


def status_category(status: int) -> str:
    """An HTTP error status as one of the error categories analysis counts."""
    if status == 429:
        return "rate_limit"
    if status in (401, 403):
        return "auth"
    if status in (408, 504):
        return "timeout"
    if status >= 500:
        return "dependency"
    return "parameter"  # 400, 404, 409, 413, 422...: the request itself was wrong


def _kept_header(name: str) -> bool:
    name = name.lower()
    return name in KEPT_HEADERS or name.startswith(KEPT_HEADER_PREFIXES)
