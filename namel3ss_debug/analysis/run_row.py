"""One run as the run index keeps it: a row of `analyze`'s figures for that run, and its operations' durations.

The row is made from the report `analyze` makes of the run alone (`index_run`), never computed again here, so
`runs` lists the figures `analyze RUN` prints. Text in a row is the trace's own (already redacted when it was
written); a view neutralises it as it shows it. A row holds no message, input or output of the run: names
(entry, models, frameworks, tags, tools, error types, finding kinds) only.
"""

from __future__ import annotations

from typing import Optional

import msgspec


class RunRow(msgspec.Struct, frozen=True):
    """One run in the index (field names are the JSON keys of `runs --format json`)."""

    run_id: str
    files: list[str]  # its trace files, first segment first
    entry: Optional[str]  # analyze's overview `entry` ("script app.py")
    started: Optional[str]  # the run's first timestamp (ISO 8601 UTC), analyze's overview `started`
    duration_ms: Optional[float]  # None: no run_end
    status: str  # analyze's overview status: completed | failed | interrupted | ... | unfinished (no run_end)
    exit_code: Optional[int]
    models: list[str]  # the models its LLM calls used (analyze's llm.models), sorted
    frameworks: list[str]  # the frameworks its spans name (`attrs.framework`), sorted
    tags: list[str]  # the run's tags (`run_start.attrs.tags`), as written
    llm_calls: int
    tool_calls: int
    total_tokens: int
    cost_usd: Optional[float]  # analyze's overview cost: None when no call is priced; a lower bound when unpriced_calls
    unpriced_calls: int
    errors: int
    handled_errors: int
    unhandled_errors: int
    health: Optional[str]  # healthy | degraded | failing
    findings: dict[str, str]  # finding kind -> its worst severity in the run
    findings_by_severity: dict[str, int]  # critical / warning / info -> findings
    parent: Optional[str] = None  # the run this run reruns or forks (its lineage's run id), None: no rerun
    lineage: Optional[str] = None  # "rerun" | "fork" when parent is set
    failure: Optional[str] = None  # the diagnosis's failure summary of a failed run, when it judged one
    tools: dict[str, list[int]] = msgspec.field(default_factory=dict)  # tool -> [calls, failures]
    error_types: list[str] = msgspec.field(default_factory=list)  # distinct error types, most frequent first
    problems: int = 0  # lines the read met that were torn, invalid, or out of place (analyze's integrity)


class OperationTimes(msgspec.Struct, frozen=True):
    """One operation of one run: every ended span's duration (ms), for percentiles across runs."""

    operation: str  # analyze's operation label (`stats.op_label`)
    durations: list[float]
    errors: int


class IndexedRun(msgspec.Struct, frozen=True):
    """What indexing one run yields."""

    row: RunRow
    operations: list[OperationTimes]
