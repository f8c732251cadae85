"""Read OTLP/JSON trace files as v1 events: what `export --to otlp-json` writes, what an OpenTelemetry
Collector's file exporter writes (one `ExportTraceServiceRequest` per line), or one pretty-printed
document over many lines (as opentelemetry-proto's `examples/trace.json`).

How it maps (one `OtlpMapper` per file; it holds the spans until the file ends, because OTLP batches
come in any order and a child may come before its parent):
- Each trace id is a run. The resource becomes `run_start` / `run_end` (component `app`, name
  `service.name`, run id `namel3ss.run_id` or else the trace id; attrs `host.name`, `process.pid`).
- Each span becomes a start and an end event: `ts` from `startTimeUnixNano` / `endTimeUnixNano`,
  `duration_ms` from the two, status `failed` on `STATUS_CODE_ERROR` with the error from the span's
  last `exception` event. Component, name, inputs, outputs, model and usage come from the GenAI and
  OpenInference attributes (`model/otel_attributes.py`); HTTP/database spans become `http`/`custom`
  spans, so no parent link is lost. A span without an end time stays open.
- Span events become instant events (`custom_otel_event`, or the type our own export wrote), under
  their span; the `exception` events that make a failed span's error are that error, not events.
- Our own attributes (`namel3ss.*`, written by `export --to otlp-json`) restore our fields exactly
  when present: see `namel3ss_debug/interop/otel_spans.py` for the names.
- A parent span id not in the file (a trace cut in pieces) leaves the span under the run's root;
  the missing id is kept as `attrs.otel_parent_span_id`.

A span that cannot be read (missing or bad ids, wrong types) is told to `ReadProblems` with
`file:line` and its JSON path: a warning and left out, or an error (exit 3) under `--strict`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..model.events import span_prefix
from ..model.otel_attributes import ending, opening
from .foreign import Event, make_event, run_start_attrs, stable_span_id
from .otlp_lines import OtlpSpan, SpanProblem, is_otlp_request, spans_of
from .otlp_restore import OwnFields, own_event_fields, own_fields
from .problems import ReadProblems

SOURCE_FORMAT = "otlp-json"
_YEAR_10000_NS = 253_402_300_800 * 10**9
# Attributes already read into inputs/outputs: not kept again in attrs.otel_attributes.
_CONSUMED_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.input.messages",
                      "gen_ai.output.messages", "input.value", "output.value", "gen_ai.system_instructions",
                      "namel3ss.")


def looks_otlp_document(head: bytes) -> bool:
    """True when a file's first bytes begin an OTLP/JSON document spread over lines (pretty-printed)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return False
    first_line = text.split(b"\n", 1)[0]
    try:
        orjson.loads(first_line)
        return False  # a whole object on the first line: JSON Lines
    except orjson.JSONDecodeError:
        return b'"resourceSpans"' in head or b'"resource_spans"' in head


