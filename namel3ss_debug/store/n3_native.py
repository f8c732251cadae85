"""Read the `n3` runtime's own step records (`.namel3ss/traces/<flow>-NNNNNN.jsonl`) as v1 events.

What the runtime writes (PyPI `namel3ss` 0.1.0a15 and namel3ss-Ai/namel3ss at a later commit,
`namel3ss/observability/trace_runs.py`, `_build_trace_entries`): after a flow ran, one canonical JSON
line per recorded execution step, keys sorted, with
- `step_id`: the step's id (`step:0001`, else `<flow>:step:0001`); `flow_name`; `step_name`: the step's
  kind (`flow_start`, `statement_let`, `ai_call`, `tool_call`, `error`, `flow_end`, ...);
- `timestamp`: the step's position in the run, 1, 2, 3... (a logical clock: the runtime keeps wall
  time out of its artifacts to stay deterministic), not a time;
- `input` / `output`: from the step's data, `{}` when absent (in practice nearly always);
- `duration_ms`: from the step's data, `0.0` when absent; `memory_used`: the size in bytes of the
  step's data as JSON (not process memory, so it is not `memory_mb`); `line` / `column` when known.
An `error` step carries neither the exception type nor its message (they are in `.namel3ss/execution/`).

How it maps (one `N3StepMapper` per file, fed its lines in order). Every event is synthesized: the
runtime records steps, not spans.
- `run_start` (component `app`, name the flow) and `chain_execution_start` for the flow come before
  the first step; each step becomes `chain_step_start` + `chain_step_end` (component `chain`, name
  `step_name`, `inputs` on the start and `outputs` on the end when not empty, `duration_ms` on the end,
  `attrs` {step, step_id, line, column, memory_used} and any unknown keys under `attrs.extra`).
- `finish()` closes `chain_execution_end` and `run_end`. An `error` step fails its end, the chain and
  the run, with the error type `Error` (the record names none).
- Timestamps: unix seconds (int or float) or an ISO 8601 string (without offset read as UTC) are
  times. Numbers below 10^9 (before 2001-09-09) are step numbers: then every event gets the time
  `clock_base` (the caller may pass the file's mtime; default 1970-01-01), the step number is kept as
  `attrs.timestamp`, and the run's duration is the sum of the steps' durations. With real times the
  run lasts from the first timestamp to the last plus the last step's duration. A file must not mix
  the two kinds.
Invalid values raise ValueError with a short message; the mapper's state is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..model.error_category import categorize
from ..model.json_types import JsonEvent, JsonObject, JsonValue
from .foreign import has_content, is_number, make_event, run_start_attrs, stable_span_id, unix_to_iso
from .problems import shown

SOURCE_FORMAT = "n3-steps"

_STEP_KEYS = ("step_id", "flow_name", "step_name", "timestamp")
_KNOWN_KEYS = frozenset({*_STEP_KEYS, "input", "output", "duration_ms", "memory_used", "line", "column"})
# Below this many seconds (2001-09-09) a timestamp is the runtime's step counter, not a time.
_FIRST_WALL_CLOCK = 1_000_000_000
_ERROR_STEP = "error"
_ERROR_MESSAGE = "the n3 runtime recorded an error step; its trace records carry no message"


def looks_n3_step(obj: JsonObject) -> bool:
    """True for a step record of the n3 runtime: no `v`, and `step_id`, `flow_name`, `step_name`, `timestamp`.

    >>> looks_n3_step({"step_id": "step:0001", "flow_name": "demo", "step_name": "flow_start", "timestamp": 1})
    True
    """
    return isinstance(obj, dict) and "v" not in obj and all(key in obj for key in _STEP_KEYS)


@dataclass
class _Step:
    """One step record after validation."""

    flow_name: str
    step_name: str
    seconds: float
    ordinal: bool
    duration_ms: float
    inputs: JsonValue
    outputs: JsonValue
    attrs: JsonObject = field(default_factory=dict)


def _parse(obj: JsonObject) -> _Step:
    if not isinstance(obj, dict):
        raise ValueError(f"an n3 step record is a JSON object, not {type(obj).__name__}")
    seconds, ordinal = _when(obj.get("timestamp"))
    step = _Step(
        flow_name=_text(obj, "flow_name"), step_name=_text(obj, "step_name"), seconds=seconds,
        ordinal=ordinal, duration_ms=_duration(obj.get("duration_ms")),
        inputs=obj.get("input"), outputs=obj.get("output"),
    )
    step.attrs = _attrs(obj, ordinal)
    return step


def _when(value: JsonValue) -> tuple[float, bool]:
    """(seconds, is a step number) from a number of seconds, a step number or an ISO 8601 string."""
    if isinstance(value, str):
        return _iso_seconds(value), False
    if not is_number(value):
        raise ValueError(f"timestamp is neither a number nor an ISO 8601 string: {shown(value)}")
    if value < _FIRST_WALL_CLOCK:
        return float(value), True
    unix_to_iso(value)  # out-of-range times fail here, before any state changes
    return float(value), False


def _iso_seconds(text: str) -> float:
    # fromisoformat accepts a trailing "Z" only from Python 3.11 on.
    stripped = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"timestamp is not an ISO 8601 time: {shown(text)}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = moment.timestamp()
    unix_to_iso(seconds)
    return seconds


def _text(obj: JsonObject, key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string: {shown(value)}")
    return value


def _duration(value: JsonValue) -> float:
    if value is None:
        return 0.0
    if not is_number(value) or value < 0:
        raise ValueError(f"duration_ms is not a non-negative number: {shown(value)}")
    return float(value)


def _attrs(obj: JsonObject, ordinal: bool) -> JsonObject:
    attrs = {key: obj[key] for key in ("step_id", "line", "column", "memory_used") if obj.get(key) is not None}
    if ordinal:
        attrs["timestamp"] = obj["timestamp"]
    extra = {key: value for key, value in obj.items() if key not in _KNOWN_KEYS}
    if extra:
        attrs["extra"] = extra
    return attrs


class N3StepMapper:
    """Turns the step records of one n3 flow run into v1 events, numbering them from 0.

    >>> mapper = N3StepMapper("demo-000001")
    >>> events = mapper.map({"step_id": "step:0001", "flow_name": "demo", "step_name": "flow_start",
    ...                      "timestamp": 1, "duration_ms": 0.0})
    >>> [e["event_type"] for e in events + mapper.finish()]  # doctest: +NORMALIZE_WHITESPACE
    ['run_start', 'chain_execution_start', 'chain_step_start', 'chain_step_end',
     'chain_execution_end', 'run_end']
    """

    def __init__(self, run_id: str, *, clock_base: float = 0.0):
        """`run_id` names the run (the file's stem, `demo-000001`); `clock_base` is the time, in unix
        seconds, given to every event when the records hold step numbers instead of times."""
        if not run_id:
            raise ValueError("run_id must not be empty")
        self._run_id = run_id
        self._base = unix_to_iso(clock_base)
        self._root = stable_span_id(run_id, "run")
        self._chain = stable_span_id(run_id, "flow")
        self._flow = ""
        self._ordinal: bool | None = None
        self._first = self._last = self._last_duration = self._total = 0.0
        self._steps = self._seq = 0
        self._failed = self._finished = False

    def map(self, obj: JsonObject) -> list[JsonEvent]:
        """The v1 events for one step record: the run's opening events first, then the step's pair."""
        step = _parse(obj)
        self._check(step)
        events = self._open(step) if self._ordinal is None else []
        self._steps += 1
        self._last, self._last_duration = step.seconds, step.duration_ms
        self._total += step.duration_ms
        self._failed = self._failed or step.step_name == _ERROR_STEP
        return self._number(events + self._step_events(step))

    def finish(self) -> list[JsonEvent]:
        """The synthesized `chain_execution_end` and `run_end`; nothing if no record was mapped."""
        if self._ordinal is None or self._finished:
            return []
        self._finished = True
        ts, duration = self._end_time()
        status = "failed" if self._failed else "completed"
        chain = self._make(ts, "chain_execution_end", "chain", self._flow, self._chain, self._root, status)
        chain["duration_ms"] = duration
        run = self._make(ts, "run_end", "app", self._flow, self._root, None, status)
        run["duration_ms"] = duration
        timing = "step_numbers" if self._ordinal else "wall_clock"
        run["attrs"] = {"synthesized": True, "source_format": SOURCE_FORMAT, "timestamps": timing}
        if self._failed:
            chain["error"] = run["error"] = self._error()
        return self._number([chain, run])

    # -- run ---------------------------------------------------------------------------------------

    def _check(self, step: _Step) -> None:
        if self._finished:
            raise ValueError("the run was already finished")
        if self._ordinal is None:
            return
        if step.flow_name != self._flow:
            raise ValueError(f"flow_name {shown(step.flow_name)} is not this run's ({shown(self._flow)})")
        if step.ordinal != self._ordinal:
            earlier = "step numbers" if self._ordinal else "times"
            raise ValueError(f"timestamp {shown(step.seconds)} is not like the earlier records' ({earlier})")

    def _open(self, step: _Step) -> list[JsonEvent]:
        self._flow, self._ordinal, self._first = step.flow_name, step.ordinal, step.seconds
        ts = self._ts(step.seconds)
        run = self._make(ts, "run_start", "app", self._flow, self._root, None, "started")
        run["attrs"] = run_start_attrs("n3", self._flow, SOURCE_FORMAT)
        chain = self._make(ts, "chain_execution_start", "chain", self._flow, self._chain, self._root, "started")
        return [run, chain]

    def _end_time(self) -> tuple[str, float]:
        if self._ordinal:
            return self._base, round(self._total, 3)
        end = self._last + self._last_duration / 1000
        return unix_to_iso(end), round(max(0.0, end - self._first) * 1000, 3)

    # -- steps -------------------------------------------------------------------------------------

    def _step_events(self, step: _Step) -> list[JsonEvent]:
        span_id = stable_span_id(self._run_id, "step", str(self._steps))
        start = self._make(self._ts(step.seconds), "chain_step_start", "chain", step.step_name, span_id,
                           self._chain, "started")
        if has_content(step.inputs):
            start["inputs"] = step.inputs
        start["attrs"] = {"step": self._steps, **step.attrs}
        end_seconds = step.seconds if step.ordinal else step.seconds + step.duration_ms / 1000
        failed = step.step_name == _ERROR_STEP
        end = self._make(self._ts(end_seconds), "chain_step_end", "chain", step.step_name, span_id,
                         self._chain, "failed" if failed else "completed")
        end["duration_ms"] = round(step.duration_ms, 3)
        if has_content(step.outputs):
            end["outputs"] = step.outputs
        if failed:
            end["error"] = self._error()
        return [start, end]

    # -- building ----------------------------------------------------------------------------------

    def _ts(self, seconds: float) -> str:
        return self._base if self._ordinal else unix_to_iso(seconds)

    def _make(self, ts: str, event_type: str, component: str, name: str, span_id: str,
              parent_id: str | None, status: str) -> JsonEvent:
        return make_event(self._run_id, ts, event_type, component, name, span_id, parent_id, status)

    @staticmethod
    def _error() -> dict[str, str]:
        return {"type": "Error", "message": _ERROR_MESSAGE, "category": categorize("Error", _ERROR_MESSAGE)}

    def _number(self, events: list[JsonEvent]) -> list[JsonEvent]:
        for event in events:
            event["seq"] = self._seq
            self._seq += 1
        return events
