"""Read OTLP/JSON trace files as v1 events: what `export --to otlp-json` writes, what an OpenTelemetry
Collector's file exporter writes (one `ExportTraceServiceRequest` per line), or one pretty-printed
document over many lines (as opentelemetry-proto's `examples/trace.json`).

How it maps (one `OtlpMapper` per file; it holds the spans until the file ends, because OTLP batches
come in any order and a child may come before its parent, on disk: `spill.py`):
- Each trace id is a run. The resource becomes `run_start` / `run_end` (component `app`, name
  `service.name`, run id `namel3ss.run_id` or else the trace id; attrs `host.name`, `process.pid`).
- Each span becomes a start and an end event: `ts` from `startTimeUnixNano` / `endTimeUnixNano`,
  `duration_ms` from the two, status `failed` on `STATUS_CODE_ERROR` with the error from the span's
  last `exception` event. Component, name, inputs, outputs, model and usage come from the GenAI and
  OpenInference attributes (`otel/attributes.py`); HTTP/database spans become `http`/`custom`
  spans, so no parent link is lost. A span without an end time stays open.
- Span events become instant events (`custom_otel_event`, or the type our own export wrote), under
  their span; the `exception` events that make a failed span's error are that error, not events.
- Our own attributes (`namel3ss.*`, written by `export --to otlp-json`) restore our fields exactly
  when present: see `namel3ss_debug/otel/spans.py` for the names.
- A parent span id not in the file (a trace cut in pieces) leaves the span under the run's root;
  the missing id is kept as `attrs.otel_parent_span_id`.

A span that cannot be read (missing or bad ids, wrong types) is told to `ReadProblems` with
`file:line` and its JSON path: a warning and left out, or an error (exit 3) under `--strict`.

Each event is placed (`OtlpMapper.finish_placed`) at the line of the request its span came from (of a
document over many lines, the line the document begins on); a run's synthesized `run_start` and `run_end`
at the lines of its first and last span in the file.
"""

from __future__ import annotations

import json
import math
import time
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import Mapping

import orjson

from ...model.events import span_prefix
from ...model.json_types import JsonEvent, JsonObject, JsonValue
from ...otel.attributes import ending, kept_attributes, opening
from ...otel.passthrough import as_it_came
from ..foreign import make_event, run_start_attrs, stable_span_id
from ..line_events import refusal
from ..located import Placed
from .documents import OtlpSpan, SpanProblem, is_otlp_request, spans_of
from .lazy import LONG_LINE, lazy_request
from .spill import EventSpill, SpanSpill, walk_order
from .restore import (
    instant_event,
    is_ours,
    is_run_span,
    is_startup_event,
    own_seq,
    span_events,
    startup_events,
)
from ..problems import ReadProblems

SOURCE_FORMAT = "otlp-json"
_YEAR_10000_NS = 253_402_300_800 * 10**9


