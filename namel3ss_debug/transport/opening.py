"""Opening a request's exchange: whether this run records it, its span, and in a rerun its answer.

A request to a known LLM API (`apis/`) becomes an `llm` span named after the API (`openai.chat`,
`anthropic.messages`...), with the request's parameters as inputs; any other request, under
`capture_http: "all"`, an `http` span named after the host. Under `replay --rerun` the rerun is asked for
the answer first: every request goes through it, so the network stays closed.
"""

from __future__ import annotations

from typing import Any

from ..model.rerun_protocol import GIVEN, RequestSpec, RerunStop
from ..model.values import from_json
from ..tracer.context import current
from ..tracer.core import Tracer
from ..tracer.events import where_now
from ..tracer.ours import doing_our_work
from ..tracer.answering import answer_for
from . import apis
from .agents import place_request
from .exchange import Exchange
from .forking import forked
from .request import Outgoing, hostname
from .tool_wire import record_wire_tools
from .wire import request_body

PLACEHOLDER_KEY = "namel3ss-debug-rerun-placeholder-key"  # what a rerun gives SDKs that demand a key
OTEL_SOURCE = "opentelemetry"  # attrs.source of a span made from an OpenTelemetry span (integrations/otel)


def open_exchange(tracer: Tracer, request: Outgoing) -> Exchange | None:
    """The request's exchange, or None when this run does not record it (no run, `capture_http`
    off, or `llm` and not an LLM API). In a rerun every request has one: the rerun answers it, or
    stops the app with a miss (`RerunMiss`, raised from here), or lets it run live."""
    run = tracer.run
    if run is None or doing_our_work():  # the live export's own request: never the app's
        return None
    rerunning = tracer.rerun is not None
    mode = run.settings.capture_http
    if mode == "off" and not rerunning:
        return None
    body = request_body(request.body, request.content_type)
    api = apis.recognise(request.method, request.host.lower(), request.path, body)
    if api is None and mode == "llm" and not rerunning:
        return None
    return _open(tracer, request, api, body)


def open_forked(tracer: Tracer, outgoing: Outgoing) -> Exchange | None:
    """`open_exchange` for the request as a rerun's fork sends it (`forking.py`); when the fork changed its
    body or target, the exchange's `sent` says what to send instead: `(body, target)`."""
    outgoing_forked, target = forked(tracer, outgoing)
    exchange = open_exchange(tracer, outgoing_forked)
    if exchange is not None and (target is not None or outgoing_forked.body is not outgoing.body):
        exchange.sent = (outgoing_forked.body, target)
    return exchange


def _open(tracer: Tracer, request: Outgoing, api: Any, body: Any) -> Exchange | None:
    http = {"method": request.method, "url": request.url()}
    wrapper = _otel_llm_span(tracer) if api is not None else None
    placed = None
    if api is not None:
        record_wire_tools(tracer, api.name, body)  # the tools whose results it carries, run since the last answer
        placed = place_request(tracer, api.name, body, own_span=wrapper is None)  # its conversation's agent
        asked = api.request(request.path, body)
        component, name, inputs, model, streamed = "llm", api.name, asked.inputs, asked.model, asked.streamed
        attrs = {"http": http, "api": api.name, "provider": api.provider, "stream": streamed}
        if wrapper is not None:  # the call is the OpenTelemetry LLM span's: this is its request
            component = "http"
            wrapper.request = inputs  # what the span says it was asked, where its attributes do not
    else:
        component, name, model, streamed = "http", hostname(request.host), None, False
        inputs = {"body": body} if body is not None else None
        attrs = {"http": http}
    prefix = "llm_call" if component == "llm" else "http_request"
    span = tracer.start_span(component, name, prefix, inputs=inputs, model=model, attrs=attrs, activate=False,
                             parent_id=placed.parent_id if placed is not None else None)
    if span is None:
        if placed is not None:  # no call to wait for: its conversation does not count it in flight
            placed.answered(None, None, True)
        return None
    if placed is not None:
        placed.opened(wrapper if wrapper is not None else span)
    exchange = Exchange(tracer if wrapper is None else _HandOver(tracer, wrapper), span, api, streamed,
                        len(request.body), placed=placed)
    if tracer.rerun is not None:
        spec = RequestSpec(component, name, prefix, request.method, request.path, where_now(),
                           mock_codec=MockCodec(api, model, streamed), query=request.shown_query())
        exchange.answer = answer_for(tracer, spec, span, inputs)
    return exchange


def _otel_llm_span(tracer: Tracer) -> Any:
    """The current span when it is an `llm` span made from an OpenTelemetry span (an instrumentation
    wrapping an SDK call), whose request this is; else None."""
    span = current.get()
    if span is None or span.run is not tracer.run or span.component != "llm":
        return None
    attrs = span.attrs
    return span if isinstance(attrs, dict) and attrs.get("source") == OTEL_SOURCE else None


