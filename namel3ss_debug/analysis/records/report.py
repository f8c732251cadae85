"""The analysis report: frozen records (msgspec Structs: made in microseconds at import, where 24
dataclasses took 12 ms of every command), one per section, that every view (table, JSON, Markdown) renders.

Field names here are the JSON keys of `analyze --format json`; `schemas/analyze-v1.schema.json`
describes them and docs/analyze.md explains each.
"""

from __future__ import annotations

from typing import Optional

import msgspec

from ...model.choices import ANALYZE_SECTIONS
from ...model.lineage import Lineage
from .findings import Diagnosis
from .refs import Ref

REPORT_SCHEMA = "namel3ss-debug/analyze/v1"
NO_USAGE = "no_usage"  # priced_by: LLM calls with neither a recorded cost nor a usage to price
UNPRICED = ("unpriced", NO_USAGE)  # the priced_by keys of calls whose cost is unknown
SECTIONS = ANALYZE_SECTIONS  # in the order every view shows them; kept in model/choices.py for `analyze --help`


class Latency(msgspec.Struct, frozen=True):
    """Durations in ms; percentiles by linear interpolation between closest ranks (numpy's default)."""

    count: int
    total_ms: float
    mean_ms: Optional[float]
    p50_ms: Optional[float]
    p90_ms: Optional[float]
    p95_ms: Optional[float]
    p99_ms: Optional[float]
    max_ms: Optional[float]


class OperationStats(msgspec.Struct, frozen=True):
    """Spans of one component, or of one (component, name) operation, that ended."""

    component: str
    name: Optional[str]
    count: int
    errors: int
    success_rate: Optional[float]
    latency: Latency
    instants: int = 0
    kind: Optional[str] = None  # the span kind (event type prefix: llm_call, agent_turn, ...); None for a component


class RunOverview(msgspec.Struct, frozen=True):
    run_id: str
    source: str
    files: list[str]
    entry: Optional[str]
    status: str
    started: Optional[str]
    ended: Optional[str]
    duration_ms: Optional[float]
    events: int
    exit_code: Optional[int]
    startup_ms: Optional[float] = None  # the start-up span's (model/events.py): the run's start to its first span
    work_ms: Optional[float] = None  # duration_ms less startup_ms: the app's work
    rerun_of: Optional[Lineage] = None  # the run this run reruns or forks, and where it parted; None: no rerun
    frameworks: list[str] = msgspec.field(default_factory=list)  # the frameworks its spans name (attrs.framework)
    tags: list[str] = msgspec.field(default_factory=list)  # run_start.attrs.tags: what the run was labelled with
    stopped: Optional[str] = None  # status `stopped`: why its rerun stopped the app (`failed_run.ended_as`)
    # how it ended in the one vocabulary (`failed_run.outcome`): `failed` when it failed (ended failed, a non-zero
    # exit, or gave up), else `status`; judged with its findings when the report has them (health or findings)
    outcome: Optional[str] = None
    gave_up: Optional[str] = None  # outcome `failed` by a finding that it gave up: that finding's kind


class Overview(msgspec.Struct, frozen=True):
    runs: list[RunOverview]
    events: int
    analyzed_events: int
    event_types: dict[str, int]
    unknown_event_types: dict[str, int]
    spans: int
    spans_by_component: dict[str, int]
    instants: int
    llm_calls: int
    tool_calls: int
    total_tokens: int
    cost_usd: Optional[float]
    errors: int
    failed_spans: int
    duration_ms: Optional[float]
    bytes_read: int
    filters: dict[str, object]
    unpriced_llm_calls: int = 0  # LLM calls of unknown cost, left out of `cost_usd` (then a lower bound)
    startup_ms: Optional[float] = None  # the runs' start-ups added up; None when no run recorded one
    work_ms: Optional[float] = None  # duration_ms less startup_ms
    wire_tool_calls: int = 0  # of tool_calls, those recorded from the wire: no hook recorded them as they ran
    unseen_tool_calls: int = 0  # tool calls the model asked for that nothing recorded (the runs' `run_end`)
    handled_errors: int = 0  # of errors, those the app survived (`analysis/handling.py`)
    unhandled_errors: int = 0  # of errors, those that escaped the app


class SlowSpan(msgspec.Struct, frozen=True):
    ref: Ref
    duration_ms: float
    status: str


class SlowOperations(msgspec.Struct, frozen=True):
    threshold_ms: float
    count: int
    top: list[SlowSpan]
    by_operation: dict[str, int]  # "component:name" -> spans over the threshold


class ModelUsage(msgspec.Struct, frozen=True):
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: Optional[float]
    # "event" | "price_overrides" | "prices_file" | "genai-prices" | "unpriced" | "no_usage" -> calls
    priced_by: dict[str, int]
    context_window: Optional[int]
    max_input_tokens: int

    @property
    def unpriced_calls(self) -> int:
        """Calls of unknown cost, left out of `cost_usd`."""
        return sum(self.priced_by.get(key, 0) for key in UNPRICED)


