"""httpx (and httpx2, its successor with the same API): every request seen at the transport.

`HTTPTransport.handle_request` and `AsyncHTTPTransport.handle_async_request` are where every client
sends, whoever built the client (an SDK, a framework, the app), so wrapping them there sees every
door an SDK has (`create`, `with_raw_response`, `parse`, `beta.*`, streams...). The response's byte
stream is wrapped, not read: the app reads it at its own pace, and the exchange sees each chunk as it
passes. In a rerun the transport is not called at all: the recorded response is served instead.
A client given a transport of its own (a mock transport, an aiohttp transport) is not seen.
"""

from __future__ import annotations

import collections
import functools
from types import ModuleType
from typing import Any, Callable

from ..tracer.api import get_tracer
from .exchange import Exchange
from .forking import sent_to
from .opening import PLACEHOLDER_KEY, broken_by, open_forked, our_failure, served_record
from .request import Outgoing
from .wire import body_chunks

_MARK = "__namel3ss_debug__"


def install(module: ModuleType) -> list[str]:
    """Wrap the transports of `module` (httpx or httpx2); returns the hook points it lacks."""
    missing = []
    streams = _stream_types(module)
    for class_name, method, wrap in (("HTTPTransport", "handle_request", _sync),
                                     ("AsyncHTTPTransport", "handle_async_request", _async)):
        owner = getattr(module, class_name, None)
        original = getattr(owner, method, None)
        if original is None or streams is None:
            missing.append(f"{module.__name__}.{class_name}.{method}")
        elif not getattr(original, _MARK, False):
            setattr(owner, method, wrap(module, original, streams))
    return missing


def _sync(module: ModuleType, original: Callable[..., Any], streams: Any) -> Callable[..., Any]:
    @functools.wraps(original)
    def handle_request(self: Any, request: Any) -> Any:
        tracer = get_tracer()
        exchange = _opened(tracer, request, request.read()) if tracer.run is not None else None
        if exchange is None:
            return original(self, request)
        if exchange.answer is not None:
            return _served(module, exchange, streams)
        with _Sending(module, tracer, request, exchange):
            response = original(self, request)
        return _recorded(response, exchange, streams)

    setattr(handle_request, _MARK, True)
    return handle_request


def _async(module: ModuleType, original: Callable[..., Any], streams: Any) -> Callable[..., Any]:
    @functools.wraps(original)
    async def handle_async_request(self: Any, request: Any) -> Any:
        tracer = get_tracer()
        exchange = _opened(tracer, request, await request.aread()) if tracer.run is not None else None
        if exchange is None:
            return await original(self, request)
        if exchange.answer is not None:
            return _served(module, exchange, streams)
        with _Sending(module, tracer, request, exchange):
            response = await original(self, request)
        return _recorded(response, exchange, streams)

    setattr(handle_async_request, _MARK, True)
    return handle_async_request


class _Sending:
    """A request the transport sends live, as a context manager around the sending: on entering, in a rerun,
    the request loses the placeholder key and is changed as the fork sends it; a transport that raises ends
    the exchange failed, and the exception goes on to the app."""

    __slots__ = ("module", "tracer", "request", "exchange")

    def __init__(self, module: ModuleType, tracer: Any, request: Any, exchange: Exchange):
        self.module, self.tracer, self.request, self.exchange = module, tracer, request, exchange

    def __enter__(self) -> None:
        if self.tracer.rerun is not None:  # only a rerun gives out the placeholder, or forks
            _drop_placeholder(self.request)
            _as_forked(self.module, self.request, self.exchange)

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        if exc is not None:
            self.exchange.finish(exc)


def _opened(tracer: Any, request: Any, body: bytes) -> Exchange | None:
    """The request's exchange; a failure of ours leaves the request untraced (and stops a rerun,
    whose network must stay closed)."""
    try:
        url = request.url
        outgoing = Outgoing(request.method.upper(), url.scheme, url.netloc.decode("ascii", "replace"), url.path,
                            url.query.decode("ascii", "replace"), request.headers.get("content-type", ""), body)
        return open_forked(tracer, outgoing)
    except Exception as exc:
        our_failure(tracer, exc)
        return None


