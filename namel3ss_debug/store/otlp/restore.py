"""Our own events back from the `namel3ss.*` attributes our OTLP export writes, so that a run sent out as
OTLP/JSON and read back is the run it was. The names are `namel3ss_debug/otel/spans.py`'s
(`event_fields`, `span_fields`):

- a span: its start's fields as `namel3ss.<field>` (`event_type`, `component`, `name`, `span_id`,
  `parent_id`, `seq`, `thread`, `task`, `pid`, `inputs` as JSON, `attrs.<key>`), its end's
  (`status`, `duration_ms`, `model`, `cost_usd`, `memory_mb`, `usage.<key>`, `outputs` as JSON) under the
  same names, and the end's own `end_event_type`, `end_seq`, `end_thread`, `end_task`, `end_pid`,
  `end_inputs`, `end_attrs.<key>`; `namel3ss.unclosed` when the run never ended it. Its error is the
  `exception` event's `exception.type` / `.message` / `.stacktrace` with `namel3ss.error.category`.
- an instant event: a span event (or, with `namel3ss.instant`, a zero-length span) with the same
  `namel3ss.<field>` attributes.

Times come from the span's start and end (exact to the microsecond, as we write them). An attribute
holding JSON text where we keep an object (`attrs.<key>` values written as JSON) is decoded.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Callable

from ...model.events import is_startup
from ...model.json_types import JsonEvent, JsonObject, JsonValue
from .documents import OtlpEvent, OtlpSpan

PREFIX = "namel3ss."
ToIso = Callable[[int], str]  # nanoseconds since the epoch -> ISO 8601 text (`reader.ns_to_iso`)
_IDENTITY = ("event_type", "component", "name", "span_id", "parent_id", "seq", "status")
_START = ("thread", "task", "pid")
_END = ("duration_ms", "model", "cost_usd", "memory_mb")
_END_OWN = ("thread", "task", "pid")
_ERROR_KEYS = ("exception.type", "exception.message", "exception.stacktrace")


def is_ours(attributes: JsonObject) -> bool:
    """True when `attributes` carry our own event (our export wrote them)."""
    return isinstance(attributes.get(PREFIX + "event_type"), str)


def is_run_span(span: OtlpSpan) -> bool:
    return span.attributes.get(PREFIX + "event_type") == "run_start"


def span_events(span: OtlpSpan, run_id: str, to_iso: ToIso) -> list[tuple[int, JsonEvent]]:
    """The v1 events one of our spans was made from: start (and end unless unclosed), or one instant."""
    ours = _fields(span.attributes)
    if ours.get("instant"):
        event = _event(ours, run_id, to_iso(span.start_ns))
        _error(event, ours, span.events)
        return [(span.start_ns, event)]
    start = _event(ours, run_id, to_iso(_own_start(ours, span)), status="started")
    for key in _START:
        _put(start, key, ours.get(key))
    _put(start, "model", ours.get("start_model"))  # the end's model is `model`; a start's own, if written
    _put(start, "inputs", ours.get("inputs"))
    _put(start, "attrs", ours.get("attrs"))
    found = [(span.start_ns, start)]
    if ours.get("unclosed"):
        return found
    end = _event(ours, run_id, to_iso(span.end_ns or span.start_ns), event_type=ours.get("end_event_type"),
                 seq=ours.get("end_seq"))
    for key in _END:
        _put(end, key, ours.get(key))
    for key in _END_OWN:
        _put(end, key, ours.get("end_" + key))
    _put(end, "usage", ours.get("usage"))
    _put(end, "outputs", ours.get("outputs"))
    _put(end, "inputs", ours.get("end_inputs"))
    _put(end, "attrs", ours.get("end_attrs"))
    _unpriced(end)
    _error(end, ours, [e for e in span.events if e.name == "exception" and not is_ours(e.attributes)])
    found.append((span.end_ns or span.start_ns, end))
    return found


def _unpriced(end: JsonEvent) -> None:
    """A cost the export priced (`attrs.cost_priced_by`, ops/export.py) was not recorded: the call comes back
    without it, as it was written, and readers price it again."""
    attrs = end.get("attrs")
    if isinstance(attrs, dict) and "cost_priced_by" in attrs:
        end.pop("cost_usd", None)
        rest = {key: value for key, value in attrs.items() if key != "cost_priced_by"}
        if rest:
            end["attrs"] = rest
        else:
            end.pop("attrs")


def is_startup_event(otel_event: OtlpEvent) -> bool:
    """The run's start-up span, which our export writes as an event of the run's span (at the start-up's
    start, the run's span beginning where it ended)."""
    attributes = otel_event.attributes
    return is_ours(attributes) and is_startup(attributes.get(PREFIX + "event_type"),
                                              attributes.get(PREFIX + "component"), attributes.get(PREFIX + "name"))


def startup_events(run_span: OtlpSpan, otel_event: OtlpEvent, run_id: str,
                   to_iso: ToIso) -> list[tuple[int, JsonEvent]]:
    """The start-up span's start and end, from its event on the run's span."""
    startup = replace(run_span, attributes=otel_event.attributes, start_ns=otel_event.time_ns,
                      end_ns=max(otel_event.time_ns, run_span.start_ns), events=[])
    return span_events(startup, run_id, to_iso)


def instant_event(otel_event: OtlpEvent, run_id: str, to_iso: ToIso) -> JsonEvent:
    """One of our instant events, written as a span event."""
    ours = _fields(otel_event.attributes)
    event = _event(ours, run_id, to_iso(otel_event.time_ns))
    for key in (*_START, *_END):
        _put(event, key, ours.get(key))
    for key in ("usage", "inputs", "outputs", "attrs"):
        _put(event, key, ours.get(key))
    _error(event, ours, [otel_event] if any(k in otel_event.attributes for k in _ERROR_KEYS) else [])
    return event


def _own_start(ours: JsonObject, span: OtlpSpan) -> int:
    """Where the span began: `namel3ss.start_ns` when its OpenTelemetry start is later (the run's span, which
    goes out from the end of its start-up)."""
    given = ours.get("start_ns")
    return given if isinstance(given, int) and not isinstance(given, bool) and 0 <= given <= span.start_ns \
        else span.start_ns


def own_seq(event: JsonEvent) -> int | None:
    seq = event.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


# -- building -------------------------------------------------------------------------------------

def _event(ours: JsonObject, run_id: str, ts: str, *, status: str | None = None,
           event_type: JsonValue = None, seq: JsonValue = None) -> JsonEvent:
    event: JsonEvent = {"v": 1, "run_id": run_id, "seq": seq if seq is not None else ours.get("seq", 0), "ts": ts,
                    "event_type": event_type or ours.get("event_type"), "component": ours.get("component", "custom"),
                    "name": ours.get("name", ""), "span_id": ours.get("span_id"),
                    "parent_id": ours.get("parent_id"), "status": status or ours.get("status", "completed")}
    return event


def _error(event: JsonEvent, ours: JsonObject, exceptions: list[OtlpEvent]) -> None:
    if "error" in ours and not isinstance(ours["error"], dict):
        event["error"] = ours["error"]  # an error of ours that was not a record: its JSON
        return
    if not exceptions:
        return
    found = exceptions[-1].attributes
    error: JsonObject = {"type": found.get("exception.type", "Error"),
                             "message": found.get("exception.message", "")}
    category = found.get(PREFIX + "error.category", ours.get("error", {}).get("category")
                         if isinstance(ours.get("error"), dict) else None)
    if category is not None:
        error["category"] = category
    if found.get("exception.stacktrace"):
        error["stack"] = found["exception.stacktrace"]
    event["error"] = error


def _put(event: JsonEvent, key: str, value: JsonValue) -> None:
    if value is not None:
        event[key] = value


def _fields(attributes: JsonObject) -> JsonObject:
    """`namel3ss.<key>` attributes as one dict: `usage.*`, `attrs.*`, `end_attrs.*`, `error.*` as dicts,
    `inputs` / `outputs` / `end_inputs` decoded from JSON."""
    ours: JsonObject = {}
    for key, value in attributes.items():
        if not key.startswith(PREFIX):
            continue
        short = key[len(PREFIX):]
        group, dot, rest = short.partition(".")
        if dot and group in ("usage", "attrs", "end_attrs", "error"):
            ours.setdefault(group, {})[rest] = _json_object(value) if group != "usage" else value
        elif short in ("inputs", "outputs", "end_inputs", "error"):
            ours[short] = _json(value)
        else:
            ours[short] = value
    return ours


def _json(value: JsonValue) -> JsonValue:
    """An attribute holding JSON text, decoded; text that is not JSON we can read (or nested past the stack)
    stays the text it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return value


def _json_object(value: JsonValue) -> JsonValue:
    """An `attrs` value: a dict or a mixed list was written as JSON text; a plain string stays one."""
    if value == "null":  # None, which an attribute cannot hold, written as JSON
        return None
    if isinstance(value, str) and value[:1] in ("{", "["):
        decoded = _json(value)
        return decoded if isinstance(decoded, (dict, list)) else value
    return value
