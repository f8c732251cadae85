"""Read the legacy namel3ss debug format as trace format v1 events.

What the legacy format is, as its writer made it (namel3ss-Ai/namel3ss-programming-language,
`namel3ss/debugging/__init__.py` (`TraceEvent`), `tracer.py` (`ExecutionTracer`) and `hooks.py`):

- One `TraceEvent` dataclass per line, written with `json.dumps(asdict(event))` by the buffered writer
  (the unbuffered writer used `indent=2`, i.e. several lines per event, which no line reader can read).
  Fields: `event_type`, `event_id` (uuid4), `timestamp` (`time.time()`), `parent_event_id`,
  `execution_id` (`exec_<unix seconds>_<hex>`), `component` (`agent|prompt|chain|tool|app|llm`, default
  `app`), `component_name`, `inputs`, `outputs`, `metadata` (dicts, `{}` when empty; payloads over 16 KiB
  became `{"_truncated": true, "_original_size": N, "_data": "..."}`), `duration_ms`, `status`
  (`started|completed|failed|skipped`, default `started`), `error` (`str(exception)`), `memory_usage_mb`
  (RSS), `tokens_used` (int) and `cost_estimate` (float).
- JsonEvent types are the v1 vocabulary minus `run_*`/`segment_start`; `validation_event` is documented but
  was never written.
- A span is a start event plus an end event with an id of its own whose `parent_event_id` is the
  start's `event_id`, and which carries `duration_ms` (wall clock) and, on failure, `error` and
  `outputs.error_type`. Every other event's `parent_event_id` is the top of one per-run stack of open
  starts (shared by all asyncio tasks, so concurrent spans can point at each other's starts).
- The hooks also write an explicit `*_end` with the result (`outputs`, `status` completed, no
  `duration_ms`) just before the context manager writes its own end: a successful span has two ends.
- `app_load_start` is never pushed on the stack and `app_load_end` has no parent link: top-level
  spans are siblings of it, and its end can only be paired by type.
- `memory_operation` is written with component `agent` and status `started`; validation is one
  `validation_start` with a final status and no end; `error_occurred` puts the exception class in
  `metadata.error_type`. An exception with an empty message was recorded as `completed`.
- The writer never set `tokens_used` or `cost_estimate` (`emit_event` has no such parameters; LLM
  token counts are in the end's `outputs.prompt_tokens`/`completion_tokens`), and there is no run end.

How it maps (one `LegacyMapper` per run, fed its lines in file order):
- `execution_id` -> `run_id`; a `run_start` (component `app`) is synthesized before the first event,
  and `finish()` synthesizes the `run_end`, both marked `attrs.synthesized`. The run's root span is
  the parent of every event without a (known) parent; an unknown parent id is kept in `attrs`.
- `event_id` -> `span_id`: kept when it already is 16 hex digits, else hashed to 16, the original
  kept as `attrs.legacy_event_id`. An end takes its start's span (by `parent_event_id`, or else the
  latest open start of the same type and name). An end without `duration_ms` is held back one event:
  if the next event ends the same span the two are merged into one v1 end, otherwise it is written
  alone with the duration measured from the timestamps (`attrs.duration_from_timestamps`).
- A start that already has a final status (validation) becomes a start plus a zero-length end.
- Component comes from the event type when the type fixes it (`llm_call_*` -> `llm`, `memory_*` ->
  `memory`, ...), else from `component`; a differing source component is kept as
  `attrs.legacy_component`. Unknown event types become `custom_legacy_event`.
- `error` -> `{type, message, category}` (type from `metadata`/`outputs.error_type`, else the
  `Type: message` text, else `Error`), `tokens_used` (int or dict) and LLM outputs -> `usage`,
  `cost_estimate` -> `cost_usd`, `memory_usage_mb` -> `memory_mb`, `metadata` and unknown fields ->
  `attrs`. Spans still open at `finish()` stay open, so integrity checks can report them.
Invalid values raise ValueError with a short message; the mapper's state is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.events import is_end, is_start
from ..model.json_types import JsonEvent, JsonObject
from .foreign import is_number, make_event, run_start_attrs, stable_span_id, unix_to_iso
from .legacy_lines import LegacyLine, parse_line
from .problems import shown

SOURCE_FORMAT = "namel3ss-legacy"

_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
_FINAL_STATUSES = ("completed", "failed", "skipped")


def looks_legacy(obj: JsonObject) -> bool:
    """True for a line of the legacy format: no `v`, a string `event_type` and a numeric `timestamp`.

    >>> looks_legacy({"event_type": "llm_call_start", "timestamp": 1700000000.5})
    True
    """
    return (
        isinstance(obj, dict)
        and "v" not in obj
        and isinstance(obj.get("event_type"), str)
        and is_number(obj.get("timestamp"))
    )


@dataclass
class _Span:
    span_id: str
    parent_id: str
    prefix: str
    name: str
    seconds: float
    open: bool = True


@dataclass
class _HeldEnd:
    key: str
    line: LegacyLine


class LegacyMapper:
    """Turns the lines of one legacy run into v1 events, numbering them from 0.

    >>> mapper = LegacyMapper()
    >>> events = mapper.map({"event_type": "tool_call_start", "event_id": "a", "timestamp": 1.0,
    ...                      "execution_id": "exec_1", "component_name": "search"})
    >>> [e["event_type"] for e in events + mapper.finish()]
    ['run_start', 'tool_call_start', 'run_end']
    """

    def __init__(self, run_id: str | None = None):
        """`run_id` names the run; by default it is the first line's `execution_id`."""
        self._run_id = run_id
        self._execution_id: str | None = None
        self._root = self._root_name = ""
        self._spans: dict[str, _Span] = {}  # legacy start event_id -> span
        self._known: dict[str, str] = {}  # any legacy event_id -> its v1 span_id
        self._held: _HeldEnd | None = None
        self._first = self._last = 0.0
        self._seq = self._lines = 0
        self._failed = False
        self._started = self._finished = False

    def map(self, obj: JsonObject) -> list[JsonEvent]:
        """The v1 events for one legacy line (none while an end is held back, several around it)."""
        line = parse_line(obj)
        self._check_run(line)
        self._lines += 1
        events = []
        if not self._started:
            events.append(self._run_start(line))
            self._first = self._last = line.seconds
        self._execution_id = self._execution_id or line.execution_id
        self._last = max(self._last, line.seconds)
        events += self._route(line)
        return self._number(events)

    def finish(self) -> list[JsonEvent]:
        """Write out a held end and the synthesized `run_end`; nothing if no line was mapped."""
        if not self._started or self._finished:
            return []
        self._finished = True
        events = self._release()
        end = make_event(self._run_id or "", unix_to_iso(self._last), "run_end", "app", self._root_name,
                         self._root, None, "failed" if self._failed else "completed")
        end["duration_ms"] = round(max(0.0, self._last - self._first) * 1000, 3)
        end["attrs"] = {"synthesized": True, "source_format": SOURCE_FORMAT}
        return self._number(events + [end])

    # -- run ---------------------------------------------------------------------------------------

    def _check_run(self, line: LegacyLine) -> None:
        if self._finished:
            raise ValueError("the run was already finished")
        if self._run_id is None and line.execution_id is None:
            raise ValueError("execution_id is missing, so the event belongs to no run")
        if self._execution_id and line.execution_id and line.execution_id != self._execution_id:
            raise ValueError(f"execution_id {shown(line.execution_id)} is not this run's ({shown(self._execution_id)})")

    def _run_start(self, line: LegacyLine) -> JsonEvent:
        self._started = True
        self._execution_id = line.execution_id
        self._run_id = self._run_id or line.execution_id
        self._root = stable_span_id(self._run_id or "", "run")
        loaded = line.name if line.source_type == "app_load_start" else None
        self._root_name = loaded or self._run_id or ""
        event = make_event(self._run_id or "", unix_to_iso(line.seconds), "run_start", "app",
                           self._root_name, self._root, None, "started")
        event["attrs"] = run_start_attrs("legacy", self._root_name, SOURCE_FORMAT)
        if self._execution_id:
            event["attrs"]["execution_id"] = self._execution_id
        return event

    def _number(self, events: list[JsonEvent]) -> list[JsonEvent]:
        for event in events:
            event["seq"] = self._seq
            self._seq += 1
            if event["parent_id"] == self._root and event["status"] == "failed":
                self._failed = True
        return events

    # -- routing -----------------------------------------------------------------------------------

    def _route(self, line: LegacyLine) -> list[JsonEvent]:
        if is_end(line.event_type):
            return self._end(line)
        events = self._release()
        if is_start(line.event_type):
            return events + self._start(line)
        span_id = self._own_span(line)
        return events + [self._event(line, line.event_type, span_id, self._parent(line), line.name)]

    def _own_span(self, line: LegacyLine) -> str:
        event_id = line.event_id or f"line {self._lines}"  # a line without an id is named by its position
        span_id = event_id if _SPAN_ID.match(event_id) else stable_span_id(self._run_id or "", event_id)
        if span_id != event_id:
            line.attrs["legacy_event_id"] = event_id
        if line.event_id:
            self._known[line.event_id] = span_id
        return span_id

    def _parent(self, line: LegacyLine) -> str:
        if line.parent_event_id is None:
            return self._root
        if line.parent_event_id in self._known:
            return self._known[line.parent_event_id]
        line.attrs["legacy_parent_event_id"] = line.parent_event_id
        return self._root

    def _start(self, line: LegacyLine) -> list[JsonEvent]:
        parent_id = self._parent(line)
        span_id = self._own_span(line)
        name = line.name or line.event_type
        span = _Span(span_id, parent_id, _prefix(line.event_type), name, line.seconds)
        self._spans[line.event_id or span_id] = span
        final = line.status in _FINAL_STATUSES or line.error is not None
        if not final:
            return [self._event(line, line.event_type, span_id, parent_id, name, status="started")]
        start = self._event(line, line.event_type, span_id, parent_id, name, status="started",
                            keep=("inputs", "model"))
        # A start with a final status (the legacy validation event) is a whole record: close it at once.
        span.open = False
        end = self._event(line, span.prefix + "_end", span_id, parent_id, name, drop=("inputs",))
        end["duration_ms"] = 0.0
        end.setdefault("attrs", {})["synthesized_end"] = True
        return [start, end]

    # -- ends --------------------------------------------------------------------------------------

    def _end(self, line: LegacyLine) -> list[JsonEvent]:
        key = self._pair(line)
        held = self._held
        if held is not None and held.key == key:
            self._held = None
            return [self._merge(held.line, line, self._spans[key])]
        events = self._release()
        if key is None:
            return events + [self._orphan_end(line)]
        span = self._spans[key]
        if not span.open:
            return events + [self._late_end(line, span)]
        if line.duration_ms is None:
            # The legacy hooks wrote the result in an end without duration, then the real end: wait for it.
            self._held = _HeldEnd(key, line)
            return events
        span.open = False
        return events + [self._end_event(line, span, line.duration_ms)]

    def _pair(self, line: LegacyLine) -> str | None:
        """The start this end closes: the one it points at, else the latest open one of its type and name."""
        prefix = _prefix(line.event_type)
        span = self._spans.get(line.parent_event_id or "")
        if span is not None and span.prefix == prefix:
            return line.parent_event_id
        for key in reversed(self._spans):
            candidate = self._spans[key]
            if candidate.open and candidate.prefix == prefix and line.name in (None, candidate.name):
                return key
        return None

    def _end_event(self, line: LegacyLine, span: _Span, duration_ms: float) -> JsonEvent:
        event = self._event(line, line.event_type, span.span_id, span.parent_id, line.name or span.name)
        event["duration_ms"] = round(duration_ms, 3)
        if line.event_id and line.event_id != span.span_id:
            event.setdefault("attrs", {})["legacy_event_id"] = line.event_id
        return event

    def _release(self) -> list[JsonEvent]:
        """Write out a held end alone, its duration measured from the timestamps."""
        if self._held is None:
            return []
        held, self._held = self._held, None
        span = self._spans[held.key]
        span.open = False
        event = self._end_event(held.line, span, max(0.0, held.line.seconds - span.seconds) * 1000)
        event.setdefault("attrs", {})["duration_from_timestamps"] = True
        return [event]

    def _merge(self, first: LegacyLine, second: LegacyLine, span: _Span) -> JsonEvent:
        """One v1 end from the hook's result end (`first`) and the context manager's end (`second`)."""
        span.open = False
        early = self._end_event(first, span, 0.0)
        measured = second.duration_ms is None
        duration = max(0.0, second.seconds - span.seconds) * 1000 if measured else second.duration_ms
        event = self._end_event(second, span, duration or 0.0)
        if "outputs" in early and "outputs" in event:
            event["outputs"] = {**early["outputs"], **event["outputs"]}
        for key in ("outputs", "usage", "model", "cost_usd", "memory_mb", "error"):
            if key in early and key not in event:
                event[key] = early[key]
        if "error" in event:
            event["status"] = "failed"
        attrs = {**early.get("attrs", {}), **event.get("attrs", {})}
        if first.event_id:
            attrs["legacy_merged_event_id"] = first.event_id
        if measured:
            attrs["duration_from_timestamps"] = True
        event["attrs"] = attrs
        return event

    def _orphan_end(self, line: LegacyLine) -> JsonEvent:
        """An end whose start is not in the file: its own span, so integrity checks can report it."""
        span_id = self._own_span(line)
        event = self._event(line, line.event_type, span_id, self._parent(line), line.name or line.event_type)
        event["duration_ms"] = round(line.duration_ms or 0.0, 3)
        return event

    def _late_end(self, line: LegacyLine, span: _Span) -> JsonEvent:
        """A second end for a span already closed: kept as an instant record under that span."""
        line.attrs["legacy_event_type"] = line.source_type
        if line.duration_ms is not None:
            line.attrs["duration_ms"] = line.duration_ms
        return self._event(line, "custom_legacy_end_record", self._own_span(line), span.span_id,
                           line.name or span.name)

    # -- building ----------------------------------------------------------------------------------

    def _event(self, line: LegacyLine, event_type: str, span_id: str, parent_id: str, name: str | None,
               status: str | None = None, keep: tuple[str, ...] | None = None,
               drop: tuple[str, ...] = ()) -> JsonEvent:
        """A v1 event from `line`; `keep` limits, `drop` removes, which optional fields it carries."""
        event = make_event(self._run_id or "", unix_to_iso(line.seconds), event_type, line.component,
                           name or line.event_type, span_id, parent_id, status or self._final_status(line))
        for key, value in line.optional.items():
            if (keep is None or key in keep) and key not in drop:
                event[key] = value
        if line.error is not None and status is None:
            event["error"] = dict(line.error)
        attrs = dict(line.attrs)
        if line.status not in (None, event["status"]):
            attrs["legacy_status"] = line.status
        if attrs:
            event["attrs"] = attrs
        return event

    @staticmethod
    def _final_status(line: LegacyLine) -> str:
        if line.error is not None:
            return "failed"
        # The legacy writer's default status was "started", even for instant events: read it as done.
        return line.status if line.status in _FINAL_STATUSES else "completed"


def _prefix(event_type: str) -> str:
    return event_type.rsplit("_", 1)[0]
