"""aiohttp: every request seen at `ClientSession._request`, where `get`, `post`, `request` and every
session an SDK or framework builds send (vcrpy hooks the same place).

The request is described from what `_request` is given (the session's URL joining and default
headers applied, a `json=` body serialized by the session's own serializer). The response body is
watched where the app reads it, not read ahead: the response's `StreamReader` becomes a subclass of
its own class that shows each piece leaving its buffer to the exchange (`read()`, `text()`, `json()`,
`async for line in resp.content`, `iter_chunked`... all take bytes out there), and ends the span when
the app has the whole body, or early when the response is released or closed first. In a rerun no
connection is opened: a real `ClientResponse` is started from the recorded status, headers and body
(`ClientResponse.start`, as a connection would), and read through the same watcher.

A `raise_for_status` (the request's or the session's) is applied here, after the response is
watched, so a rerun raises the same `ClientResponseError` from the same recorded status. WebSocket
handshakes (`ws_connect`) pass through unrecorded.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import weakref
from collections.abc import Mapping
from http import HTTPStatus
from types import ModuleType, SimpleNamespace
from typing import Any, Callable
from urllib.parse import urlencode

from ..tracer.api import get_tracer
from .exchange import Exchange
from .forking import forked, sent_to
from .opening import PLACEHOLDER_KEY, broken_by, open_exchange, our_failure, served_record
from .request import Outgoing
from .wire import body_chunks

_MARK = "__namel3ss_debug__"
_WATCHED: dict[int, tuple[Any, Exchange]] = {}  # id(reader) -> (reader, its exchange) until the body ends
_WATCHING_TYPES: dict[type, type] = {}  # a StreamReader class -> its watched subclass
_BREAKS: dict[int, tuple[Any, BaseException]] = {}  # id(served reader) -> (reader, the error its body broke with)


def install(module: ModuleType) -> list[str]:
    """Wrap `aiohttp.ClientSession._request`; returns the hook points this version lacks."""
    session = getattr(module, "ClientSession", None)
    original = getattr(session, "_request", None)
    reader = getattr(module, "StreamReader", None)
    if session is None or original is None or not hasattr(reader, "_read_nowait_chunk") \
            or not hasattr(module, "ClientResponse"):
        return ["aiohttp.ClientSession._request"]
    if not getattr(original, _MARK, False):
        session._request = _wrap(module, original)
    return []


def _wrap(module: ModuleType, original: Callable[..., Any]) -> Callable[..., Any]:
    middlewares = "middlewares" in inspect.signature(original).parameters

    @functools.wraps(original)
    async def _request(self: Any, method: str, str_or_url: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await original(self, method, str_or_url, **kwargs)
        exchange = _opened(tracer, self, method, str_or_url, kwargs)
        if exchange is None:
            return await original(self, method, str_or_url, **kwargs)
        check = kwargs.get("raise_for_status")
        check = getattr(self, "_raise_for_status", None) if check is None else check
        if exchange.answer is not None:
            response = await _served(module, self, method, str_or_url, kwargs, exchange)
        else:
            live = {**kwargs, "raise_for_status": False} if check else kwargs
            target, live = _as_forked(str_or_url, live, exchange)
            try:
                response = await original(self, method, target, **_without_placeholder(self, live, middlewares))
            except BaseException as exc:
                exchange.finish(exc)
                raise
            decompress = kwargs.get("auto_decompress")
            _watch(tracer, response, exchange, getattr(self, "_auto_decompress", True) if decompress is None
                   else decompress)
        if check:
            await _checked(response, check, exchange)
        return response

    setattr(_request, _MARK, True)
    return _request


# -- the request -------------------------------------------------------------------------------------
def _opened(tracer: Any, session: Any, method: str, str_or_url: Any, kwargs: dict[str, Any]) -> Exchange | None:
    """The request's exchange; a failure of ours leaves the request untraced (and stops a rerun)."""
    try:
        headers = session._prepare_headers(kwargs.get("headers"))
        if "upgrade" in headers:  # a WebSocket handshake: its connection becomes the socket, never a body
            return None
        url = _target(session, str_or_url, kwargs)
        body, content_type = _request_body(session, kwargs)
        given = next((str(value) for name, value in headers.items() if name.lower() == "content-type"), "")
        outgoing = Outgoing(method.upper(), url.scheme, url.raw_authority.rsplit("@", 1)[-1], url.raw_path or "/",
                            url.raw_query_string, given or content_type or "", body)
        outgoing, target = forked(tracer, outgoing)
        exchange = open_exchange(tracer, outgoing)
        if exchange is not None and (target is not None or outgoing.body is not body):
            exchange.sent = (outgoing.body, target, outgoing.content_type)
        return exchange
    except Exception as exc:
        our_failure(tracer, exc)
        return None


