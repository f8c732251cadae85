"""A recorded run as OpenTelemetry spans (pure: v1 events in, span records out; no SDK, no files, no clock).

It sits in `model/`, beside its mirror image `otel_attributes.py`, because both the export commands
(`interop/`) and the tracer's live export (`tracer/otlp/live.py`) use it.

One span per start/end pair, with its parent, times, status and error (an `exception` event); instant events
become events of the span they belong to while it is open (an instant that arrives after its span closed, or
has no parent, becomes a zero-length span of its own, `namel3ss.instant = true`). LLM, tool and agent spans
carry the GenAI semantic-convention attributes; every field of ours is kept under `namel3ss.`, so a reader can
rebuild the events (see the guide's attribute table).

Ids are stable and unique across runs: the trace id is a hash of the run id and a span id a hash of the run
id and our span id, so exporting a run twice gives equal ids and any number of runs (whose span ids all count
from 1) land whole in one backend, which keeps one span per id. A run read from OpenTelemetry (its run id is
its 32-hex-digit trace id) keeps its own trace and span ids.

A span made from an OpenTelemetry span (`attrs.source == "opentelemetry"`: recorded by our span processor, or
read from OTLP/JSON) goes out as it came: its own name (`attrs.otel_name`), kind (`attrs.otel_kind`),
instrumentation scope (`attrs.otel_scope`), attributes (`attrs.otel_attributes`) and events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model.deep import json_text
from ..model.events import STARTUP_NAME, is_end, is_startup
from .genai import genai_attributes, span_name
from .passthrough import came_as, event_as
from ..model.text_keys import text_key

SCOPE = "namel3ss-debug"  # the instrumentation scope of every span (its version: the package's)
PREFIX = "namel3ss."
_INT64 = 2**63
_UINT64 = 2**64  # OTLP's times are fixed64 ns
_SPAN_KINDS = {"llm": "CLIENT", "http": "CLIENT"}  # GenAI inference and HTTP calls are client spans


@dataclass(frozen=True)
class SpanEvent:
    name: str
    time_ns: int
    attributes: dict[str, Any]


@dataclass(frozen=True)
class SpanRecord:
    """One OpenTelemetry span, in the data model's terms (ids as ints, times in ns since the epoch).
    `scope`: the instrumentation scope's name, ours unless the span came from another instrumentation."""

    trace_id: int
    span_id: int
    parent_span_id: int | None
    name: str
    kind: str  # INTERNAL | SERVER | CLIENT | PRODUCER | CONSUMER
    start_ns: int
    end_ns: int
    status: str  # UNSET | OK | ERROR
    status_message: str | None
    attributes: dict[str, Any]
    events: tuple[SpanEvent, ...] = ()
    scope: str = SCOPE


@dataclass(frozen=True)
class RunResource:
    """The run as an OpenTelemetry resource: `service.name` (the run's name), `namel3ss.run_id`, `host.name`."""

    attributes: dict[str, Any]


@dataclass
class _Open:
    start: Mapping[str, Any]
    events: list[SpanEvent] = field(default_factory=list)
    work_ns: int | None = None  # the run's span: where its work began, after its start-up
    asked: Any = None  # the run's span: the inputs of its first child that has any
    answered: Any = None  # the run's span: the outputs of its last child to end with any


def _is_startup_of_run(start: Mapping[str, Any], parent: Mapping[str, Any]) -> bool:
    """The tracer's start-up span, directly under the run's span."""
    return parent.get("event_type") == "run_start" and is_startup(start.get("event_type"), start.get("component"),
                                                                   start.get("name"))


def trace_id_of(run_id: str) -> int:
    """The run's 128-bit trace id: the first 16 bytes of SHA-256 of the run id (never 0); a run read
    from OpenTelemetry, whose run id is its trace id (32 hex digits), keeps that trace id."""
    return _hex_id(run_id, 32) or int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:16], "big") or 1


def span_id_of(run_id: str, span_id: Any) -> int:
    """A span of the run as a 64-bit OpenTelemetry span id: the first 8 bytes of SHA-256 of the run id and
    our span id (never 0); a run read from OpenTelemetry keeps its spans' own 16-hex-digit ids."""
    text = text_key(span_id)
    if _hex_id(run_id, 32):
        own = _hex_id(text, 16)
        if own:
            return own
    return int.from_bytes(hashlib.sha256(f"{run_id}/{text}".encode()).digest()[:8], "big") or 1


def _hex_id(text: str, digits: int) -> int:
    """`text` as a number when it is `digits` hex digits, else 0 (an OpenTelemetry id is never 0)."""
    if len(text) != digits:
        return 0
    try:
        return int(text, 16)
    except ValueError:
        return 0


