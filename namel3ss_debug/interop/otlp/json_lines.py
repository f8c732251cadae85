"""The OTLP/JSON encoding of span records, as the OpenTelemetry Collector's file exporter writes it.

One `ExportTraceServiceRequest` JSON object a line (`{"resourceSpans": [...]}`), field names in lowerCamelCase,
trace and span ids as hex, times as decimal strings of ns, enums as integers, attribute values as `AnyValue`
objects. Stdlib only: no OpenTelemetry package is needed to write it (tests parse it with protobuf's own
`json_format` to prove it is the protocol's).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from ..._version import __version__ as SCOPE_VERSION
from ...otel.spans import SCOPE, RunResource, SpanEvent, SpanRecord

BATCH = 512  # spans a line (a request), as a Collector's batch processor would send them
_KINDS = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}  # protobuf's JSON spelling
_STATUS = {"UNSET": 0, "OK": 1, "ERROR": 2}


# The run's resource, or a callable giving it: a stream's resource is known once its first span is out.
Resource = RunResource | Callable[[], RunResource | None] | None


def write_otlp_json(spans: Iterable[SpanRecord], resource: Resource, out: IO[str], batch: int = BATCH) -> int:
    """Write the spans as OTLP/JSON lines of at most `batch` spans each; returns the number of spans.
    `resource` may be a callable returning it, for streams whose resource is known after the first span."""
    count = 0
    pending: list[SpanRecord] = []
    for span in spans:
        pending.append(span)
        if len(pending) >= batch:
            out.write(request_line(pending, _resolved(resource)))
            count += len(pending)
            pending = []
    if pending or count == 0:
        out.write(request_line(pending, _resolved(resource)))
        count += len(pending)
    return count


def _resolved(resource: Resource) -> RunResource:
    value = resource() if callable(resource) else resource
    return value if value is not None else RunResource({"service.name": "namel3ss-run"})


def request_line(spans: list[SpanRecord], resource: RunResource) -> str:
    return json.dumps(request(spans, resource), ensure_ascii=False, separators=(",", ":")) + "\n"


def request(spans: list[SpanRecord], resource: RunResource) -> dict[str, Any]:
    """One `ExportTraceServiceRequest` as JSON data: the spans grouped by instrumentation scope (ours, and
    that of each span that came from another instrumentation), in the order each scope first appears."""
    by_scope: dict[str, list[dict[str, Any]]] = {SCOPE: []} if not spans else {}
    for span in spans:
        by_scope.setdefault(span.scope, []).append(span_json(span))
    return {"resourceSpans": [{
        "resource": {"attributes": key_values(resource.attributes)},
        "scopeSpans": [{"scope": _scope(name), "spans": found} for name, found in by_scope.items()],
    }]}


def _scope(name: str) -> dict[str, str]:
    return {"name": name, "version": SCOPE_VERSION} if name == SCOPE else {"name": name}


def span_json(span: SpanRecord) -> dict[str, Any]:
    found: dict[str, Any] = {
        "traceId": f"{span.trace_id:032x}",
        "spanId": f"{span.span_id:016x}",
        "name": span.name,
        "kind": _KINDS.get(span.kind, 1),
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns),
        "attributes": key_values(span.attributes),
        "status": _status(span),
    }
    if span.parent_span_id is not None:
        found["parentSpanId"] = f"{span.parent_span_id:016x}"
    if span.events:
        found["events"] = [_event(event) for event in span.events]
    return found


def _status(span: SpanRecord) -> dict[str, Any]:
    status: dict[str, Any] = {"code": _STATUS[span.status]} if span.status != "UNSET" else {}
    if span.status_message:
        status["message"] = span.status_message
    return status


def _event(event: SpanEvent) -> dict[str, Any]:
    return {"timeUnixNano": str(event.time_ns), "name": event.name, "attributes": key_values(event.attributes)}


def key_values(attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": any_value(value)} for key, value in attributes.items()]


def any_value(value: Any) -> dict[str, Any]:
    """An attribute value as OTLP/JSON's `AnyValue` (int64 as a decimal string, as protobuf's JSON mapping)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value if math.isfinite(value) else _NON_FINITE[str(value)]}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [any_value(item) for item in value]}}
    return {"stringValue": str(value)}