class _HandOver:
    """The tracer as the exchange of a request made inside an OpenTelemetry `llm` span sees it: the
    request is recorded as an `http` span (its response kept, so a rerun serves it), and when it ends
    its usage, model, text and tool calls go to the `llm` span, so the call is counted and priced once,
    and its tool call ids are linked to the `llm` span."""

    def __init__(self, tracer: Tracer, llm: Any):
        self._tracer, self._llm = tracer, llm

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tracer, name)

    def end_span(self, span: Any, **ending: Any) -> None:
        try:
            hand_over(span, self._llm)
        except Exception as exc:  # the llm span goes without them; the request is still recorded
            span.run.recorder.note_failure(exc)
        self._tracer.end_span(span, **ending)


def hand_over(http: Any, llm: Any) -> None:
    """Move what the response said from the `http` span to the `llm` span that wrapped it (the `llm`
    span keeps what its own attributes say when it ends)."""
    if http.usage:
        llm.usage = llm.usage or dict(http.usage)
        http.usage = None  # priced once, on the llm span
    if http.model and not llm.model:
        llm.model = http.model
    said = http.outputs if isinstance(http.outputs, dict) else {}
    handed = {key: said[key] for key in ("text", "tool_calls", "finish_reason") if key in said}
    if handed:
        llm.outputs = {**handed, **(llm.outputs if isinstance(llm.outputs, dict) else {})}


class MockCodec:
    """A mock's value as a response record: a text, or an assistant message (`{"content", "tool_calls"}`),
    becomes the API's whole answer saying it (`apis.neutral_record`); an object with an integer `status` is a
    response record as the trace keeps them; any other JSON is the body. A value the API cannot say raises
    (a ValueError the rerun reports as a miss, naming the call). `for_call(KEY)`: the codec of the rerun's call
    KEY, which makes the ids of the tool calls it answers with from KEY, so no two calls share one."""

    def __init__(self, api: Any, model: str | None, streamed: bool, key: str = ""):
        self.api, self.model, self.streamed, self.key = api, model, streamed, key
        self.__qualname__ = f"{api.name if api is not None else 'an HTTP'} response"  # what a miss names

    def for_call(self, key: str) -> MockCodec:
        return MockCodec(self.api, self.model, self.streamed, key)

    def __call__(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and isinstance(value.get("status"), int):
            return {"headers": {"content-type": "application/json"}, **value}
        if self.api is not None and (isinstance(value, str) or apis.is_message(value)):
            return apis.neutral_record(self.api, value, self.model, self.streamed, self.key)
        if isinstance(value, str):
            return {"status": 200, "headers": {"content-type": "text/plain"}, "text": value}
        if apis.is_message(value):
            raise ValueError("an assistant message answers an LLM request only, and this one is no known LLM API")
        return {"status": 200, "headers": {"content-type": "application/json"}, "body": value}


def broken_by(exchange: Exchange, record: dict[str, Any]) -> BaseException | None:
    """The error a recorded response's body broke with after its status came (a dropped connection),
    raised again after the frames it gave; None when it ended well, or failed only by its HTTP status."""
    error: BaseException | None = exchange.answer.error  # an `Answer` (rerun/answers.py)
    if error is None or getattr(error, "type_name", None) == f"HTTP {record.get('status')}":
        return None
    return error


def served_record(exchange: Exchange) -> dict[str, Any]:
    """The response record a rerun's answer gives, the answer made ready for the exchange's span: a mock's (made by
    its codec) or the recorded one. A recorded transport error (a refused connection, a timeout) is raised again,
    and ends the span with it."""
    try:
        exchange.answer.prepare(exchange.span)
        return _record_of(exchange)
    except BaseException as exc:
        exchange.finish(exc)
        raise


def _record_of(exchange: Exchange) -> dict[str, Any]:
    answer = exchange.answer
    if answer.source in GIVEN:
        given: dict[str, Any] = answer.value  # made by the codec: a response record
        return given
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    record = from_json(outputs.get("return"))
    if not isinstance(record, dict) or not isinstance(record.get("status"), int):
        if answer.error is not None:  # it failed before a response came (a refused connection): again
            raise answer.error
        raise RerunStop(f"{answer.recorded_key}: the recording has no response to serve for this request")
    if record.get("kept") is False:
        raise RerunStop(f"{answer.recorded_key}: its recorded response was too big to keep, so it cannot be served")
    return record


def our_failure(tracer: Any, exc: Exception) -> None:
    """A failure of ours while opening an exchange: counted, and the request goes unrecorded; in a rerun,
    whose network must stay closed, it stops the app instead."""
    if tracer.rerun is not None:
        raise RerunStop(f"namel3ss-debug could not answer an HTTP request: {type(exc).__name__}: {exc}") from exc
    if tracer.run is not None:
        tracer.run.recorder.note_failure(exc)
    return None