def _as_forked(str_or_url: Any, kwargs: dict[str, Any], exchange: Exchange) -> tuple[Any, dict[str, Any]]:
    """A live request as the rerun's fork sends it (`forking.py`): its body changed (as bytes, with its content
    type), sent to another URL (absolute, with its query: aiohttp joins only a relative one to a base URL)."""
    if exchange.sent is None:
        return str_or_url, kwargs
    body, target, content_type = exchange.sent
    headers = {name: value for name, value in (kwargs.get("headers") or {}).items() if name.lower() != "content-type"}
    changed = {**kwargs, "json": None, "data": body, "headers": {**headers, "Content-Type": content_type}}
    if target is None:
        return str_or_url, changed
    sent_to(exchange, target)
    return target.url, {**changed, "params": None}


def _target(session: Any, str_or_url: Any, kwargs: dict[str, Any]) -> Any:
    """The URL `_request` will send to: joined to the session's base URL, with `params`."""
    url = session._build_url(str_or_url)
    params = kwargs.get("params")
    return url.extend_query(params) if params else url


def _request_body(session: Any, kwargs: dict[str, Any]) -> tuple[bytes, str]:
    """The body as aiohttp will send it, and its content type when aiohttp chooses it. A form with
    files, a file or a stream is read by aiohttp as it sends, never here: it is recorded empty."""
    value, data = kwargs.get("json"), kwargs.get("data")
    if value is not None:
        serialize_bytes = getattr(session, "_json_serialize_bytes", None)  # a session given json_serialize_bytes
        serialize_text = getattr(session, "_json_serialize", json.dumps)
        dumps = serialize_bytes or serialize_text
        text = dumps(value)
        return (text.encode("utf-8") if isinstance(text, str) else bytes(text)), "application/json"
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), ""
    if isinstance(data, str):
        return data.encode("utf-8"), "text/plain; charset=utf-8"
    if isinstance(data, (Mapping, list, tuple)):
        try:
            return urlencode(data, doseq=True).encode("ascii"), "application/x-www-form-urlencoded"
        except (TypeError, ValueError):
            return b"", ""
    kept = getattr(data, "_value", None)  # an aiohttp BytesPayload (JSON, string): its bytes, already there
    if isinstance(kept, bytes):
        return kept, getattr(data, "content_type", "")
    return b"", ""


def _without_placeholder(session: Any, kwargs: dict[str, Any], middlewares: bool) -> dict[str, Any]:
    """A rerun's placeholder key is never sent: a request that goes live (`--on-miss live`) goes
    without it. The session's default headers are merged inside `_request`, so the header is taken
    out of the request aiohttp builds, by a last middleware (aiohttp 3.12+)."""
    headers = session._prepare_headers(kwargs.get("headers"))
    if not any(PLACEHOLDER_KEY in value for value in headers.values()):
        return kwargs
    if not middlewares:  # older aiohttp: the request's own headers only
        return {**kwargs, "headers": {k: v for k, v in headers.items() if PLACEHOLDER_KEY not in v}}
    chain = kwargs.get("middlewares")
    chain = getattr(session, "_middlewares", ()) if chain is None else chain
    return {**kwargs, "middlewares": (*(chain or ()), _drop_placeholder)}