def ns_to_iso(nanos: int) -> str:
    """Unix nanoseconds as a v1 `ts` (microseconds, truncated: exact for times we wrote)."""
    if not 0 <= nanos < _YEAR_10000_NS:
        raise ValueError(f"time {nanos} ns is not between 1970 and 9999")
    seconds, rest = divmod(nanos, 10**9)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{rest // 1000:06d}Z"


@dataclass
class _Trace:
    spans: list[OtlpSpan] = field(default_factory=list)


class OtlpMapper:
    """Turns the lines of one OTLP/JSON file into v1 events, all given out by `finish()`.

    `document`: the file is one JSON document (or several) over many lines, read whole at the end.
    """

    def __init__(self, path: str, problems: ReadProblems | None = None, *, document: bool = False):
        self.path = path
        self.problems = problems if problems is not None else ReadProblems(strict=True)
        self.document = document
        self._lines: list[tuple[int, bytes]] = []
        self._traces: dict[str, _Trace] = {}
        self._order = 0
        self._finished = False

    # -- input ---------------------------------------------------------------------------------

    def feed(self, line: bytes, where: str, tail: bool = False) -> None:
        """One line of the file (the reader hands them all over, in order)."""
        if self.document:
            self._lines.append((_line_number(where), line))
            return
        try:
            request = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            if tail:
                self.problems.torn_line(where)
            else:
                self.problems.invalid_line(where, f"not JSON ({error.msg})")
            return
        self._request(request, where)

    def map(self, obj: Any) -> list[Event]:
        """One parsed line (the mapper interface of `legacy` and `n3_native`); events come at `finish()`."""
        self._request(obj, self.path)
        return []

    def _request(self, request: Any, where: str) -> None:
        if isinstance(request, list):
            for item in request:
                self._request(item, where)
            return
        if not is_otlp_request(request):
            keys = ", ".join(list(request)[:3]) if isinstance(request, dict) else type(request).__name__
            self.problems.invalid_line(where, f"not an OTLP/JSON trace request (no resourceSpans list; has {keys})")
            return
        try:
            for item in spans_of(request, self._order):
                if isinstance(item, SpanProblem):
                    self.problems.invalid_line(where, f"{item.path}: {item.why}; span left out")
                    continue
                self._order = item.order
                self._traces.setdefault(item.trace_id, _Trace()).spans.append(item)
        except ValueError as error:
            self.problems.invalid_line(where, str(error))

    def _read_document(self) -> None:
        if not self._lines:
            return
        numbers = [number for number, _ in self._lines]
        text = "\n".join(line.decode("utf-8", "replace") for _, line in self._lines)
        decoder, position = json.JSONDecoder(), 0
        while True:
            while position < len(text) and text[position] in " \t\r\n":
                position += 1
            if position >= len(text):
                return
            line = numbers[min(text.count("\n", 0, position), len(numbers) - 1)]
            try:
                value, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                at = numbers[min(error.lineno - 1, len(numbers) - 1)]
                self.problems.invalid_line(f"{self.path}:{at}", f"not JSON ({error.msg}, column {error.colno})")
                return
            self._request(value, f"{self.path}:{line}")

    # -- output --------------------------------------------------------------------------------

    def finish(self) -> list[Event]:
        """The v1 events of every trace in the file, a run per trace id, each numbered from 0."""
        if self._finished:
            return []
        self._finished = True
        if self.document:
            self._read_document()
        events: list[Event] = []
        for trace_id, trace in self._traces.items():
            events.extend(_Run(trace_id, trace.spans).events())
        return events


def _line_number(where: str) -> int:
    number = where.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0


class _Run:
    """One trace as one run."""

    def __init__(self, trace_id: str, spans: list[OtlpSpan]):
        self.trace_id = trace_id
        self.spans = sorted(spans, key=lambda s: (s.start_ns, s.order))
        self.by_id = {span.span_id: span for span in self.spans}
        self.own = {span.span_id: own_fields(span) for span in self.spans}
        resource = next((s.resource for s in self.spans if "namel3ss.run_id" in s.resource), self.spans[0].resource)
        self.resource = resource
        self.run_id = str(resource.get("namel3ss.run_id") or trace_id)
        self.run_span = self._run_span()
        self.root = (self.run_span.span_id if self.run_span is not None
                     else str(resource.get("namel3ss.root_span_id") or stable_span_id(trace_id, "run")))

    def _run_span(self) -> OtlpSpan | None:
        """The span our own export made of the run itself, if any."""
        for span in self.spans:
            if self.own[span.span_id].event_type == "run_start":
                return span
        return None

    def events(self) -> list[Event]:
        placed: list[tuple[int, int, Event]] = []  # (ns, tie-break, event)
        order = self._walk_order()
        failed = False
        for span in self.spans:
            if span is self.run_span:
                continue
            parent = self._parent(span)
            for ns, phase, event in _SpanEvents(self.run_id, span, parent, self.own[span.span_id]).events():
                placed.append((ns, order[(span.span_id, phase)], event))
                failed = failed or (parent == self.root and event["status"] == "failed")
        placed.sort(key=lambda item: (item[0], item[1]))
        body = [event for _, _, event in placed]
        start, end = self._run_events(failed, placed)
        events = [start, *body, *([end] if end is not None else [])]
        for seq, event in enumerate(events):
            event["seq"] = seq
        return events

    def _parent(self, span: OtlpSpan) -> str:
        parent = span.parent_span_id
        if parent is not None and parent in self.by_id:
            return parent
        if parent is not None and self.own[span.span_id].parent_id != parent:
            self.own[span.span_id].attrs_extra["otel_parent_span_id"] = parent
        return self.root

    def _walk_order(self) -> dict[tuple[str, str], int]:
        """A depth-first number for each span's start ('s'), instants ('i') and end ('e'): between equal
        times, a parent starts before its children and ends after them."""
        children: dict[str, list[OtlpSpan]] = {}
        for span in self.spans:
            children.setdefault(self._parent_key(span), []).append(span)
        order: dict[tuple[str, str], int] = {}
        stack: list[tuple[OtlpSpan, bool]] = [(s, False) for s in reversed(children.get("", []))]
        counter = 0
        while stack:
            span, done = stack.pop()
            counter += 1
            if done:
                order[(span.span_id, "e")] = counter
                continue
            order[(span.span_id, "s")] = counter
            order[(span.span_id, "i")] = counter
            stack.append((span, True))
            stack.extend((child, False) for child in reversed(children.get(span.span_id, [])))
        for span in self.spans:  # a cycle of parents is not reachable from a root: still placed
            for phase in "sie":
                order.setdefault((span.span_id, phase), counter + 1)
        return order

    def _parent_key(self, span: OtlpSpan) -> str:
        parent = span.parent_span_id
        return parent if parent is not None and parent in self.by_id and parent != span.span_id else ""

    def _run_events(self, failed: bool, placed: list[tuple[int, int, Event]]) -> tuple[Event, Event | None]:
        own = self.own[self.run_span.span_id] if self.run_span is not None else OwnFields()
        first = min(s.start_ns for s in self.spans)
        ends = [s.end_ns for s in self.spans if s.end_ns is not None] + [ns for ns, _, _ in placed]
        last = max(ends) if ends else first
        name = str(self.resource.get("service.name") or self.trace_id)
        run_name = own.name or name
        start = make_event(self.run_id, ns_to_iso(self.run_span.start_ns if self.run_span else first),
                           "run_start", "app", run_name, self.root, None, "started")
        attrs = own.start_attrs if own.start_attrs is not None else self._run_start_attrs(name)
        start["attrs"] = attrs
        own.apply_start(start)
        if self.run_span is not None and self.run_span.end_ns is None:
            return start, None
        end_ns = self.run_span.end_ns if self.run_span is not None and self.run_span.end_ns else last
        begin_ns = self.run_span.start_ns if self.run_span is not None else first
        end = make_event(self.run_id, ns_to_iso(end_ns), "run_end", "app", run_name, self.root, None,
                         "failed" if failed else "completed")
        end["duration_ms"] = round((end_ns - begin_ns) / 1e6, 3)
        if self.run_span is None:
            end["attrs"] = {"synthesized": True, "source_format": SOURCE_FORMAT}
        own.apply_end(end)
        return start, end

    def _run_start_attrs(self, name: str) -> dict[str, Any]:
        attrs = run_start_attrs("otlp", name, SOURCE_FORMAT)
        attrs["trace_id"] = self.trace_id
        for key, ours in (("host.name", "host"), ("process.pid", "pid")):
            if key in self.resource:
                attrs[ours] = self.resource[key]
        resource = {k: v for k, v in self.resource.items() if not k.startswith("namel3ss.")}
        if resource:
            attrs["otel_resource"] = resource
        return attrs


class _SpanEvents:
    """The v1 events of one span: start, instants, end (each with its time in ns and its phase)."""

    def __init__(self, run_id: str, span: OtlpSpan, parent: str, own: OwnFields):
        self.run_id, self.span, self.parent, self.own = run_id, span, parent, own

    def events(self) -> list[tuple[int, str, Event]]:
        span, own = self.span, self.own
        begun = opening(span.name, span.attributes, span.kind, span.scope)
        component = own.component or begun.component or _plumbing_component(span.attributes)
        name = own.name or (begun.name if begun.component is not None else span.name)
        prefix = own.event_type.removesuffix("_start") if own.event_type else span_prefix(component)
        start = self._event(span.start_ns, prefix + "_start", component, name, "started")
        if begun.component is not None and begun.inputs is not None:
            start["inputs"] = begun.inputs
        if begun.model:
            start["model"] = begun.model
        start["attrs"] = self._attrs(begun.attrs, begun.tool_call_id)
        own.apply_start(start)
        placed = [(span.start_ns, "s", start)]
        placed += [(ns, "i", event) for ns, event in self._instants(component)]
        if span.end_ns is not None:
            placed.append((span.end_ns, "e", self._end(prefix, component, name)))
        return placed

    def _end(self, prefix: str, component: str, name: str) -> Event:
        span = self.span
        exceptions = [e.attributes for e in span.events if e.name == "exception"]
        done = ending(component, span.attributes, span.status, span.status_message or None, exceptions)
        end = self._event(span.end_ns or span.start_ns, prefix + "_end", component, name,
                          "failed" if done.error else "completed")
        end["duration_ms"] = round(max(0, (span.end_ns or span.start_ns) - span.start_ns) / 1e6, 3)
        for key, value in (("outputs", done.outputs), ("usage", done.usage), ("model", done.model),
                           ("error", done.error)):
            if value is not None:
                end[key] = value
        self.own.apply_end(end)
        return end

    def _instants(self, component: str) -> list[tuple[int, Event]]:
        found = []
        failed = self.span.status == "ERROR"
        for index, otel_event in enumerate(self.span.events):
            own = own_event_fields(otel_event.attributes)
            if otel_event.name == "exception" and failed and own.event_type is None:
                continue  # the span's error
            span_id = own.span_id or stable_span_id(self.span.trace_id, self.span.span_id, "event", str(index))
            event = self._event(otel_event.time_ns, own.event_type or "custom_otel_event",
                                own.component or "custom", own.name or otel_event.name, "completed")
            event["span_id"] = span_id
            attributes = {k: v for k, v in otel_event.attributes.items() if not k.startswith("namel3ss.")}
            if attributes and own.event_type is None:
                event["attrs"] = {"source": "opentelemetry", "otel_attributes": attributes}
            own.apply_start(event)
            found.append((otel_event.time_ns, event))
        return found

    def _event(self, ns: int, event_type: str, component: str, name: str, status: str) -> Event:
        return make_event(self.run_id, ns_to_iso(ns), event_type, component, name, self.span.span_id,
                          self.parent, status)

    def _attrs(self, base: dict[str, Any] | None, call_id: str | None) -> dict[str, Any]:
        attrs = dict(base or {"source": "opentelemetry"})
        if self.span.scope:
            attrs["otel_scope"] = self.span.scope
        if self.span.kind not in ("INTERNAL", "UNSPECIFIED"):
            attrs["otel_kind"] = self.span.kind
        if call_id:
            attrs["tool_call_id"] = call_id
        kept = {k: v for k, v in self.span.attributes.items() if not k.startswith(_CONSUMED_PREFIXES)}
        if kept:
            attrs["otel_attributes"] = kept
        if self.span.links:
            attrs["otel_links"] = self.span.links
        attrs.update(self.own.attrs_extra)
        return attrs


def _plumbing_component(attributes: dict[str, Any]) -> str:
    """A span `otel_attributes` leaves out (the app's HTTP, database, messaging): kept, as `http` or `custom`."""
    return "http" if any(k.startswith(("http.", "url.")) for k in attributes) else "custom"