def time_ns(ts: Any) -> int | None:
    """An ISO 8601 timestamp as ns since the epoch (exact to the microsecond), or None if it is not one or
    is not a time OTLP holds (unsigned 64-bit ns: from 1970 to 2554-07-21): the span takes the run's latest."""
    if not isinstance(ts, str):
        return None
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None) - moment.utcoffset()  # type: ignore[operator]
    delta = moment - datetime(1970, 1, 1)
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    return ns if 0 <= ns < _UINT64 else None


class SpanConverter:
    """Feeds on a run's events in file order; hands back each span when it ends.

    >>> converter = SpanConverter()
    >>> spans = [span for event in events for span in converter.feed(event)] + converter.finish()
    """

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.trace_id = 0
        self.resource: RunResource | None = None
        self._open: dict[str, _Open] = {}
        self._waiting: list[Mapping[str, Any]] = []  # instants before the first span (segment_start)
        self._last_ns = 0
        self._prelude = True  # no span has started yet

    def feed(self, event: Mapping[str, Any]) -> list[SpanRecord]:
        """The spans this event completes (none, one, or one zero-length span for a late instant)."""
        if self.run_id is None:
            self._begin(event)
        moment = time_ns(event.get("ts"))
        if moment is not None:
            self._last_ns = max(self._last_ns, moment)
        key = text_key(event.get("span_id"))
        event_type = str(event.get("event_type") or "")
        if event.get("status") == "started":
            if event_type == "run_start":
                self.resource = resource_of(event)
            self._prelude = False
            self._note_asked(event)
            self._open[key] = opened = _Open(event)
            opened.events.extend(_span_event(early, time_ns(early.get("ts"))) for early in self._waiting)
            self._waiting.clear()
            return []
        if is_end(event_type) and key in self._open:
            opened = self._open.pop(key)
            root = self._open.get(text_key(opened.start.get("parent_id")))
            if root is not None and _is_startup_of_run(opened.start, root.start):
                root.events.append(self._startup_event(opened.start, event, root))
                return []
            if root is not None and root.start.get("event_type") == "run_start" and event.get("outputs") is not None:
                root.answered = event.get("outputs")
            return [self._span(opened, event)]
        if is_end(event_type) and isinstance(event.get("duration_ms"), (int, float)):
            return [self._span(_Open(_start_of(event)), event)]  # an end whose start was filtered out
        parent = self._open.get(text_key(event.get("parent_id")))
        if parent is not None:
            parent.events.append(_span_event(event, moment))
            return []
        if not self._open and event.get("parent_id") is not None and self._prelude:
            self._waiting.append(event)  # a segment's first line, before the run_start it belongs to
            return []
        return [self._instant_span(event, moment)]

    def finish(self) -> list[SpanRecord]:
        """The spans still open at the end of the run, ended at its last timestamp (`namel3ss.unclosed`)."""
        spans = [self._span(opened, None) for opened in reversed(self._open.values())]
        spans += [self._instant_span(event, time_ns(event.get("ts"))) for event in self._waiting]
        self._open.clear()
        self._waiting.clear()
        return spans

    def _note_asked(self, start: Mapping[str, Any]) -> None:
        """The run's span shows what its first child with inputs was given, and what its last child to end
        returned (`answered`), as its input and output: what a backend's trace list shows for the run."""
        root = self._open.get(text_key(start.get("parent_id")))
        if root is not None and root.asked is None and root.start.get("event_type") == "run_start":
            root.asked = start.get("inputs")

    def _begin(self, event: Mapping[str, Any]) -> None:
        self.run_id = text_key(event.get("run_id"))
        self.trace_id = trace_id_of(self.run_id)
        self.resource = resource_of(event)

    def _startup_event(self, start: Mapping[str, Any], end: Mapping[str, Any], root: _Open) -> SpanEvent:
        """The run's start-up as an event of the run's span, which then begins where the start-up ended:
        a backend's trace latency is the agent's time, not the interpreter's. The event, at the start-up's
        start, holds the start-up span's fields, so that reading the export back gives the span again."""
        start_ns = time_ns(start.get("ts")) or self._last_ns
        root.work_ns = max(start_ns, time_ns(end.get("ts")) or start_ns)
        attributes = {**span_fields(start, end), PREFIX + "startup_ms": end.get("duration_ms")}
        return SpanEvent(STARTUP_NAME, start_ns, {key: value for key, value in attributes.items() if value is not None})

    def _span(self, opened: _Open, end: Mapping[str, Any] | None) -> SpanRecord:
        start = opened.start
        start_ns = time_ns(start.get("ts")) or self._last_ns
        end_ns = max(start_ns, (time_ns(end.get("ts")) if end is not None else None) or self._last_ns)
        came = came_as(start, end)  # from OpenTelemetry: its own attributes win over those we derive from it
        theirs = {key: attribute_value(value) for key, value in came.attributes.items()} if came else {}
        shown_start, shown_end = start, end or {}
        if opened.asked is not None or opened.answered is not None:  # the run's span: see _note_asked
            shown_start = {**start, "inputs": start.get("inputs") or opened.asked}
            shown_end = {**shown_end, "outputs": shown_end.get("outputs") or opened.answered}
        attributes = {**genai_attributes(shown_start, shown_end), **theirs, **span_fields(start, end)}
        if opened.work_ns is not None:  # the run's span, after its start-up (an event of it)
            attributes[PREFIX + "start_ns"] = start_ns
            start_ns = min(opened.work_ns, end_ns)
        error = end.get("error") if end is not None else None
        events = list(opened.events)
        status, message = "UNSET", None
        if end is not None and (end.get("status") == "failed" or isinstance(error, Mapping)):
            status, message = "ERROR", _error_message(error)
            if isinstance(error, Mapping):
                events.append(SpanEvent("exception", end_ns, exception_attributes(error)))
        elif end is not None and end.get("status") == "completed":
            status = "OK"
        return SpanRecord(self.trace_id, self._id(start.get("span_id")), self._parent(start),
                          (came.name if came else None) or span_name(start, end),
                          (came.kind if came else None) or _SPAN_KINDS.get(str(start.get("component")), "INTERNAL"),
                          start_ns, end_ns, status, message, attributes, tuple(events),
                          (came.scope if came else None) or SCOPE)

    def _instant_span(self, event: Mapping[str, Any], moment: int | None) -> SpanRecord:
        at = moment if moment is not None else self._last_ns
        attributes = {**event_fields(event), PREFIX + "instant": True}
        error = event.get("error")
        events = (SpanEvent("exception", at, exception_attributes(error)),) if isinstance(error, Mapping) else ()
        status = "ERROR" if event.get("status") == "failed" or error else "OK"
        return SpanRecord(self.trace_id, self._id(event.get("span_id")), self._parent(event),
                          f"{event.get('event_type')} {event.get('name')}", "INTERNAL", at, at, status,
                          _error_message(error) if status == "ERROR" else None, attributes, events)

    def _id(self, span_id: Any) -> int:
        return span_id_of(self.run_id or "", span_id)

    def _parent(self, event: Mapping[str, Any]) -> int | None:
        parent = event.get("parent_id")
        return None if parent is None else self._id(parent)


