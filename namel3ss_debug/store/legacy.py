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
- Event types are the v1 vocabulary minus `run_*`/`segment_start`; `validation_event` is documented but
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

import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from ..model.error_category import categorize
from ..model.events import COMPONENTS, EVENT_TYPES, SCHEMA_VERSION, is_end, is_start

SOURCE_FORMAT = "namel3ss-legacy"

Event = dict[str, Any]

_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
_CUSTOM_TYPE = re.compile(r"^custom_[a-z0-9_]+$")
# "openai.RateLimitError: slow down": a dotted name whose last part is capitalised, as classes are.
_TYPED_MESSAGE = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*): (.*)$", re.DOTALL)
# The run's own events belong to us: a legacy line claiming to be one is read as an unknown type.
_FOREIGN_TYPES = frozenset(EVENT_TYPES) - {"run_start", "run_end", "segment_start"}
_FINAL_STATUSES = ("completed", "failed", "skipped")
_UNKNOWN_TYPE = "custom_legacy_event"
_YEAR_10000 = 253_402_300_800

# Event-type prefixes that decide the component; checked in order.
_TYPE_COMPONENTS = (
    ("app_load", "app"),
    ("agent_", "agent"),
    ("llm_call", "llm"),
    ("tool_call", "tool"),
    ("prompt_execution", "prompt"),
    ("chain_", "chain"),
    ("memory_", "memory"),
    ("validation", "validation"),
)

_KNOWN_FIELDS = frozenset({
    "event_type", "event_id", "timestamp", "parent_event_id", "execution_id", "component",
    "component_name", "inputs", "outputs", "metadata", "duration_ms", "status", "error",
    "memory_usage_mb", "tokens_used", "cost_estimate",
})
_TOKEN_ALIASES = {"prompt_tokens": "input_tokens", "completion_tokens": "output_tokens"}


def looks_legacy(obj: dict[str, Any]) -> bool:
    """True for a line of the legacy format: no `v`, a string `event_type` and a numeric `timestamp`.

    >>> looks_legacy({"event_type": "llm_call_start", "timestamp": 1700000000.5})
    True
    """
    return (
        isinstance(obj, dict)
        and "v" not in obj
        and isinstance(obj.get("event_type"), str)
        and _is_number(obj.get("timestamp"))
    )


# ---- helpers shared with the other foreign formats ------------------------------------------------


def unix_to_iso(seconds: float) -> str:
    """Unix seconds as a v1 `ts`: `1700000000.5` -> `2023-11-14T22:13:20.500000Z`."""
    # v1 timestamps have four-digit years, so 1970..9999 is what can be written.
    if not 0 <= seconds < _YEAR_10000:
        raise ValueError(f"timestamp {seconds!r} is not between 1970 and 9999")
    second, micros = divmod(round(seconds * 1_000_000), 1_000_000)
    prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{prefix}.{micros:06d}Z"


def stable_span_id(*parts: str) -> str:
    """A v1 span id (16 hex digits) derived from `parts`, the same every time the file is read."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def make_event(run_id: str, ts: str, event_type: str, component: str, name: str,
               span_id: str, parent_id: str | None, status: str) -> Event:
    """The v1 envelope; `seq` is set when the event is numbered in output order."""
    return {
        "v": SCHEMA_VERSION, "run_id": run_id, "seq": 0, "ts": ts, "event_type": event_type,
        "component": component, "name": name, "span_id": span_id, "parent_id": parent_id, "status": status,
    }


def run_start_attrs(kind: str, name: str, source_format: str) -> dict[str, Any]:
    """The `run_start` attrs v1 requires, for a run read from a foreign file: what we cannot know is empty."""
    return {
        "entry": {"kind": kind, "name": name}, "argv": [], "cwd": "", "python": "", "config": {},
        "source_format": source_format, "synthesized": True,
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---- one legacy line, checked and normalised ------------------------------------------------------


@dataclass
class _Line:
    """A legacy line after validation: what the mapper needs, in v1 terms where they are per-line."""

    source_type: str
    event_type: str
    event_id: str | None
    parent_event_id: str | None
    execution_id: str | None
    component: str
    name: str | None
    seconds: float
    status: str | None
    error: dict[str, str] | None
    duration_ms: float | None
    optional: dict[str, Any] = field(default_factory=dict)  # inputs, outputs, usage, model, cost_usd, memory_mb
    attrs: dict[str, Any] = field(default_factory=dict)


def _parse(obj: dict[str, Any]) -> _Line:
    if not isinstance(obj, dict):
        raise ValueError(f"a legacy event is a JSON object, not {type(obj).__name__}")
    source_type = obj.get("event_type")
    if not isinstance(source_type, str) or not source_type:
        raise ValueError(f"event_type is not a non-empty string: {source_type!r}")
    event_type = _v1_type(source_type)
    outputs = obj.get("outputs")
    line = _Line(
        source_type=source_type, event_type=event_type,
        event_id=_optional_id(obj, "event_id"), parent_event_id=_optional_id(obj, "parent_event_id"),
        execution_id=_optional_id(obj, "execution_id"),
        component=_component(event_type, obj.get("component")), name=_optional_text(obj, "component_name"),
        seconds=_timestamp(obj.get("timestamp")), status=_optional_text(obj, "status"),
        error=_error(obj.get("error"), _error_type_hint(obj), is_end(event_type)),
        duration_ms=_non_negative(obj, "duration_ms"),
    )
    line.optional = _optional_fields(obj, outputs)
    line.attrs = _source_attrs(obj, line)
    return line


def _v1_type(source_type: str) -> str:
    if source_type in _FOREIGN_TYPES or (_CUSTOM_TYPE.match(source_type) and source_type != _UNKNOWN_TYPE):
        return source_type
    return _UNKNOWN_TYPE


def _component(event_type: str, source: Any) -> str:
    """The event type decides where it can (the legacy writer put memory operations under `agent`)."""
    for prefix, component in _TYPE_COMPONENTS:
        if event_type.startswith(prefix):
            return component
    return source if source in COMPONENTS else "custom"


def _timestamp(value: Any) -> float:
    if not _is_number(value):
        raise ValueError(f"timestamp is not a number of seconds: {value!r}")
    unix_to_iso(value)  # out-of-range times fail here, before any state changes
    return float(value)


def _optional_id(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{key} is not a string: {value!r}")


def _optional_text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string: {value!r}")
    return value


def _non_negative(obj: dict[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if not _is_number(value) or value < 0:
        raise ValueError(f"{key} is not a non-negative number: {value!r}")
    return float(value)


def _error_type_hint(obj: dict[str, Any]) -> str | None:
    """`error_occurred` names the class in metadata; a failed span's end in its outputs."""
    for key in ("metadata", "outputs"):
        holder = obj.get(key)
        if isinstance(holder, dict) and isinstance(holder.get("error_type"), str) and holder["error_type"]:
            return holder["error_type"]
    return None