def ns_to_iso(nanos: int) -> str:
    """Unix nanoseconds as a v1 `ts` (microseconds, truncated: exact for times we wrote)."""
    if not 0 <= nanos < _YEAR_10000_NS:
        raise ValueError(f"time {nanos} ns is not between 1970 and 9999")
    seconds, rest = divmod(nanos, 10**9)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{rest // 1000:06d}Z"


class OtlpMapper:
    """Turns the lines of one OTLP/JSON file into v1 events, all given out by `finish()`.

    `document`: the file is one JSON document (or several) over many lines, read whole at the end.
    """

    def __init__(self, path: str, problems: ReadProblems | None = None, *, document: bool = False):
        self.path = path
        self.problems = problems if problems is not None else ReadProblems(strict=True)
        self.document = document
        self._lines: list[tuple[int, int, bytes]] = []  # a document's lines: number, offset, text
        self._spans = SpanSpill()
        self._order = 0
        self._finished = False

    @property
    def holding(self) -> bool:
        """Whether the file gave a span so far (or a document's lines): its events come at the end."""
        return bool(len(self._spans) or self._lines)

    # -- input ---------------------------------------------------------------------------------

    def feed(self, line: bytes, where: str, tail: bool = False, offset: int = 0) -> None:
        """One line of the file (the reader hands them all over, in order), at byte `offset`."""
        if self.document:
            self._lines.append((_line_number(where), offset, line))
            return
        try:
            request = orjson.loads(line) if len(line) <= LONG_LINE else lazy_request(line)
        except ValueError as error:  # orjson's JSONDecodeError, or what lazy_request finds
            if tail:
                self.problems.torn_line(where)
            else:
                why = refusal(line, error) if isinstance(error, orjson.JSONDecodeError) else str(error)
                self.problems.invalid_line(where, f"not JSON ({why})")
            return
        self._request(request, where, offset)

    def map(self, obj: JsonValue) -> list[JsonEvent]:
        """One parsed line (the mapper interface of `legacy` and `n3_native`); events come at `finish()`."""
        self._request(obj, self.path)
        return []

    def _request(self, request: JsonValue, where: str, offset: int = 0) -> None:
        """A request, or a line's list of requests (one level: a list in such a list is no request)."""
        for item in request if isinstance(request, list) else (request,):
            self._one_request(item, where, offset)

    def _one_request(self, request: JsonValue, where: str, offset: int) -> None:
        if not is_otlp_request(request):
            self.problems.invalid_line(where, _not_a_request(request))
            return
        try:
            for item in spans_of(request, self._order, _line_number(where), offset):
                if isinstance(item, SpanProblem):
                    left_out = "" if self.problems.strict else "; span left out"
                    self.problems.invalid_line(where, f"{item.path}: {item.why}{left_out}")
                    continue
                self._order = item.order
                self._spans.add(item, is_run_span(item))
        except ValueError as error:
            self.problems.invalid_line(where, str(error))

    def _read_document(self) -> None:
        """The documents of a file spread over lines, one after another, each placed at the line it begins on
        (found by bisection: counting newlines from the top for each document was quadratic)."""
        if not self._lines:
            return
        numbers = [number for number, _, _ in self._lines]
        texts = [line.decode("utf-8", "replace") for _, _, line in self._lines]
        starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))  # each line's place in text
        text = "\n".join(texts)
        decoder, position = json.JSONDecoder(parse_int=_integer), 0
        while True:
            while position < len(text) and text[position] in " \t\r\n":
                position += 1
            if position >= len(text):
                return
            index = bisect_right(starts, position) - 1
            where = f"{self.path}:{numbers[index]}"
            try:
                value, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                at = numbers[min(error.lineno - 1, len(numbers) - 1)]
                self.problems.invalid_line(f"{self.path}:{at}", f"not JSON ({error.msg}, column {error.colno})")
                return
            except RecursionError:
                self.problems.invalid_line(where, "not JSON (nested too deeply)")
                return
            self._request(value, where, self._lines[index][1])

    # -- output --------------------------------------------------------------------------------

    def finish(self) -> list[JsonEvent]:
        """The v1 events of every trace in the file, a run per trace id, each numbered from 0."""
        return [event for event, _, _ in self.finish_placed()]

    def finish_placed(self) -> Iterator[Placed]:
        """`finish()`'s events, each with the line (and its offset) of the request it came from, given out one
        at a time: a run's events are held on disk, not in memory, until their order is known."""
        if self._finished:
            return
        self._finished = True
        if self.document:
            self._read_document()
        kept = EventSpill()
        try:
            for trace, numbers in self._spans.traces():
                yield from _Run(self._spans, trace, numbers, kept).events()
        finally:
            kept.clear()
            self._spans.close()


def _not_a_request(value: JsonValue) -> str:
    if not isinstance(value, dict):
        return f"not an OTLP/JSON trace request but a JSON {type(value).__name__}"
    if "resourceSpans" in value or "resource_spans" in value:
        return "resourceSpans is not a list"
    if "v" in value:
        return "a namel3ss-debug v1 event in an OTLP/JSON file"
    return f"not an OTLP/JSON trace request (no resourceSpans; keys: {', '.join(list(value)[:3])})"


def _integer(text: str) -> int | float:
    """A JSON integer as the document decoder reads it: one too long for Python's int() (4,300 digits) is
    out of every range OTLP has, read as infinity, which each field then refuses as it refuses any bad value."""
    return int(text) if len(text) <= 4300 else math.inf


def _line_number(where: str) -> int:
    number = where.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0


