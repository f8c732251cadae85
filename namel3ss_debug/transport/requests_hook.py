"""requests: every request seen at `HTTPAdapter.send`, where every `requests` call and `Session` sends.

The response's raw stream is wrapped, not read: `requests` reads it (all of it, or as the app iterates
with `stream=True`) through the wrapper, which shows each decoded chunk to the exchange. In a rerun
the adapter does not send: the recorded response is built by the adapter's own `build_response`.
"""

from __future__ import annotations

import collections
import functools
import io
from types import ModuleType
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from ..tracer.api import get_tracer
from ..tracer.watch import hooked
from .exchange import Exchange
from .forking import sent_to
from .opening import PLACEHOLDER_KEY, broken_by, open_forked, our_failure, served_record
from .request import Outgoing
from .wire import body_chunks

_MARK = "__namel3ss_debug__"


def install(module: ModuleType) -> list[str]:
    """Wrap `requests.adapters.HTTPAdapter.send`; returns the hook points this version lacks."""
    adapter = getattr(getattr(module, "adapters", None), "HTTPAdapter", None)
    original = getattr(adapter, "send", None)
    if adapter is None or original is None or not hasattr(adapter, "build_response"):
        return ["requests.adapters.HTTPAdapter.send"]
    if not getattr(original, _MARK, False):
        adapter.send = _send(original)
    return []


def _send(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, request, *args, **kwargs)
        exchange = _opened(tracer, request)
        if exchange is None:
            return original(self, request, *args, **kwargs)
        if exchange.answer is not None:
            return _served(self, request, exchange)
        for name in [name for name, value in request.headers.items() if PLACEHOLDER_KEY in str(value)] \
                if tracer.rerun is not None else ():  # only a rerun gives out the placeholder
            del request.headers[name]
        if exchange.sent is not None:  # a rerun's fork changed it (forking.py)
            _as_forked(request, exchange)
        try:
            with hooked():  # urllib3 sends through http.client: recorded here, not unrecorded traffic
                response = original(self, request, *args, **kwargs)
        except BaseException as exc:
            exchange.finish(exc)
            raise
        return _recorded(response, exchange)

    setattr(send, _MARK, True)
    return send


def _opened(tracer: Any, request: Any) -> Exchange | None:
    try:
        url = urlsplit(request.url)
        body = request.body
        data = body.encode("utf-8") if isinstance(body, str) else body if isinstance(body, bytes) else b""
        outgoing = Outgoing(str(request.method).upper(), url.scheme, url.netloc.rsplit("@", 1)[-1], url.path or "/",
                            url.query, str(request.headers.get("content-type") or ""), data)
        return open_forked(tracer, outgoing)
    except Exception as exc:
        our_failure(tracer, exc)
        return None


def _as_forked(request: Any, exchange: Exchange) -> None:
    """A live request as the rerun's fork sends it: its body changed, sent elsewhere."""
    body, target = exchange.sent
    request.body = body
    request.headers["Content-Length"] = str(len(body))
    if target is not None:
        request.url = target.url
        sent_to(exchange, target)


def _recorded(response: Any, exchange: Exchange) -> Any:
    # requests undoes the content encoding as it reads: the exchange sees the body the app gets.
    exchange.received(response.status_code, {k.lower(): v for k, v in response.headers.items()
                                             if k.lower() != "content-encoding"})
    response.raw = _RawBody(response.raw, exchange)
    return response


def _served(adapter: Any, request: Any, exchange: Exchange) -> Any:
    record = served_record(exchange)  # a recorded transport error is raised again
    from urllib3 import HTTPResponse  # noqa: PLC0415 - requests' own dependency

    headers = record.get("headers") if isinstance(record.get("headers"), dict) else {}
    raw = HTTPResponse(body=io.BytesIO(b""), headers=headers, status=record["status"], preload_content=False)
    response = adapter.build_response(request, raw)
    response.raw = _ServedBody(list(body_chunks(record)), broken_by(exchange, record), raw)
    return _recorded(response, exchange)


class _ServedBody:
    """A recorded body, as `requests` reads a response's raw stream: a frame at a time (`stream()`), or
    whole (`read()`); one that broke while it was read breaks again after the frames it gave. Anything
    else is the urllib3 response built from the recorded status and headers."""

    def __init__(self, chunks: list[bytes], error: BaseException | None, raw: Any):
        self._chunks, self._error, self._raw = collections.deque(chunks), error, raw

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        while self._chunks:
            yield self._chunks.popleft()
        self._broken()

    def read(self, amt: Any = None, *args: Any, **kwargs: Any) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        if not data:
            self._broken()
        return data

    def _broken(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        self._chunks.clear()

    def __getattr__(self, name: str) -> Any:
        if name in ("_chunks", "_error", "_raw"):
            raise AttributeError(name)
        return getattr(self._raw, name)


class _RawBody:
    """urllib3's response, as `requests` reads it (`stream()`, `read()`), each piece shown to the exchange."""

    def __init__(self, raw: Any, exchange: Exchange):
        self._raw, self._exchange = raw, exchange

    def stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._exchange.relay(self._raw.stream(*args, **kwargs))

    def read(self, amt: Any = None, *args: Any, **kwargs: Any) -> Any:
        try:
            data = self._raw.read(amt, *args, **kwargs)
        except BaseException as exc:
            self._exchange.finish(exc)
            raise
        if data:
            self._exchange.chunk(data)
        if not data or amt is None:
            self._exchange.finish()
        return data

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            self._exchange.finish(early=True)

    def __getattr__(self, name: str) -> Any:
        if name in ("_raw", "_exchange"):
            raise AttributeError(name)
        return getattr(self._raw, name)
