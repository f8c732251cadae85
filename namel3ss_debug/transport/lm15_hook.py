"""lm15, the HTTP client DSPy 3.4 vendors (`dspy._vendor.lm15`): every request seen at its transports.

DSPy's default LM engine sends its requests through lm15's own socket-based transports, not httpx, so
without this hook a DSPy app's LLM calls go unrecorded and a rerun cannot answer them.
`StdlibTransport.stream` and `StdlibAsyncTransport.stream` are where every lm15 provider sends (whole
answers read in one go, streams line by line), whoever built the provider. The response lm15 gives back
is rebuilt with its own public constructor around the same body, each chunk shown to the exchange as
lm15 reads it (lm15 undoes gzip and deflate itself: the exchange is not told the body was encoded).
In a rerun the transport is not called at all: the recorded response is served instead. A provider
given a transport of its own is not seen.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ..tracer.api import get_tracer
from ..tracer.watch import hooked
from .exchange import Exchange
from .opening import PLACEHOLDER_KEY, broken_by, open_exchange, our_failure, served_record
from .request import Outgoing
from .wire import body_chunks

_MARK = "__namel3ss_debug__"
TRANSPORTS = (("StdlibTransport", "TransportResponse"), ("StdlibAsyncTransport", "AsyncTransportResponse"))


def install(module: ModuleType) -> list[str]:
    """Wrap `stream` of lm15's two transports (`module` is `dspy._vendor.lm15.transports`); returns the
    hook points it lacks."""
    missing = [f"{module.__name__}.{name}" for pair in TRANSPORTS for name in pair if not hasattr(module, name)]
    if missing:
        return missing
    sync, asynchronous = module.StdlibTransport, module.StdlibAsyncTransport
    if not getattr(sync.stream, _MARK, False):
        sync.stream = _sync(sync.stream, module.TransportResponse)
    if not getattr(asynchronous.stream, _MARK, False):
        asynchronous.stream = _async(asynchronous.stream, module.AsyncTransportResponse)
    return []


def _sync(original: Callable[..., Any], response_class: type) -> Callable[..., Any]:
    @functools.wraps(original)
    def stream(self: Any, request: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, request)
        exchange = _opened(tracer, request)
        if exchange is None:
            return original(self, request)
        if exchange.answer is not None:
            record = _served(exchange)
            return _response(response_class, record, exchange.relay(_served_chunks(exchange, record)),
                             lambda consumed: exchange.finish(early=True))
        if tracer.rerun is not None:  # only a rerun gives out the placeholder
            _drop_placeholder(request)
        try:
            with hooked():  # recorded here, whatever lm15 sends through (http.client is noted otherwise)
                response = original(self, request)
        except BaseException as exc:
            exchange.finish(exc)
            raise
        _received(exchange, response.status, response.headers)
        return response_class(status=response.status, reason=response.reason, headers=response.headers,
                              http_version=response.http_version, chunks=exchange.relay(iter(response)),
                              release=lambda consumed: _closed(response.close, exchange))

    setattr(stream, _MARK, True)
    return stream


def _async(original: Callable[..., Any], response_class: type) -> Callable[..., Any]:
    @functools.wraps(original)
    def stream(self: Any, request: Any) -> Any:
        return _AsyncStream(original, self, request, response_class)

    setattr(stream, _MARK, True)
    return stream


class _AsyncStream:
    """What `StdlibAsyncTransport.stream` returns, as lm15 uses it: awaited, or an async context manager
    whose response is closed on the way out."""

    def __init__(self, original: Callable[..., Any], transport: Any, request: Any, response_class: type):
        self._original, self._transport, self._request = original, transport, request
        self._response_class = response_class
        self._response: Any = None

    def __await__(self) -> Any:
        return self._open().__await__()

    async def __aenter__(self) -> Any:
        self._response = await self._open()
        return self._response

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._response is not None:
            await self._response.aclose()

    async def _open(self) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await self._original(self._transport, self._request)
        exchange = _opened(tracer, self._request)
        if exchange is None:
            return await self._original(self._transport, self._request)
        if exchange.answer is not None:
            record = _served(exchange)
            return _response(self._response_class, record, exchange.arelay(_aserved_chunks(exchange, record)),
                             functools.partial(_afinished, exchange))
        if tracer.rerun is not None:
            _drop_placeholder(self._request)
        try:
            with hooked():
                response = await self._original(self._transport, self._request)
        except BaseException as exc:
            exchange.finish(exc)
            raise
        _received(exchange, response.status, response.headers)

        async def release(consumed: bool) -> None:
            try:
                await response.aclose()
            finally:
                exchange.finish(early=True)  # a no-op once the body ended

        return self._response_class(status=response.status, reason=response.reason, headers=response.headers,
                                    http_version=response.http_version, chunks=exchange.arelay(response.__aiter__()),
                                    release=release)


def _opened(tracer: Any, request: Any) -> Exchange | None:
    """The request's exchange; a failure of ours leaves the request untraced (and stops a rerun, whose
    network must stay closed)."""
    try:
        url = urlsplit(request.url)
        content_type = next((value for name, value in request.headers if name.lower() == "content-type"), "")
        body = bytes(request.body or b"")
        outgoing = Outgoing(str(request.method).upper(), url.scheme, url.netloc.rsplit("@", 1)[-1], url.path or "/",
                            url.query, content_type, body)
        return open_exchange(tracer, outgoing)
    except Exception as exc:
        our_failure(tracer, exc)
        return None


def _received(exchange: Exchange, status: int, headers: list[tuple[str, str]]) -> None:
    # lm15 undoes the content encoding as it reads: the exchange sees the body the provider gets.
    exchange.received(status, {name.lower(): value for name, value in headers if name.lower() != "content-encoding"})


def _served(exchange: Exchange) -> dict[str, Any]:
    """The recorded response record, its status and headers shown to the exchange; a recorded transport
    error (a refused connection) raised again."""
    record = served_record(exchange)  # a recorded transport error is raised again
    exchange.received(record["status"], _headers(record))
    return record


def _headers(record: dict[str, Any]) -> dict[str, str]:
    headers = record.get("headers")
    return {str(name): str(value) for name, value in headers.items()} if isinstance(headers, dict) else {}


def _response(response_class: type, record: dict[str, Any], chunks: Any, release: Callable[..., Any]) -> Any:
    return response_class(status=record["status"], reason="", headers=list(_headers(record).items()),
                          http_version="HTTP/1.1", chunks=chunks, release=release)


def _served_chunks(exchange: Exchange, record: dict[str, Any]) -> Iterator[bytes]:
    """The recorded body, a frame at a time; one that broke while it was read breaks again after them."""
    yield from body_chunks(record)
    error = broken_by(exchange, record)
    if error is not None:
        raise error


async def _aserved_chunks(exchange: Exchange, record: dict[str, Any]) -> AsyncIterator[bytes]:
    for chunk in _served_chunks(exchange, record):
        yield chunk


def _closed(close: Callable[[], None], exchange: Exchange) -> None:
    try:
        close()
    finally:
        exchange.finish(early=True)  # a no-op once the body ended


async def _afinished(exchange: Exchange, consumed: bool) -> None:
    exchange.finish(early=True)  # a no-op once the body ended


def _drop_placeholder(request: Any) -> None:
    """A rerun's placeholder key is never sent: a request that goes live (`--on-miss live`) goes without it."""
    request.headers[:] = [(name, value) for name, value in request.headers if PLACEHOLDER_KEY not in value]