class _Run:
    """One trace as one run: its spans read back from the spill one at a time, its events kept on disk
    (`EventSpill`) with their sort keys in memory, and given out in order."""

    def __init__(self, spill: SpanSpill, trace: int, numbers: list[int], kept: EventSpill):
        self.spill, self.numbers, self.kept = spill, numbers, kept
        self.trace_id = spill.trace_ids[trace]
        named = spill.named.get(trace)
        self.resource = spill.span(named[2] if named else numbers[0]).resource
        self.run_id = str(self.resource.get("namel3ss.run_id") or self.trace_id)
        self.has_run_span = trace in spill.run_spans
        self.root = stable_span_id(self.trace_id, "run")
        self._times, self._ties, self._seqs = array("Q"), array("Q"), array("q")
        self._whole = self.has_run_span  # ours, whole: given out in the order it was written in
        self._last, self._failed = spill.start[numbers[0]], False

    def events(self) -> Iterator[Placed]:
        walk = walk_order(array("Q", (self.spill.ids[n] for n in self.numbers)),
                          array("Q", (self.spill.parents[n] for n in self.numbers)))
        for place, number in enumerate(self.numbers):
            span = self.spill.span(number)
            if is_ours(span.attributes):
                made = self._ours(span)
            else:
                made = _SpanEvents(self.run_id, span, self._parent(span, walk.attached[place])).events()
            for ns, phase, event in made:
                self._keep(ns, 1 + (walk.ends[place] if phase == "e" else walk.starts[place]), event, span)
        if not self.has_run_span:
            self._run_events()
        try:
            yield from self._in_order()
        finally:
            self.kept.clear()

    def _keep(self, ns: int, tie: int, event: JsonEvent, span: OtlpSpan) -> None:
        """One event, on disk, with its time, tie-break (1 + its walk number; the run's start 0, its end
        the greatest) and own seq in memory."""
        self.kept.append((event, span.line, span.offset))
        self._times.append(ns)
        self._ties.append(tie)
        seq = own_seq(event)
        if seq is None or not -(2**63) <= seq < 2**63:
            self._whole, seq = False, 0
        self._seqs.append(seq)
        self._last = max(self._last, ns)
        self._failed = self._failed or (event["parent_id"] == self.root and event["status"] == "failed")

    def _in_order(self) -> Iterator[Placed]:
        """The events by their own seq (ours, whole and each seq once), or else by time, a parent's start
        before its children's between equal times, then numbered from 0; equal keys keep the order made."""
        keys = sorted((seq + 2**63) << 32 | index for index, seq in enumerate(self._seqs)) if self._whole else []
        if any((keys[i] ^ keys[i - 1]) >> 32 == 0 for i in range(1, len(keys))):
            keys = []  # a seq given twice: not whole
        whole = bool(keys)
        if not whole:
            times, ties = self._times, self._ties
            keys = sorted((times[i] << 34 | ties[i]) << 32 | i for i in range(len(times)))
        for position, key in enumerate(keys):
            event, line, offset = self.kept[key & 0xFFFFFFFF]
            if not whole:
                event["seq"] = position
            yield event, line, offset

    def _ours(self, span: OtlpSpan) -> list[tuple[int, str, JsonEvent]]:
        made = span_events(span, self.run_id, ns_to_iso)
        phases = "se" if len(made) == 2 else "s"
        found = [(ns, phase, event) for (ns, event), phase in zip(made, phases)]
        for event in span.events:
            if is_startup_event(event):  # the run's start-up, exported as an event of the run's span
                found += [(ns, "s", made) for ns, made in startup_events(span, event, self.run_id, ns_to_iso)]
            elif is_ours(event.attributes):
                found.append((event.time_ns, "i", instant_event(event, self.run_id, ns_to_iso)))
        return found

    def _parent(self, span: OtlpSpan, attached: int) -> tuple[str, str | None]:
        """The v1 parent of a foreign span, and the parent id the file named but does not hold."""
        parent = span.parent_span_id
        if parent is not None and attached:
            return parent, None
        return self.root, parent

    def _run_events(self) -> None:
        """`run_start` and `run_end` of a foreign trace: from its first start to its last end, placed at the
        lines of its first and last span in the file."""
        first, last = self.spill.start[self.numbers[0]], self._last
        name = str(self.resource.get("service.name") or self.trace_id)
        start = make_event(self.run_id, ns_to_iso(first), "run_start", "app", name, self.root, None, "started")
        start["attrs"] = self._run_start_attrs(name)
        end = make_event(self.run_id, ns_to_iso(last), "run_end", "app", name, self.root, None,
                         "failed" if self._failed else "completed")
        end["duration_ms"] = round((last - first) / 1e6, 3)
        end["attrs"] = {"synthesized": True, "source_format": SOURCE_FORMAT}
        order = self.spill.order
        opened = self.spill.span(min(self.numbers, key=lambda n: order[n]))
        closed = self.spill.span(max(self.numbers, key=lambda n: order[n]))
        self._keep(first, 0, start, opened)
        self._keep(last, (1 << 34) - 1, end, closed)

    def _run_start_attrs(self, name: str) -> JsonObject:
        attrs = run_start_attrs("otlp", name, SOURCE_FORMAT)
        attrs["trace_id"] = self.trace_id
        for key, ours in (("host.name", "host"), ("process.pid", "pid")):
            if key in self.resource:
                attrs[ours] = self.resource[key]
        if self.resource:
            attrs["otel_resource"] = self.resource
        return attrs