async def _drop_placeholder(request: Any, handler: Callable[[Any], Any]) -> Any:
    for name in [name for name, value in request.headers.items() if PLACEHOLDER_KEY in value]:
        request.headers.popall(name, None)
    return await handler(request)


async def _checked(response: Any, check: Any, exchange: Exchange) -> None:
    """`raise_for_status` as `_request` applies it; its error ends the span if the release did not."""
    try:
        if callable(check):
            await check(response)
        else:
            response.raise_for_status()
    except BaseException as exc:
        exchange.finish(exc)
        raise


# -- the response ------------------------------------------------------------------------------------
def _watch(tracer: Any, response: Any, exchange: Exchange, decompressed: bool) -> None:
    """Show the response to the exchange; its body as the app reads it. A failure of ours ends the
    span early and leaves the response to the app (or stops a rerun)."""
    try:
        headers = {name.lower(): value for name, value in response.headers.items()}
        if decompressed and "content-encoding" in headers:  # the app reads the body decoded: so does the trace
            headers.pop("content-encoding")
            headers.pop("content-length", None)
        exchange.received(response.status, headers)
        reader = response.content
        if not _watchable(reader):  # no body: aiohttp's shared EMPTY_PAYLOAD
            exchange.finish()
        elif reader.exception() is not None:  # the body failed before the app read any
            exchange.finish(reader.exception())
        elif reader.at_eof():  # an empty body, already ended
            exchange.finish()
        else:
            reader.__class__ = _watching_type(type(reader))
            _WATCHED[id(reader)] = (reader, exchange)
            weakref.finalize(response, _dropped, id(reader), exchange)  # dropped unread: the span still ends
    except Exception as exc:
        exchange.finish(early=True)
        our_failure(tracer, exc)


def _watchable(reader: Any) -> bool:
    from aiohttp.streams import EmptyStreamReader, StreamReader  # noqa: PLC0415 - the app imported aiohttp

    return isinstance(reader, StreamReader) and not isinstance(reader, EmptyStreamReader)


def _watching_type(base: type) -> type:
    if base not in _WATCHING_TYPES:
        _WATCHING_TYPES[base] = type(base.__name__, (_Watching, base), {"__slots__": ()})
    return _WATCHING_TYPES[base]


class _Watching:
    """A response's StreamReader, watched (its class is swapped to this mixin over its own class, so
    the protocol keeps feeding the same object). Every read takes bytes out of the buffer through
    `_read_nowait_chunk`; the body has ended for the app when EOF came and the buffer is empty."""

    __slots__ = ()

    def _read_nowait_chunk(self, n: int) -> bytes:
        data: bytes = super()._read_nowait_chunk(n)  # type: ignore[misc]
        watched = _WATCHED.get(id(self))
        if watched is not None:
            watched[1].chunk(data)
            if self.at_eof():  # type: ignore[attr-defined]
                _ended(id(self))
        if not self._buffer and id(self) in _BREAKS:  # type: ignore[attr-defined]  # a served body that broke
            self.set_exception(_BREAKS.pop(id(self))[1])
        return data

    def feed_eof(self) -> None:
        super().feed_eof()  # type: ignore[misc]
        if self.at_eof():  # type: ignore[attr-defined]  # the app had read it all already
            _ended(id(self))

    def set_exception(self, exc: BaseException, *args: Any, **kwargs: Any) -> None:
        super().set_exception(exc, *args, **kwargs)  # type: ignore[misc]
        _ended(id(self), exc)


def _ended(key: int, error: BaseException | None = None, early: bool = False) -> None:
    watched = _WATCHED.pop(key, None)
    if watched is None:
        return
    if error is not None and _released(error):  # `release()` or `close()` before the body ended
        error, early = None, True
    watched[1].finish(error, early=early)