def to_spans(events: Iterable[Mapping[str, Any]]) -> Iterator[SpanRecord]:
    """Every span of one run, each when it ends (then those left open). `converter.resource` is known
    once the first span is out."""
    converter = SpanConverter()
    for event in events:
        yield from converter.feed(event)
    yield from converter.finish()


def resource_of(event: Mapping[str, Any]) -> RunResource:
    """The run as a resource, from `run_start` (its name, host, pid) or, lacking it, from any event."""
    given = event.get("attrs")
    attrs: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    is_start = event.get("event_type") == "run_start"
    resource: dict[str, Any] = {
        "service.name": str(event.get("name") or "namel3ss-run") if is_start else "namel3ss-run",
        "namel3ss.run_id": text_key(event.get("run_id")),
    }
    if is_start and isinstance(attrs.get("host"), str):
        resource["host.name"] = attrs["host"]
    if isinstance(event.get("pid"), int):
        resource["process.pid"] = event["pid"]
    if is_start and isinstance(attrs.get("python"), str):
        resource["process.runtime.name"] = str(attrs.get("implementation") or "CPython")
        resource["process.runtime.version"] = attrs["python"]
    return RunResource(resource)


# -- our fields --------------------------------------------------------------------------------
_SCALARS = ("component", "name", "span_id", "parent_id", "event_type", "status", "seq", "thread", "task", "pid",
            "memory_mb", "duration_ms", "model", "cost_usd")


def event_fields(event: Mapping[str, Any], prefix: str = PREFIX) -> dict[str, Any]:
    """One event's fields as attributes: scalars as they are, `usage.*` flattened, `inputs`/`outputs` as JSON,
    `attrs.*` flattened (a value that is not a scalar or a list of one scalar type, as JSON)."""
    found: dict[str, Any] = {}
    for key in _SCALARS:
        value = event.get(key)
        if value is not None:
            found[prefix + key] = attribute_value(value)
    usage = event.get("usage")
    if isinstance(usage, Mapping):
        for key, value in usage.items():
            found[f"{prefix}usage.{key}"] = attribute_value(value)
    for key in ("inputs", "outputs"):
        if event.get(key) is not None:
            found[prefix + key] = as_json(event[key])
    attrs = event.get("attrs")
    if isinstance(attrs, Mapping):
        for key, value in attrs.items():
            found[f"{prefix}attrs.{key}"] = attribute_value(value)
    error = event.get("error")
    if isinstance(error, Mapping):
        if error.get("category") is not None:
            found[prefix + "error.category"] = str(error["category"])
    elif error is not None:
        found[prefix + "error"] = as_json(error)
    return found


def span_fields(start: Mapping[str, Any], end: Mapping[str, Any] | None) -> dict[str, Any]:
    """A span's `namel3ss.` attributes: its start event's fields, then its end event's (`status`,
    `duration_ms`, `model`, `usage.*`, `cost_usd`, `outputs`, `memory_mb`), with the end's `event_type`,
    `seq`, `thread`, `task`, `pid`, `inputs` and `attrs` as `end_event_type`, `end_seq`... `end_attrs.*`."""
    found = event_fields(start)
    if end is None:
        found[PREFIX + "unclosed"] = True
        return found
    shared = {"component", "name", "span_id", "parent_id", "attrs", "inputs", *_END_ONLY}
    if start.get("model") is not None and end.get("model") is not None:
        found[PREFIX + "start_model"] = attribute_value(start["model"])  # the end's model takes `namel3ss.model`
    found.update(event_fields({key: value for key, value in end.items() if key not in shared}))
    for key in _END_ONLY:
        if end.get(key) is not None:
            found[f"{PREFIX}end_{key}"] = attribute_value(end[key])
    if end.get("inputs") is not None:
        found[PREFIX + "end_inputs"] = as_json(end["inputs"])
    if isinstance(end.get("attrs"), Mapping):
        for key, value in end["attrs"].items():
            found[f"{PREFIX}end_attrs.{key}"] = attribute_value(value)
    return found


_END_ONLY = ("event_type", "seq", "thread", "task", "pid")  # end fields kept apart from the start's


def _start_of(end: Mapping[str, Any]) -> dict[str, Any]:
    """The start an end event implies when its start was not recorded (ts = end ts - duration)."""
    start = {key: end.get(key) for key in ("run_id", "component", "name", "span_id", "parent_id", "thread", "task")}
    start["status"] = "started"
    start["event_type"] = str(end.get("event_type"))[: -len("_end")] + "_start"
    moment = time_ns(end.get("ts"))
    if moment is not None:  # a duration that is no time back (NaN, negative, 1e308 ms) puts the start at the end
        try:
            back = int(end["duration_ms"] * 1_000_000)
        except (OverflowError, ValueError):
            back = -1
        start["ts"] = _iso(moment - back if 0 <= back <= moment else moment)
    return start


def _iso(ns: int) -> str:
    moment = datetime.utcfromtimestamp(ns // 1_000_000_000).replace(microsecond=(ns // 1000) % 1_000_000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _span_event(event: Mapping[str, Any], moment: int | None) -> SpanEvent:
    attributes = event_fields(event)
    error = event.get("error")
    if isinstance(error, Mapping):
        attributes.update(exception_attributes(error))
    came = event_as(event)
    if came is not None:  # an OpenTelemetry span event: its own name and attributes
        return SpanEvent(came[0], moment or 0, {**{k: attribute_value(v) for k, v in came[1].items()}, **attributes})
    name = "exception" if event.get("event_type") == "error_occurred" else str(event.get("event_type"))
    return SpanEvent(name, moment or 0, attributes)


def exception_attributes(error: Mapping[str, Any]) -> dict[str, Any]:
    """An error record as the `exception` event's attributes (`exception.type`, `.message`, `.stacktrace`)."""
    found = {"exception.type": text_key(error.get("type") or "Error"),
             "exception.message": text_key(error.get("message") or "")}
    if error.get("stack"):
        found["exception.stacktrace"] = text_key(error["stack"])
    if error.get("category") is not None:
        found[PREFIX + "error.category"] = text_key(error["category"])
    return found


def _error_message(error: Any) -> str | None:
    if isinstance(error, Mapping):
        kind, message = error.get("type"), error.get("message")
        return f"{kind}: {message}" if kind and message else str(kind or message or "") or None
    return str(error) if error is not None else None


# -- attribute values ----------------------------------------------------------------------------
def attribute_value(value: Any) -> Any:
    """A value OpenTelemetry accepts as it is (str, bool, int64, float, a list of one of those types),
    anything else as its JSON text."""
    if isinstance(value, (str, bool, float)) or (isinstance(value, int) and -_INT64 <= value < _INT64):
        return value
    if isinstance(value, (list, tuple)) and value:
        kinds = {type(item) for item in value}
        if len(kinds) == 1 and kinds <= {str, bool, float, int} and all(
                not isinstance(item, int) or isinstance(item, bool) or -_INT64 <= item < _INT64 for item in value):
            return list(value)
    return as_json(value)


def as_json(value: Any) -> str:
    return json_text(value)