class _SpanEvents:
    """The v1 events of one span of another writer: start, instants, end (each with its time and phase)."""

    def __init__(self, run_id: str, span: OtlpSpan, parent: tuple[str, str | None]):
        self.run_id, self.span = run_id, span
        self.parent, self.missing_parent = parent

    def events(self) -> list[tuple[int, str, JsonEvent]]:
        span = self.span
        begun = opening(span.name, span.attributes, span.kind, span.scope)
        component = begun.component or _plumbing_component(span.attributes)
        name = begun.name if begun.component is not None else span.name
        prefix = span_prefix(component)
        start = self._event(span.start_ns, prefix + "_start", component, name, "started")
        if begun.component is not None and begun.inputs is not None:
            start["inputs"] = begun.inputs
        if begun.model:
            start["model"] = begun.model
        start["attrs"] = {**self._attrs(begun.attrs, begun.tool_call_id), **as_it_came(span.name, name, span.kind)}
        placed = [(span.start_ns, "s", start)]
        placed += [(ns, "i", event) for ns, event in self._instants()]
        if span.end_ns is not None:
            placed.append((span.end_ns, "e", self._end(prefix, component, name)))
        return placed

    def _end(self, prefix: str, component: str, name: str) -> JsonEvent:
        span = self.span
        exceptions: list[Mapping[str, JsonValue]] = [e.attributes for e in span.events if e.name == "exception"]
        done = ending(component, span.attributes, span.status, span.status_message or None, exceptions)
        end = self._event(span.end_ns or span.start_ns, prefix + "_end", component, name,
                          "failed" if done.error else "completed")
        end["duration_ms"] = round(max(0, (span.end_ns or span.start_ns) - span.start_ns) / 1e6, 3)
        for key, value in (("outputs", done.outputs), ("usage", done.usage), ("model", done.model),
                           ("error", done.error)):
            if value is not None:
                end[key] = value
        return end

    def _instants(self) -> list[tuple[int, JsonEvent]]:
        found = []
        failed = self.span.status == "ERROR"
        for index, otel_event in enumerate(self.span.events):
            if otel_event.name == "exception" and failed:
                continue  # the span's error
            event = self._event(otel_event.time_ns, "custom_otel_event", "custom", otel_event.name, "completed")
            event["span_id"] = stable_span_id(self.span.trace_id, self.span.span_id, "event", str(index))
            event["parent_id"] = self.span.span_id
            event["attrs"] = {"source": "opentelemetry"}
            if otel_event.attributes:
                event["attrs"]["otel_attributes"] = otel_event.attributes
            found.append((otel_event.time_ns, event))
        return found

    def _event(self, ns: int, event_type: str, component: str, name: str, status: str) -> JsonEvent:
        return make_event(self.run_id, ns_to_iso(ns), event_type, component, name, self.span.span_id,
                          self.parent, status)

    def _attrs(self, base: JsonObject | None, call_id: str | None) -> JsonObject:
        attrs = dict(base or {"source": "opentelemetry"})
        if self.span.scope:
            attrs["otel_scope"] = self.span.scope
        if call_id:
            attrs["tool_call_id"] = call_id
        kept = kept_attributes(self.span.attributes)
        if kept:
            attrs["otel_attributes"] = kept
        if self.span.links:
            attrs["otel_links"] = self.span.links
        if self.missing_parent is not None:
            attrs["otel_parent_span_id"] = self.missing_parent
        return attrs


def _plumbing_component(attributes: JsonObject) -> str:
    """A span `otel_attributes` leaves out (the app's HTTP, database, messaging): kept, as `http` or `custom`."""
    return "http" if any(k.startswith(("http.", "url.")) for k in attributes) else "custom"

