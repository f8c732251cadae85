"""The analysis report: frozen records, one per section, that every view (table, JSON, Markdown) renders.

Field names here are the JSON keys of `analyze --format json`; `schemas/analyze-v1.schema.json`
describes them and DEBUGGING_GUIDE.md explains each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model.choices import ANALYZE_SECTIONS as SECTIONS

REPORT_SCHEMA = "namel3ss-debug/analyze/v1"
# SECTIONS, in the order every view shows them, is in model/choices.py (`analyze --help` lists them)


@dataclass(frozen=True)
class Ref:
    """Where something happened: the event (run and seq) and its span."""

    run_id: str
    seq: int
    span_id: str
    component: str
    name: str
    kind: Optional[str] = None  # llm_call, agent_turn, ...: the event type's prefix, when known


@dataclass(frozen=True)
class Latency:
    """Durations in ms; percentiles by linear interpolation between closest ranks (numpy's default)."""

    count: int
    total_ms: float
    mean_ms: Optional[float]
    p50_ms: Optional[float]
    p90_ms: Optional[float]
    p95_ms: Optional[float]
    p99_ms: Optional[float]
    max_ms: Optional[float]


@dataclass(frozen=True)
class OperationStats:
    """Spans of one component, or of one (component, name) operation, that ended."""

    component: str
    name: Optional[str]
    count: int
    errors: int
    success_rate: Optional[float]
    latency: Latency
    instants: int = 0
    kind: Optional[str] = None  # the span kind (event type prefix: llm_call, agent_turn, ...); None for a component


@dataclass(frozen=True)
class RunOverview:
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


@dataclass(frozen=True)
class Overview:
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


@dataclass(frozen=True)
class SlowSpan:
    ref: Ref
    duration_ms: float
    status: str


@dataclass(frozen=True)
class SlowOperations:
    threshold_ms: float
    count: int
    top: list[SlowSpan]
    by_operation: dict[str, int]  # "component:name" -> spans over the threshold


@dataclass(frozen=True)
class ModelUsage:
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: Optional[float]
    priced_by: dict[str, int]  # "event" | "price_overrides" | "prices_file" | "genai-prices" | "unpriced" -> calls
    context_window: Optional[int]
    max_input_tokens: int


@dataclass(frozen=True)
class LlmUsage:
    calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: Optional[float]
    unpriced_calls: int
    models: list[ModelUsage]


@dataclass(frozen=True)
class ToolStats:
    name: str
    calls: int
    failures: int
    success_rate: Optional[float]
    latency: Latency
    error_types: dict[str, int]
    repeated_identical_calls: int


@dataclass(frozen=True)
class ErrorExample:
    ref: Ref
    message: str


@dataclass(frozen=True)
class ErrorType:
    type: str
    category: str
    count: int
    examples: list[ErrorExample]


@dataclass(frozen=True)
class Errors:
    total: int  # distinct errors: where each one started, not every span it failed on the way out
    failed_spans: int
    error_events: int
    by_category: dict[str, int]
    by_type: list[ErrorType]


@dataclass(frozen=True)
class Retry:
    component: str
    name: str
    retries: int
    recovered: int  # retries that completed
    first: Ref


@dataclass(frozen=True)
class RepeatedCall:
    component: str
    name: str
    calls: int
    duplicates: int
    duplicate_ms: float
    first: Ref


@dataclass(frozen=True)
class Loop:
    agent: str
    ref: Ref  # the agent span
    cycle: list[str]  # "tool:search", ...
    repetitions: int
    first_seq: int


@dataclass(frozen=True)
class Patterns:
    retries: list[Retry]
    repeated_calls: list[RepeatedCall]
    loops: list[Loop]


@dataclass(frozen=True)
class Anomaly:
    kind: str  # latency | error_spike | memory_growth | context_limit | blocking
    severity: str  # warning | critical
    message: str
    value: float
    threshold: float
    ref: Optional[Ref] = None


@dataclass(frozen=True)
class Anomalies:
    counts: dict[str, int]
    items: list[Anomaly]


@dataclass(frozen=True)
class Integrity:
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
    problems: list[str]  # `file:line: what` or `run R seq N: what`, the first of each kind


# The counts of `Integrity`, in the order the views and `check --clean-integrity` list them.
INTEGRITY_COUNTS = ("unclosed_spans", "ends_without_start", "orphan_parents", "duplicate_ids", "seq_gaps",
                    "torn_lines", "invalid_lines", "dropped_fields", "runs_not_ended", "tracer_dropped_events",
                    "tracer_errors")


@dataclass(frozen=True)
class PathStep:
    component: str
    name: str
    ms: float
    spans: int
    share: float  # of the path's total
    kind: Optional[str] = None  # the span kind: agent_execution, agent_turn, llm_call, ...


@dataclass(frozen=True)
class CriticalPath:
    run_id: str
    total_ms: float
    steps: list[PathStep]


@dataclass(frozen=True)
class Health:
    verdict: str  # healthy | degraded | failing
    reasons: list[str]


@dataclass(frozen=True)
class Report:
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
    settings: dict[str, object] = field(default_factory=dict)
    run_ids: list[str] = field(default_factory=list)  # the runs analysed, whatever the sections