class LlmUsage(msgspec.Struct, frozen=True):
    calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: Optional[float]  # of the priced calls: a lower bound when unpriced_calls, None when none is priced
    unpriced_calls: int  # no price for the model, or no usage to price
    models: list[ModelUsage]
    no_usage_calls: int = 0  # of unpriced_calls: no usage and no recorded cost (a stream without include_usage)


class ToolStats(msgspec.Struct, frozen=True):
    name: str
    calls: int
    failures: int
    success_rate: Optional[float]
    latency: Latency
    error_types: dict[str, int]
    repeated_identical_calls: int
    handled_failures: int = 0  # of failures, those whose error the app survived (`analysis/handling.py`)
    unhandled_failures: int = 0  # of failures, those whose error escaped the app


class ErrorExample(msgspec.Struct, frozen=True):
    ref: Ref
    message: str


class ErrorType(msgspec.Struct, frozen=True):
    type: str
    category: str
    count: int
    examples: list[ErrorExample]
    handled: int = 0  # of count, errors the app survived
    unhandled: int = 0  # of count, errors that escaped the app


class Errors(msgspec.Struct, frozen=True):
    total: int  # distinct errors: where each one started, not every span it failed on the way out
    failed_spans: int
    error_events: int
    by_category: dict[str, int]
    by_type: list[ErrorType]
    # of total, the errors the app survived and those that escaped it (the rule: `analysis/handling.py`)
    handled: int = 0
    unhandled: int = 0
    handled_by_category: dict[str, int] = msgspec.field(default_factory=dict)
    unhandled_by_category: dict[str, int] = msgspec.field(default_factory=dict)


class Retry(msgspec.Struct, frozen=True):
    component: str
    name: str
    retries: int
    recovered: int  # retries that completed
    first: Ref


class RepeatedCall(msgspec.Struct, frozen=True):
    component: str
    name: str
    calls: int
    duplicates: int
    duplicate_ms: float
    first: Ref


class Loop(msgspec.Struct, frozen=True):
    agent: str
    ref: Ref  # the agent span: its agent execution, or a turn agent's first turn in one
    cycle: list[str]  # "tool:search", ...
    repetitions: int
    first_seq: int


class Patterns(msgspec.Struct, frozen=True):
    retries: list[Retry]
    repeated_calls: list[RepeatedCall]
    loops: list[Loop]


class Anomaly(msgspec.Struct, frozen=True):
    kind: str  # latency | error_spike | memory_growth | context_limit | blocking
    severity: str  # warning | critical
    message: str
    value: float
    threshold: float
    ref: Optional[Ref] = None


class Anomalies(msgspec.Struct, frozen=True):
    counts: dict[str, int]
    items: list[Anomaly]


class Integrity(msgspec.Struct, frozen=True):
    ok: bool
    unclosed_spans: int
    ends_without_start: int
    orphan_parents: int
    duplicate_ids: int
    seq_gaps: int
    torn_lines: int
    invalid_lines: int
    dropped_fields: int
    runs_not_ended: int
    tracer_dropped_events: int
    tracer_errors: int
    unrecorded_llm_requests: int  # requests to LLM APIs no client hook recorded (`run_end`, `traffic.py`)
    problems: list[str]  # `file:line: what` or `run R seq N: what`, the first of each kind


# The counts of `Integrity`, in the order the views and `check --clean-integrity` list them.
INTEGRITY_COUNTS = ("unclosed_spans", "ends_without_start", "orphan_parents", "duplicate_ids", "seq_gaps",
                    "torn_lines", "invalid_lines", "dropped_fields", "runs_not_ended", "tracer_dropped_events",
                    "tracer_errors", "unrecorded_llm_requests")


class PathStep(msgspec.Struct, frozen=True):
    component: str
    name: str
    ms: float
    spans: int
    share: float  # of the path's total
    kind: Optional[str] = None  # the span kind: agent_execution, agent_turn, llm_call, ...


class CriticalPath(msgspec.Struct, frozen=True):
    run_id: str
    total_ms: float
    steps: list[PathStep]


class Health(msgspec.Struct, frozen=True):
    verdict: str  # healthy | degraded | stopped | failing
    reasons: list[str]
    notes: list[str] = msgspec.field(default_factory=list)  # what the verdict leaves out: an unknown cost
    failure: Optional[str] = None  # the first failed run's failure line, as its blame says it (`failed_run.py`)


class Report(msgspec.Struct, frozen=True):
    schema: str
    generated_by: str
    sections: list[str]
    overview: Optional[Overview] = None
    components: Optional[list[OperationStats]] = None
    operations: Optional[list[OperationStats]] = None
    slow: Optional[SlowOperations] = None
    llm: Optional[LlmUsage] = None
    tools: Optional[list[ToolStats]] = None
    errors: Optional[Errors] = None
    patterns: Optional[Patterns] = None
    anomalies: Optional[Anomalies] = None
    integrity: Optional[Integrity] = None
    critical_path: Optional[list[CriticalPath]] = None
    health: Optional[Health] = None
    findings: Optional[Diagnosis] = None  # what went wrong and what to try (analysis/diagnosis/)
    settings: dict[str, object] = msgspec.field(default_factory=dict)
    run_ids: list[str] = msgspec.field(default_factory=list)  # the runs analysed, whatever the sections