def _error(text: Any, type_hint: str | None, end: bool) -> dict[str, str] | None:
    if text is not None and not isinstance(text, str):
        raise ValueError(f"error is not a string: {text!r}")
    # An exception with an empty message still failed: its end says so only through outputs.error_type.
    if not text and not (end and type_hint):
        return None
    type_name, message = _split_error(text or "")
    type_name = type_hint or type_name
    return {"type": type_name, "message": message, "category": categorize(type_name, message)}


def _split_error(text: str) -> tuple[str, str]:
    """`"TimeoutError: slow"` -> `("TimeoutError", "slow")`; plain text has the type `Error`."""
    match = _TYPED_MESSAGE.match(text)
    return (match.group(1), match.group(2)) if match else ("Error", text)


def _optional_fields(obj: dict[str, Any], outputs: Any) -> dict[str, Any]:
    inputs = obj.get("inputs")
    found: dict[str, Any] = {
        "inputs": inputs if _has_content(inputs) else None,
        "outputs": outputs if _has_content(outputs) else None,
        "usage": _usage(obj.get("tokens_used"), outputs),
        "model": _model(inputs, outputs),
        "cost_usd": _non_negative(obj, "cost_estimate"),
        "memory_mb": _non_negative(obj, "memory_usage_mb"),
    }
    return {key: value for key, value in found.items() if value is not None}


def _has_content(value: Any) -> bool:
    return value is not None and value != {} and value != [] and value != ""


def _model(inputs: Any, outputs: Any) -> str | None:
    for holder in (outputs, inputs):
        if isinstance(holder, dict) and isinstance(holder.get("model"), str) and holder["model"]:
            return holder["model"]
    return None


def _usage(tokens_used: Any, outputs: Any) -> dict[str, int] | None:
    usage = _usage_from_tokens(tokens_used)
    # The legacy LLM hook put the split counts in the end's outputs, never in tokens_used.
    if isinstance(outputs, dict):
        for source, target in _TOKEN_ALIASES.items():
            value = outputs.get(source)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and target not in usage:
                usage[target] = value
    if "total_tokens" not in usage and {"input_tokens", "output_tokens"} <= set(usage):
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    return usage or None


def _usage_from_tokens(tokens_used: Any) -> dict[str, int]:
    if tokens_used is None:
        return {}
    if isinstance(tokens_used, dict):
        return {_TOKEN_ALIASES.get(key, key): _token_count(key, value) for key, value in tokens_used.items()}
    return {"total_tokens": _token_count("tokens_used", tokens_used)}


def _token_count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} is not a non-negative whole number: {value!r}")
    return value


def _source_attrs(obj: dict[str, Any], line: _Line) -> dict[str, Any]:
    """What v1 has no field for, so that nothing of the source line is lost."""
    attrs: dict[str, Any] = {}
    metadata = obj.get("metadata")
    if _has_content(metadata):
        attrs["metadata"] = metadata
    if line.event_type != line.source_type:
        attrs["legacy_event_type"] = line.source_type
    source_component = obj.get("component")
    if source_component is not None and source_component != line.component:
        attrs["legacy_component"] = source_component
    extra = {key: value for key, value in obj.items() if key not in _KNOWN_FIELDS}
    if extra:
        attrs["extra"] = extra
    return attrs