def _dropped(key: int, exchange: Exchange) -> None:
    watched = _WATCHED.get(key)
    if watched is not None and watched[1] is exchange:
        _ended(key, early=True)


def _released(error: BaseException) -> bool:
    """What `ClientResponse.release()`/`close()` sets on an unfinished body (the protocol's own
    failures are subclasses: ClientPayloadError, ServerDisconnectedError, timeouts)."""
    from aiohttp import ClientConnectionError  # noqa: PLC0415 - aiohttp: imported by the app when this runs

    return type(error) is ClientConnectionError and error.args == ("Connection closed",)


# -- a rerun -----------------------------------------------------------------------------------------
async def _served(module: ModuleType, session: Any, method: str, str_or_url: Any, kwargs: dict[str, Any],
                    exchange: Exchange) -> Any:
    """The rerun's answer as a `ClientResponse`, read through the same watcher as a live one, so its
    span says what the recorded span said."""
    record = served_record(exchange)  # a recorded transport error is raised again
    tracer = get_tracer()
    try:
        response = await _started(module, session, method.upper(), _target(session, str_or_url, kwargs),
                                  session._prepare_headers(kwargs.get("headers")), record, broken_by(exchange, record))
    except Exception as exc:
        exchange.finish(exc)
        our_failure(tracer, exc)
        raise  # not reached: our_failure raises in a rerun
    _watch(tracer, response, exchange, decompressed=False)
    return response


async def _started(module: ModuleType, session: Any, method: str, url: Any, sent: Any,
                   record: dict[str, Any], broken: BaseException | None) -> Any:
    """A `ClientResponse` started, as over a connection, on the recorded status, headers and body (a body
    that broke breaks again after what it gave)."""
    from multidict import CIMultiDict, CIMultiDictProxy  # noqa: PLC0415 - aiohttp's own dependency

    loop = asyncio.get_running_loop()
    offline = _Offline()
    reader = module.StreamReader(offline, 2**16, loop=loop)
    chunks = list(body_chunks(record))
    if "frames" in record:  # a stream: one HTTP chunk per frame, as `iter_chunks()` saw them
        reader.begin_http_chunk_receiving()
    for chunk in chunks:
        reader.feed_data(chunk)
        if "frames" in record:
            reader.end_http_chunk_receiving()
    if broken is None:
        reader.feed_eof()
    elif not chunks:
        reader.set_exception(broken)
    else:  # set once the app has read what came before it, as a dropped connection's is
        _BREAKS[id(reader)] = (reader, broken)
    status = record["status"]
    headers = CIMultiDict(record.get("headers") if isinstance(record.get("headers"), dict) else {})
    offline.answer = (SimpleNamespace(
        version=module.HttpVersion11, code=status, reason=_reason(status), headers=CIMultiDictProxy(headers),
        raw_headers=tuple((name.encode(), value.encode()) for name, value in headers.items())), reader)
    response_class = getattr(session, "_response_class", None) or module.ClientResponse
    info = module.RequestInfo(url, method, CIMultiDictProxy(CIMultiDict(sent)), url)
    response = response_class(method, url, **_accepted(response_class, {
        "writer": None, "continue100": None, "timer": None, "request_info": info, "traces": [], "loop": loop,
        "session": session, "stream_writer": offline}))
    return await response.start(offline)


def _accepted(cls: type[Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments this aiohttp version's ClientResponse takes."""
    parameters = inspect.signature(cls.__init__).parameters
    return {name: value for name, value in arguments.items() if name in parameters}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class _Offline:
    """The connection a served response is started on, its protocol, and its body's protocol: it
    answers `read()` with the recorded response and sends nothing."""

    upgraded = False
    connected = True
    output_size = 0  # as the request's stream writer: nothing was sent
    transport = None

    def __init__(self) -> None:
        self.answer: tuple[Any, Any] | None = None
        self.protocol = self

    async def read(self) -> tuple[Any, Any]:
        assert self.answer is not None
        return self.answer

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass

    def add_callback(self, callback: Callable[[], None]) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass
