"""One HTTP request of a traced run, whatever client sent it: its span, its answer in a rerun, and
what its response records.

A client hook (`httpx_hook.py`, `requests_hook.py`) describes the request as an `Outgoing` and calls
`open_exchange`. A request to a known LLM API (`apis/`) becomes an `llm` span named after the API
(`openai.chat`, `anthropic.messages`...), with the request's parameters as inputs; any other request,
under `capture_http: "all"`, an `http` span named after the host. Under `replay --rerun` the rerun is
asked for the answer first: every request goes through it, so the network stays closed. The response,
live or replayed, is then read through the same `Exchange`: its bytes are kept as the app reads them
(never buffered ahead of it) and, when the body ends, become the span's outputs: the response as it
came (`outputs.return`: status, the headers clients read, the body or its frames) and what an LLM
API's answer means (text, tool calls, finish reason, usage, model).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from urllib.parse import parse_qsl, urlencode

from ..tracer.core import Tracer
from ..tracer.events import where_now
from . import apis
from .wire import decoded, ends_stream, frames_of, kept_body, request_body

KEPT_HEADERS = ("content-type", "retry-after", "retry-after-ms", "x-should-retry", "request-id", "x-request-id")
KEPT_HEADER_PREFIXES = ("openai-", "anthropic-", "x-ratelimit-", "ratelimit-", "x-goog-")
MAX_KEPT_BYTES = 8 * 1024 * 1024  # past this a body is measured, not kept (a download is not a model's answer)
SECRET_QUERY_NAMES = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "auth",
                                "secret", "password", "sig", "signature", "x-goog-api-key", "code"})
PLACEHOLDER_KEY = "namel3ss-debug-rerun-placeholder-key"  # what a rerun gives SDKs that demand a key


@dataclass(frozen=True)
class Outgoing:
    """A request as every client hook describes it."""

    method: str
    scheme: str
    host: str  # with its port when one was given
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def url(self) -> str:
        """The URL as the trace shows it: query values that look like secrets redacted."""
        query = [(name, "[REDACTED]" if name.lower() in SECRET_QUERY_NAMES else value)
                 for name, value in parse_qsl(self.query, keep_blank_values=True)]
        return f"{self.scheme}://{self.host}{self.path}" + (f"?{urlencode(query)}" if query else "")


@dataclass(frozen=True)
class RequestSpec:
    """A request as the rerun matches it (see `rerun/requests.py`): by its endpoint and what it asks,
    then by order among identical requests of the same thread and task."""

    component: str
    name: str
    prefix: str
    method: str
    host: str
    path: str
    lineage: tuple[str, str | None]
    mock_codec: Any = None
    codec: Any = None
    generator: bool = False
    replayable: bool = True

    @property
    def endpoint(self) -> tuple[str, str]:
        return (self.method, self.path)


@dataclass
class Exchange:
    """A request's span while its response is read."""

    tracer: Tracer
    span: Any
    api: Any
    streamed: bool
    request_bytes: int
    answer: Any = None  # the rerun's answer: a response record to serve instead of the network
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str = ""
    chunks: list[bytes] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)  # ns after the start, per chunk
    size: int = 0
    expected: int | None = None  # the body's length when the server said it (content-length)
    done: bool = False

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
        self.size += len(data)
        if self.size <= MAX_KEPT_BYTES:
            self.chunks.append(data)
            self.arrivals.append(time.perf_counter_ns() - self.span.start_ns)

    def relay(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The body's chunks, passed on as the client reads them and each shown to the exchange; the span
        ends when they run out, fail, or the reader stops early."""
        try:
            for data in chunks:
                self.chunk(data)
                yield data
        except GeneratorExit:
            self.finish(early=True)
            raise
        except BaseException as exc:
            self.finish(exc)
            raise
        self.finish()

    async def arelay(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """`relay` for an async body."""
        try:
            async for data in chunks:
                self.chunk(data)
                yield data
        except GeneratorExit:
            self.finish(early=True)
            raise
        except BaseException as exc:
            self.finish(exc)
            raise
        self.finish()

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
        self.tracer.end_span(self.span, error=error or self._status_error())

    def _describe(self, early: bool) -> None:
        span = self.span
        data, kept = self._body()
        record = {"status": self.status, "headers": self.headers, **kept}
        said = self._meaning(kept) if self.api is not None else {}
        usage, model = said.pop("usage", None), said.pop("model", None)
        span.outputs = {**said, "return": record}
        if isinstance(usage, dict) and usage:
            span.usage = usage
        if isinstance(model, str) and model:
            span.model = model
        span.set_attribute("http_status", self.status)
        span.set_attribute("request_bytes", self.request_bytes)
        span.set_attribute("response_bytes", self.size)
        ttft = self._first_token(data, kept)
        if ttft is not None:
            span.set_attribute("ttft_ms", round(ttft / 1e6, 3))
        if early and not self._whole(kept):
            span.set_attribute("closed_early", True)

    def _body(self) -> tuple[bytes, dict[str, Any]]:
        """The body as the app got it (its content encoding undone), and as the trace keeps it."""
        if self.size > MAX_KEPT_BYTES:
            return b"", {"kept": False}
        data = b"".join(self.chunks)
        if self.encoding and self.encoding != "identity":
            try:
                data = decoded(self.encoding, data)
            except Exception:  # kept as sent, with its encoding, for the client to undo in a replay
                self.headers["content-encoding"] = self.encoding
                return data, {"bytes": data}
        return data, kept_body(data, self.headers.get("content-type", ""))

    def _whole(self, kept: dict[str, Any]) -> bool:
        """Whether the body had all come when the client closed it: SDKs close a stream at its last
        event (`[DONE]`, `message_stop`), before the connection says the body ended."""
        if self.expected is not None and self.size >= self.expected:
            return True
        frames = kept.get("frames")
        return bool(frames) and ends_stream(frames[-1])

    def _meaning(self, kept: dict[str, Any]) -> dict[str, Any]:
        if self.status >= 400:
            message = self.api.error_message(kept.get("body"))
            return {"error_message": message} if message else {}
        if "frames" in kept:
            return dict(self.api.stream(kept["frames"]))
        if "body" in kept:
            return dict(self.api.response(kept["body"]))
        return {}

    def _first_token(self, data: bytes, kept: dict[str, Any]) -> int | None:
        """ns from the request to the chunk that brought the first token of a streamed answer."""
        framing = kept.get("framing")
        if self.api is None or framing is None or not self.arrivals:
            return None
        for frame, end in frames_of(framing, data):
            if self.api.is_token(frame):
                seen = 0
                for size, arrival in zip(map(len, self.chunks), self.arrivals):
                    seen += size
                    if seen >= end or self.encoding:  # compressed: offsets are not the wire's
                        return arrival
                return self.arrivals[-1]
        return None

    def _status_error(self) -> dict[str, Any] | None:
        if self.status < 400:
            return None
        outputs = self.span.outputs if isinstance(self.span.outputs, dict) else {}
        message = outputs.get("error_message") or f"the server answered {self.status}"
        return {"type": f"HTTP {self.status}", "message": str(message), "category": status_category(self.status)}


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


def _hostname(host: str) -> str:
    """An `http` span's name: the host without its port (`api.weather.com`; a local server's port changes
    from run to run, and the span's name is how mocks and reports name it)."""
    host = host.lower()
    if host.startswith("["):  # [::1]:8080
        return host[:host.find("]") + 1] or host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _kept_header(name: str) -> bool:
    name = name.lower()
    return name in KEPT_HEADERS or name.startswith(KEPT_HEADER_PREFIXES)


# -- opening ------------------------------------------------------------------------------------------
def open_exchange(tracer: Tracer, request: Outgoing) -> Exchange | None:
    """The request's exchange, or None when this run does not record it (no run, `capture_http`
    off, or `llm` and not an LLM API). In a rerun every request has one: the rerun answers it, or
    stops the app with a miss (`ReplayMiss`, raised from here), or lets it run live."""
    run = tracer.run
    if run is None:
        return None
    replaying = tracer.replay is not None
    mode = run.settings.capture_http
    if mode == "off" and not replaying:
        return None
    body = request_body(request.body, request.content_type)
    api = apis.recognise(request.method, request.host.lower(), request.path, body)
    if api is None and mode == "llm" and not replaying:
        return None
    return _open(tracer, request, api, body)


def _open(tracer: Tracer, request: Outgoing, api: Any, body: Any) -> Exchange | None:
    http = {"method": request.method, "url": request.url()}
    if api is not None:
        asked = api.request(request.path, body)
        component, name, inputs, model, streamed = "llm", api.name, asked.inputs, asked.model, asked.streamed
        attrs = {"http": http, "api": api.name, "provider": api.provider, "stream": streamed}
    else:
        component, name, model, streamed = "http", _hostname(request.host), None, False
        inputs = {"body": body} if body is not None else None
        attrs = {"http": http}
    prefix = "llm_call" if component == "llm" else "http_request"
    span = tracer.start_span(component, name, prefix, inputs=inputs, model=model, attrs=attrs, activate=False)
    if span is None:
        return None
    exchange = Exchange(tracer, span, api, streamed, len(request.body))
    if tracer.replay is not None:
        spec = RequestSpec(component, name, prefix, request.method, request.host.lower(), request.path,
                           where_now(), mock_codec=_mock_codec(api, model, streamed))
        from ..tracer.replaying import answer_for  # noqa: PLC0415 - only a rerun asks

        exchange.answer = answer_for(tracer, spec, span, inputs)
    return exchange


def _mock_codec(api: Any, model: str | None, streamed: bool) -> Any:
    """A mock's value as a response record: text becomes the API's whole answer saying it; an object
    with `status` is a response record as the trace keeps them; any other JSON is the body."""
    def codec(value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and isinstance(value.get("status"), int):
            return {"headers": {"content-type": "application/json"}, **value}
        if isinstance(value, str) and api is not None:
            return api.mock(value, model, streamed)
        if isinstance(value, str):
            return {"status": 200, "headers": {"content-type": "text/plain"}, "text": value}
        return {"status": 200, "headers": {"content-type": "application/json"}, "body": value}

    return codec


def broken_by(exchange: Exchange, record: dict[str, Any]) -> BaseException | None:
    """The error a recorded response's body broke with after its status came (a dropped connection),
    raised again after the frames it gave; None when it ended well, or failed only by its HTTP status."""
    error = exchange.answer.error
    if error is None or getattr(error, "type_name", None) == f"HTTP {record.get('status')}":
        return None
    return error


def served_record(exchange: Exchange) -> dict[str, Any]:
    """The response record a rerun's answer gives: a mock's (made by its codec) or the recorded one."""
    answer = exchange.answer
    from ..rerun.answers import MOCKED, REPLACED  # noqa: PLC0415 - only a rerun gets here
    from ..rerun.values import from_json

    if answer.source in (MOCKED, REPLACED):
        return answer.value
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    record = from_json(outputs.get("return"))
    if not isinstance(record, dict) or not isinstance(record.get("status"), int):
        raise answer.error or ValueError("the recording has no response for this request")
    if record.get("kept") is False:
        raise ValueError("the recorded response was too big to keep, so it cannot be served")
    return record