# ---- the mapper -----------------------------------------------------------------------------------


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
    line: _Line


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

    def map(self, obj: dict[str, Any]) -> list[Event]:
        """The v1 events for one legacy line (none while an end is held back, several around it)."""
        line = _parse(obj)
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

    def finish(self) -> list[Event]:
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

    def _check_run(self, line: _Line) -> None:
        if self._finished:
            raise ValueError("the run was already finished")
        if self._run_id is None and line.execution_id is None:
            raise ValueError("execution_id is missing, so the event belongs to no run")
        if self._execution_id and line.execution_id and line.execution_id != self._execution_id:
            raise ValueError(f"execution_id {line.execution_id!r} is not this run's ({self._execution_id!r})")

    def _run_start(self, line: _Line) -> Event:
        self._started = True
        self._execution_id = line.execution_id
        self._run_id = self._run_id or line.execution_id
        self._root = stable_span_id(self._run_id or "", "run")
        loaded = line.source_type == "app_load_start" and line.name
        self._root_name = line.name if loaded else (self._run_id or "")
        event = make_event(self._run_id or "", unix_to_iso(line.seconds), "run_start", "app",
                           self._root_name, self._root, None, "started")
        event["attrs"] = run_start_attrs("legacy", self._root_name, SOURCE_FORMAT)
        if self._execution_id:
            event["attrs"]["execution_id"] = self._execution_id
        return event

    def _number(self, events: list[Event]) -> list[Event]:
        for event in events:
            event["seq"] = self._seq
            self._seq += 1
            if event["parent_id"] == self._root and event["status"] == "failed":
                self._failed = True
        return events

    # -- routing -----------------------------------------------------------------------------------

    def _route(self, line: _Line) -> list[Event]:
        if is_end(line.event_type):
            return self._end(line)
        events = self._release()
        if is_start(line.event_type):
            return events + self._start(line)
        span_id = self._own_span(line)
        return events + [self._event(line, line.event_type, span_id, self._parent(line), line.name)]

    def _own_span(self, line: _Line) -> str:
        event_id = line.event_id or f"line {self._lines}"  # a line without an id is named by its position
        span_id = event_id if _SPAN_ID.match(event_id) else stable_span_id(self._run_id or "", event_id)
        if span_id != event_id:
            line.attrs["legacy_event_id"] = event_id
        if line.event_id:
            self._known[line.event_id] = span_id
        return span_id

    def _parent(self, line: _Line) -> str:
        if line.parent_event_id is None:
            return self._root
        if line.parent_event_id in self._known:
            return self._known[line.parent_event_id]
        line.attrs["legacy_parent_event_id"] = line.parent_event_id
        return self._root

    def _start(self, line: _Line) -> list[Event]:
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

    def _end(self, line: _Line) -> list[Event]:
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

    def _pair(self, line: _Line) -> str | None:
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

    def _end_event(self, line: _Line, span: _Span, duration_ms: float) -> Event:
        event = self._event(line, line.event_type, span.span_id, span.parent_id, line.name or span.name)
        event["duration_ms"] = round(duration_ms, 3)
        if line.event_id and line.event_id != span.span_id:
            event.setdefault("attrs", {})["legacy_event_id"] = line.event_id
        return event

    def _release(self) -> list[Event]:
        """Write out a held end alone, its duration measured from the timestamps."""
        if self._held is None:
            return []
        held, self._held = self._held, None
        span = self._spans[held.key]
        span.open = False
        event = self._end_event(held.line, span, max(0.0, held.line.seconds - span.seconds) * 1000)
        event.setdefault("attrs", {})["duration_from_timestamps"] = True
        return [event]

    def _merge(self, first: _Line, second: _Line, span: _Span) -> Event:
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

    def _orphan_end(self, line: _Line) -> Event:
        """An end whose start is not in the file: its own span, so integrity checks can report it."""
        span_id = self._own_span(line)
        event = self._event(line, line.event_type, span_id, self._parent(line), line.name or line.event_type)
        event["duration_ms"] = round(line.duration_ms or 0.0, 3)
        return event

    def _late_end(self, line: _Line, span: _Span) -> Event:
        """A second end for a span already closed: kept as an instant record under that span."""
        line.attrs["legacy_event_type"] = line.source_type
        if line.duration_ms is not None:
            line.attrs["duration_ms"] = line.duration_ms
        return self._event(line, "custom_legacy_end_record", self._own_span(line), span.span_id,
                           line.name or span.name)

    # -- building ----------------------------------------------------------------------------------

    def _event(self, line: _Line, event_type: str, span_id: str, parent_id: str, name: str | None,
               status: str | None = None, keep: tuple[str, ...] | None = None,
               drop: tuple[str, ...] = ()) -> Event:
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
    def _final_status(line: _Line) -> str:
        if line.error is not None:
            return "failed"
        # The legacy writer's default status was "started", even for instant events: read it as done.
        return line.status if line.status in _FINAL_STATUSES else "completed"


def _prefix(event_type: str) -> str:
    return event_type.rsplit("_", 1)[0]
