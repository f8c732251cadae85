"""The OpenTelemetry SDK's own OTLP exporters (http/protobuf or grpc), fed with our span records: for
`export --to otlp` (interop/otlp/sdk_export.py) and for live export while an app runs (`live.py`).

The packages are the optional extra `otel`; they load inside the functions that use them, and their absence
is a usage error that says how to install them. The exporter's settings come from the command line first,
then the standard variables (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `_ENDPOINT`, `_HEADERS`, `_PROTOCOL`,
`_TIMEOUT`, the `TRACES_` one before the general one), then the protocol's defaults; they are resolved here
from the environ given, so the SDK never reads the process's environment behind our back.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ..._version import __version__ as SCOPE_VERSION
from ...model.errors import UsageError
from ...model.limits import finite_at_most, shown
from ...otel.spans import SCOPE, RunResource, SpanRecord

INSTALL_HINT = "pip install 'namel3ss-debug[otel]'"
PROTOCOLS = ("http/protobuf", "grpc")
DEFAULT_ENDPOINTS = {"http/protobuf": "http://localhost:4318", "grpc": "http://localhost:4317"}
TRACES_PATH = "/v1/traces"
DEFAULT_TIMEOUT = 10.0  # seconds, as the SDK's
LOGGERS = ("opentelemetry.exporter.otlp.proto.http.trace_exporter", "opentelemetry.exporter.otlp.common.http",
            "opentelemetry.exporter.otlp.proto.grpc.exporter", "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
            "opentelemetry.sdk._shared_internal", "opentelemetry.sdk.trace.export")


@dataclass(frozen=True)
class OtlpTarget:
    """Where and how to send: the full endpoint URL (`http://host:4318/v1/traces`, or `http://host:4317` for
    grpc), the protocol, headers and the timeout of one request in seconds."""

    endpoint: str
    protocol: str = "http/protobuf"
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = DEFAULT_TIMEOUT


def resolve_target(environ: Mapping[str, str], *, endpoint: str | None = None, protocol: str | None = None,
                   headers: Sequence[str] = (), timeout: float | None = None) -> OtlpTarget:
    """The target from flags, then `OTEL_EXPORTER_OTLP_TRACES_*` / `OTEL_EXPORTER_OTLP_*`, then defaults.
    A bad protocol, header or timeout is a UsageError naming where it came from."""
    protocol_where = "--protocol" if protocol else _variable(environ, "PROTOCOL")
    chosen = protocol or (environ.get(protocol_where) if protocol_where else None) or "http/protobuf"
    if chosen not in PROTOCOLS:
        raise UsageError(f"{protocol_where or '--protocol'} = {chosen!r} is not an OTLP protocol",
                         hint=f"use one of: {', '.join(PROTOCOLS)}")
    found = [parse_header(text, "--header") for text in headers]
    header_where = _variable(environ, "HEADERS")
    if header_where and environ.get(header_where, "").strip():
        found = [parse_header(unquote(part), header_where) for part in environ[header_where].split(",")
                 if part.strip()] + found
    return OtlpTarget(_endpoint(environ, endpoint, chosen), chosen, tuple(found), _timeout(environ, timeout))


def endpoint_variable(environ: Mapping[str, str]) -> str | None:
    """The variable the endpoint comes from (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` first), or None: the default."""
    return _variable(environ, "ENDPOINT")


def _variable(environ: Mapping[str, str], name: str) -> str | None:
    """The first of `OTEL_EXPORTER_OTLP_TRACES_<NAME>`, `OTEL_EXPORTER_OTLP_<NAME>` that is set."""
    for variable in (f"OTEL_EXPORTER_OTLP_TRACES_{name}", f"OTEL_EXPORTER_OTLP_{name}"):
        if environ.get(variable, "").strip():
            return variable
    return None


def _endpoint(environ: Mapping[str, str], given: str | None, protocol: str) -> str:
    if given:
        return _with_path(given, protocol, "--endpoint")
    if environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip():  # a full URL, taken as it is
        return _checked_url(environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].strip(), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip():  # a base URL: the signal's path is added
        base = _checked_url(environ["OTEL_EXPORTER_OTLP_ENDPOINT"].strip(), "OTEL_EXPORTER_OTLP_ENDPOINT")
        return base if protocol == "grpc" else base.rstrip("/") + TRACES_PATH
    return _with_path(DEFAULT_ENDPOINTS[protocol], protocol, "default")


def _with_path(url: str, protocol: str, where: str) -> str:
    """`--endpoint http://host:4318` -> `http://host:4318/v1/traces` for HTTP; a URL with a path as it is."""
    url = _checked_url(url, where)
    if protocol == "grpc" or urlsplit(url).path not in ("", "/"):
        return url
    return url.rstrip("/") + TRACES_PATH


def _checked_url(url: str, where: str) -> str:
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # an unclosed [IPv6 address, a port that is not a number or past 65535
        valid = False
    if not valid:
        raise UsageError(f"{where} = {shown(url, 80)} is not an http:// or https:// URL",
                         hint="write it as http://HOST:PORT (4318 for http/protobuf, 4317 for grpc)")
    return parts.geturl()


def parse_header(text: str, where: str) -> tuple[str, str]:
    """`K=V` -> (k, V); the key lowercased, as HTTP/2 and gRPC metadata require."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{where} {text!r} is not KEY=VALUE", hint="write it as --header 'Authorization=Bearer TOKEN'")
    return key.strip().lower(), value.strip()


TIMEOUT_MAX = 3600.0  # seconds: an hour for one request is past any receiver's answer


def _timeout(environ: Mapping[str, str], given: float | None) -> float:
    if given is not None:
        if not (finite_at_most(given, TIMEOUT_MAX) and given > 0):
            raise UsageError(f"--timeout {given} is not a number of seconds above 0 and at most {TIMEOUT_MAX:.0f}",
                             hint="give the seconds one request may take, such as --timeout 10")
        return given
    where = _variable(environ, "TIMEOUT")
    if where is None:
        return DEFAULT_TIMEOUT
    try:
        millis = float(environ[where])
    except ValueError:
        raise UsageError(f"{where} = {shown(environ[where])} is not a number of milliseconds") from None
    if not math.isfinite(millis):
        raise UsageError(f"{where} = {shown(environ[where])} is not a number of milliseconds")
    return min(millis / 1000, TIMEOUT_MAX) if millis > 0 else DEFAULT_TIMEOUT


# -- the SDK ---------------------------------------------------------------------------------------
def require_otel(what: str) -> None:
    """Raise a UsageError (exit 2) saying how to install the extra, if its packages are missing."""
    try:
        import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: PLC0415 - the optional extra
        import opentelemetry.sdk.trace  # noqa: F401, PLC0415 - the optional extra
    except ImportError as missing:
        raise UsageError(f"{what} needs the OpenTelemetry packages ({missing.name or missing} is not installed)",
                         hint=f"install them with: {INSTALL_HINT}") from None


def make_exporter(target: OtlpTarget, session: Any = None) -> Any:
    """The SDK's OTLP span exporter for the target; `session`, a requests Session for OTLP/HTTP's requests
    (`otlp_answers`: one that keeps each answer)."""
    require_otel("OTLP export")
    if target.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # noqa: PLC0415 - the optional extra
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter(endpoint=target.endpoint, insecure=target.endpoint.startswith("http://"),
                            headers=target.headers or None, timeout=target.timeout)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415 - the optional extra
        OTLPSpanExporter as HttpExporter,
    )

    return HttpExporter(endpoint=target.endpoint, headers=dict(target.headers) or None, timeout=target.timeout,
                        session=session)


def readable_spans(spans: Iterable[SpanRecord], resource: RunResource | Any) -> Iterator[Any]:
    """SDK `ReadableSpan`s of our records (`resource`: a RunResource or a callable returning one, for a
    stream whose resource is known once its first span is out)."""
    maker = SpanMaker()
    for span in spans:
        yield maker.make(span, resource() if callable(resource) else resource)


class SpanMaker:
    """Builds SDK `ReadableSpan`s, one `Resource` per run resource (the SDK is imported when it is made)."""

    def __init__(self) -> None:
        from opentelemetry import trace as api  # noqa: PLC0415 - the optional extra
        from opentelemetry.sdk.resources import Resource  # noqa: PLC0415 - the optional extra
        from opentelemetry.sdk.trace import Event, ReadableSpan  # noqa: PLC0415 - the optional extra
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope  # noqa: PLC0415 - the optional extra

        self.api, self.Resource, self.Event, self.ReadableSpan = api, Resource, Event, ReadableSpan
        self.Scope = InstrumentationScope
        self.scopes = {SCOPE: InstrumentationScope(SCOPE, SCOPE_VERSION)}  # another's scope: by name, no version
        self.kinds = {kind.name: kind for kind in api.SpanKind}
        self.codes = {"UNSET": api.StatusCode.UNSET, "OK": api.StatusCode.OK, "ERROR": api.StatusCode.ERROR}
        self.sampled = api.TraceFlags(api.TraceFlags.SAMPLED)
        self._resource: tuple[Any, Any] = (None, None)

    def resource(self, run: RunResource | None) -> Any:
        if self._resource[0] is not run:
            attributes = dict(run.attributes) if run is not None else {"service.name": "namel3ss-run"}
            self._resource = (run, self.Resource(attributes))  # not Resource.create: no environment read
        return self._resource[1]

    def make(self, span: SpanRecord, run: RunResource | None) -> Any:
        api = self.api
        context = api.SpanContext(span.trace_id, span.span_id, is_remote=False, trace_flags=self.sampled)
        parent = (api.SpanContext(span.trace_id, span.parent_span_id, is_remote=False, trace_flags=self.sampled)
                  if span.parent_span_id is not None else None)
        events = [self.Event(event.name, event.attributes, event.time_ns) for event in span.events]
        status = api.Status(self.codes[span.status], span.status_message if span.status == "ERROR" else None)
        return self.ReadableSpan(span.name, context, parent, self.resource(run), span.attributes, events, (),
                                 self.kinds.get(span.kind, api.SpanKind.INTERNAL), status=status,
                                 start_time=span.start_ns, end_time=span.end_ns,
                                 instrumentation_scope=self.scope(span.scope))

    def scope(self, name: str) -> Any:
        found = self.scopes.get(name)
        if found is None:
            found = self.scopes[name] = self.Scope(name)
        return found


class _Heard(logging.Handler):
    """Keeps the exporter's log lines of this thread (its reasons) instead of letting them print."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())

    def filter(self, record: logging.LogRecord) -> bool:
        return True


class quiet_exporter_logs:
    """Within the block, the SDK exporters' log lines from this thread are kept (the list it yields), not printed."""

    def __enter__(self) -> list[str]:
        self.handler = _Heard()
        self.loggers = [logging.getLogger(name) for name in LOGGERS]
        self.saved = [(logger.propagate, logger.level) for logger in self.loggers]
        for logger in self.loggers:
            logger.addHandler(self.handler)
            logger.propagate = False
            logger.setLevel(logging.WARNING)
        return self.handler.lines

    def __exit__(self, *exc: object) -> None:
        for logger, (propagate, level) in zip(self.loggers, self.saved):
            logger.removeHandler(self.handler)
            logger.propagate = propagate
            logger.setLevel(level)


def reason_of(heard: list[str]) -> str:
    """The exporter's own words: the cause of its first failed try (`Transient error <cause> encountered...`)."""
    for line in heard:
        if line.startswith("Transient error ") and " encountered" in line:
            return line[len("Transient error "):line.index(" encountered")]
    return heard[-1] if heard else "the receiver did not take the spans"