def _recorded(response: Any, exchange: Exchange, streams: Any) -> Any:
    # httpx decodes its headers again on every read (`items`, each `get`): read them once, as a dict
    # (lower-case names, repeats joined with ", ", as `get` gives them).
    exchange.received(response.status_code, dict(response.headers.items()))
    response.stream = streams.recording(response.stream, exchange)
    return response


def _served(module: ModuleType, exchange: Exchange, streams: Any) -> Any:
    """The rerun's answer as the transport's response: read through the same exchange as a live one,
    so its span says what the recorded span said."""
    record = served_record(exchange)  # a recorded transport error is raised again
    given = record.get("headers")
    headers: dict[str, str] = given if isinstance(given, dict) else {}
    exchange.received(record["status"], headers)
    body = streams.served(list(body_chunks(record)), broken_by(exchange, record))
    return module.Response(record["status"], headers=headers, stream=streams.recording(body, exchange),
                           extensions={"http_version": b"HTTP/1.1"})


def _as_forked(module: ModuleType, request: Any, exchange: Exchange) -> None:
    """A live request as the rerun's fork sends it (`forking.py`): its body changed, sent elsewhere."""
    if exchange.sent is None:
        return
    body, target = exchange.sent
    request.stream = module.ByteStream(body)
    request._content = body  # what `request.content` and a retry read
    request.headers["Content-Length"] = str(len(body))
    if target is not None:
        request.url = module.URL(target.url)
        request.headers["Host"] = target.host
        sent_to(exchange, target)


def _drop_placeholder(request: Any) -> None:
    """A rerun's placeholder key is never sent: a request that goes live (`--on-miss live`) goes without it."""
    for name, value in list(request.headers.items()):
        if PLACEHOLDER_KEY in value:
            del request.headers[name]


# -- the body streams --------------------------------------------------------------------------------
class _Streams:
    """The stream classes for one httpx module (its clients check `isinstance` against its own bases)."""

    def __init__(self, recording: type, served: type):
        self.recording, self.served = recording, served


_STREAMS: dict[str, _Streams] = {}


def _stream_types(module: ModuleType) -> _Streams | None:
    sync_base, async_base = getattr(module, "SyncByteStream", None), getattr(module, "AsyncByteStream", None)
    if sync_base is None or async_base is None:
        return None
    if module.__name__ not in _STREAMS:
        bases = (sync_base, async_base)
        _STREAMS[module.__name__] = _Streams(type("RecordingStream", (_Recording, *bases), {}),
                                             type("ServedBody", (_ServedBody, *bases), {}))
    return _STREAMS[module.__name__]


class _Recording:
    """The response's byte stream, passed through to the app as it reads it; each chunk is shown to
    the exchange, which ends the span when the body ends, fails or is closed."""

    def __init__(self, inner: Any, exchange: Exchange):
        self._inner, self._exchange = inner, exchange

    def __iter__(self) -> Any:
        return self._exchange.relay(self._inner)

    def __aiter__(self) -> Any:
        return self._exchange.arelay(self._inner)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._exchange.finish(early=True)  # a no-op once the body ended

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._exchange.finish(early=True)

    def __del__(self) -> None:  # dropped unread: the span ends, marked closed early
        exchange = self.__dict__.get("_exchange")
        if exchange is not None and not exchange.done:
            exchange.finish(early=True)


class _ServedBody:
    """A recorded body served a frame at a time (a stream) or whole, once, as a connection serves it
    (a client that reads again after the end gets nothing more); a body that broke breaks again."""

    def __init__(self, chunks: list[bytes], error: BaseException | None = None):
        self._chunks, self._error = collections.deque(chunks), error

    def _next(self) -> bytes | None:
        if self._chunks:
            return self._chunks.popleft()
        error, self._error = self._error, None
        if error is not None:
            raise error
        return None

    def __iter__(self) -> Any:
        while (chunk := self._next()) is not None:
            yield chunk

    async def __aiter__(self) -> Any:
        while (chunk := self._next()) is not None:
            yield chunk

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass
