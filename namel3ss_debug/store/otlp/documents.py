"""The spans of OTLP/JSON documents (`ExportTraceServiceRequest`), checked and decoded, with no meaning yet.

What is read (opentelemetry-proto `trace/v1/trace.proto`, `common/v1/common.proto`, and the OTLP/JSON rules
of the OTLP specification): `resourceSpans[].resource.attributes`, `.scopeSpans[].scope.name` (or the old
`instrumentationLibrarySpans[].instrumentationLibrary`), `.spans[]` with `traceId`, `spanId`,
`parentSpanId`, `name`, `kind`, `startTimeUnixNano`, `endTimeUnixNano`, `attributes`, `events[]`,
`status {code, message}`. Tolerated as writers make them: ids in hex (the specification, the Collector's
file exporter) or base64 (protobuf's own `json_format`); keys in lowerCamelCase or snake_case; enums as
numbers or names; 64-bit integers as strings or numbers.

A span with a problem (a missing or malformed id, a time that is not a number, a value of the wrong type)
is reported by `SpanProblem` with its JSON path and left out; the rest of the document is read.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..problems import shown
from ...model.json_types import JsonObject, JsonValue

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
_CODES = {0: "UNSET", 1: "OK", 2: "ERROR"}
_MAX_DEPTH = 32  # nested arrayValue / kvlistValue beyond this make the span a problem
_INT64 = range(-(2**63), 2**63)
# Times are unsigned 64-bit nanoseconds; v1 writes four-digit years, and 2**64 ns is in 2554.
_MAX_NANOS = 2**64 - 1
_DIGITS = re.compile(r"[0-9]{1,20}")


@dataclass
class SpanProblem:
    """Why one span (at `path` in the document) was left out."""

    path: str
    why: str


@dataclass
class OtlpEvent:
    name: str
    time_ns: int
    attributes: JsonObject


@dataclass
class OtlpSpan:
    """One span, decoded: ids as lowercase hex, times in nanoseconds, attributes as plain values."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int | None
    attributes: JsonObject
    events: list[OtlpEvent]
    status: str
    status_message: str
    resource: JsonObject
    scope: str
    order: int = 0  # place in the file, for a stable order between equal times
    path: str = ""
    line: int = 0  # the file's line its request begins on (0: not known), and that line's byte offset
    offset: int = 0
    links: list[dict[str, str]] = field(default_factory=list)


def is_otlp_request(obj: JsonValue) -> bool:
    """True for an OTLP/JSON trace request (what the Collector's file exporter writes on each line)."""
    return isinstance(obj, dict) and "v" not in obj and (
        isinstance(obj.get("resourceSpans"), list) or isinstance(obj.get("resource_spans"), list))


def spans_of(request: JsonObject, order: int = 0, line: int = 0, offset: int = 0,
             ) -> Iterator[OtlpSpan | SpanProblem]:
    """Each span of one request, or the problem that keeps it out; `order` numbers them on from there, and
    `line` / `offset` say where in its file the request begins."""
    for r, resource_spans in enumerate(_list(request, "resourceSpans", "request")):
        where = f"resourceSpans[{r}]"
        if not isinstance(resource_spans, dict):
            yield SpanProblem(where, "not a JSON object")
            continue
        try:
            resource = attributes_of(_dict(_get(resource_spans, "resource") or {}, where + ".resource"),
                                     where + ".resource")
        except ValueError as error:
            yield SpanProblem(where, str(error))
            continue
        scopes = _get(resource_spans, "scopeSpans")
        key = "scopeSpans" if scopes is not None else "instrumentationLibrarySpans"
        for s, scope_spans in enumerate(_list(resource_spans, key, where)):
            place = f"{where}.{key}[{s}]"
            if not isinstance(scope_spans, dict):
                yield SpanProblem(place, "not a JSON object")
                continue
            scope = _get(scope_spans, "scope") or _get(scope_spans, "instrumentationLibrary") or {}
            scope_name = scope.get("name") if isinstance(scope, dict) else None
            for n, span in enumerate(_list(scope_spans, "spans", place)):
                order += 1
                at = f"{place}.spans[{n}]"
                try:
                    found = _span(span, resource, scope_name if isinstance(scope_name, str) else "", order, at)
                    found.line, found.offset = line, offset
                    yield found
                except ValueError as error:
                    yield SpanProblem(at, str(error))


def _span(span: JsonValue, resource: JsonObject, scope: str, order: int, at: str) -> OtlpSpan:
    span = _dict(span, at)
    status = _get(span, "status") or {}
    if not isinstance(status, dict):
        raise ValueError(f"status is not an object: {shown(status)}")
    start = _nanos(_get(span, "startTimeUnixNano"), "startTimeUnixNano", required=True)
    end = _nanos(_get(span, "endTimeUnixNano"), "endTimeUnixNano")
    name = _get(span, "name")
    if not isinstance(name, str):
        raise ValueError(f"name is not a string: {shown(name)}")
    message = status.get("message") or ""
    if not isinstance(message, str):
        raise ValueError(f"status.message is not a string: {shown(message)}")
    return OtlpSpan(
        trace_id=_id(_get(span, "traceId"), 16, "traceId"), span_id=_id(_get(span, "spanId"), 8, "spanId"),
        parent_span_id=_id(_get(span, "parentSpanId"), 8, "parentSpanId", optional=True),
        name=name, kind=_enum(_get(span, "kind"), _KINDS, "SPAN_KIND_", "kind", "INTERNAL"),
        start_ns=start or 0, end_ns=end if end else None,
        attributes=attributes_of(span, at), events=_events(span), links=_links(span),
        status=_enum(status.get("code"), _CODES, "STATUS_CODE_", "status.code", "UNSET"),
        status_message=message, resource=resource, scope=scope, order=order, path=at,
    )


def _events(span: JsonObject) -> list[OtlpEvent]:
    events = []
    for index, event in enumerate(_list(span, "events", "span")):
        event = _dict(event, f"events[{index}]")
        name = event.get("name", "")
        if not isinstance(name, str):
            raise ValueError(f"events[{index}].name is not a string: {shown(name)}")
        time_ns = _nanos(_get(event, "timeUnixNano"), f"events[{index}].timeUnixNano", required=True) or 0
        events.append(OtlpEvent(name, time_ns, attributes_of(event, f"events[{index}]")))
    return events


def _links(span: JsonObject) -> list[dict[str, str]]:
    links = []
    for index, link in enumerate(_list(span, "links", "span")):
        link = _dict(link, f"links[{index}]")
        links.append({"trace_id": _id(_get(link, "traceId"), 16, f"links[{index}].traceId"),
                      "span_id": _id(_get(link, "spanId"), 8, f"links[{index}].spanId")})
    return links


# -- values -----------------------------------------------------------------------------------------

def attributes_of(holder: JsonObject, where: str) -> JsonObject:
    """`attributes: [{key, value: AnyValue}]` as a dict of plain values (a repeated key: the last wins)."""
    found: JsonObject = {}
    for index, pair in enumerate(_list(holder, "attributes", where)):
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise ValueError(f"attributes[{index}] is not a {{key, value}} object: {shown(pair)}")
        found[pair["key"]] = any_value(pair.get("value"), f"attribute {pair['key']!r}")
    return found


def any_value(value: JsonValue, what: str, depth: int = 0) -> JsonValue:
    """An OTLP `AnyValue` as a plain value; an empty or absent one is None."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"{what}: not an AnyValue (one of stringValue, intValue, ...): {shown(value)}")
    (kind, inner), = value.items()
    if kind in ("stringValue", "string_value") and isinstance(inner, str):
        return inner
    if kind in ("boolValue", "bool_value") and isinstance(inner, bool):
        return inner
    if kind in ("intValue", "int_value"):
        return _integer(inner, what)
    if kind in ("doubleValue", "double_value"):
        return _double(inner, what)
    if kind in ("bytesValue", "bytes_value") and isinstance(inner, str):
        return {"base64": inner}
    nested = kind in ("arrayValue", "array_value", "kvlistValue", "kvlist_value") and isinstance(inner, dict)
    if nested and depth >= _MAX_DEPTH:
        raise ValueError(f"{what}: arrays or lists nested more than {_MAX_DEPTH} levels deep")
    if nested and kind.startswith("array"):
        return [any_value(item, what, depth + 1) for item in _list(inner, "values", what)]
    if nested:
        return {pair.get("key"): any_value(pair.get("value"), what, depth + 1)
                for pair in _list(inner, "values", what) if isinstance(pair, dict)}
    raise ValueError(f"{what}: {kind} of the wrong type: {shown(inner)}")


def _integer(value: JsonValue, what: str) -> int:
    """An `intValue`: a 64-bit integer, as a number or a string of digits."""
    number = value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        number = int(value) if len(value) <= 20 else 2**64  # past every 64-bit integer, however long
    if not isinstance(number, int) or isinstance(number, bool):
        raise ValueError(f"{what}: intValue is not an integer: {shown(value)}")
    if number not in _INT64:
        raise ValueError(f"{what}: intValue is past a 64-bit integer's range: {shown(value)}")
    return number


def _double(value: JsonValue, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):  # protobuf's JSON writes NaN and Infinity as strings
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"{what}: doubleValue is not a number: {shown(value)}")


def _nanos(value: JsonValue, what: str, required: bool = False) -> int | None:
    """A time: unsigned 64-bit nanoseconds since 1970, as a number or a string of digits (0: none)."""
    if value is None or value in ("", "0", 0):
        if required:
            raise ValueError(f"{what} is missing")
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_NANOS:
        return value
    raise ValueError(f"{what} is not a time in nanoseconds since 1970 (0 to 2**64-1): {shown(value)}")


def _id(value: JsonValue, size: int, what: str, optional: bool = False) -> JsonValue:
    """An id as lowercase hex: hex as the OTLP/JSON rules say, or base64 as protobuf's json_format writes."""
    if value is None or value == "":
        if optional:
            return None
        raise ValueError(f"{what} is missing")
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a string: {shown(value)}")
    if len(value) == 2 * size and _HEX.match(value):
        found = value.lower()
    else:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            raise ValueError(f"{what} is not {size} bytes in hex: {shown(value)}")
        found = raw.hex()
    if found == "0" * (2 * size):
        if optional:
            return None
        raise ValueError(f"{what} is all zeros, which OpenTelemetry calls invalid")
    return found


def _enum(value: JsonValue, names: dict[int, str], prefix: str, what: str, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value in names:
        return names[value]
    if isinstance(value, str) and value.removeprefix(prefix) in names.values():
        return value.removeprefix(prefix)
    raise ValueError(f"{what} is not one of {', '.join(prefix + n for n in names.values())}: {shown(value)}")


def _get(holder: JsonObject, camel: str) -> JsonValue:
    """A field by its lowerCamelCase name or its proto (snake_case) name."""
    if camel in holder:
        return holder[camel]
    return holder.get(re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel))


def _list(holder: JsonObject, camel: str, where: str) -> list[JsonValue]:
    value = _get(holder, camel)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where}: {camel} is not a list: {shown(value)}")
    return value


def _dict(value: JsonValue, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not a JSON object: {shown(value)}")
    return value
