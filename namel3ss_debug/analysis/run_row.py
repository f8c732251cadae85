"""One run as the run index keeps it: a row of `analyze`'s figures for that run, and its operations' durations.

The row is made from the report `analyze` makes of the run alone (`row_of`, called by `ops/runs/indexing.py`),
never computed again here, so `runs` lists the figures `analyze RUN` prints. Text in a row is the trace's own
(already redacted when it was written); a view neutralises it as it shows it. A row's texts: names (entry, models,
frameworks, tags, tools, error types, finding kinds), for a failed run the diagnosis's one line of what failed
(`failure`), and the run's question, answer and error messages (`run_texts.py`), which `row_of` keeps whole and
`in_one_line` cuts to one line each: `indexing.scrubbed` redacts between the two (a name redaction would change is
dropped, a question, answer or message is kept redacted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import msgspec

from .records.findings import SEVERITIES, Diagnosis
from .records.report import Report
from .run_texts import KEPT_CHARS, UNSAID, RunTexts, one_line
from .stats import op_label

if TYPE_CHECKING:  # the tally is only handed in
    from .tally import Tally


class RunRow(msgspec.Struct, frozen=True):
    """One run in the index (field names are the JSON keys of `runs --format json`)."""

    run_id: str
    files: list[str]  # its trace files, first segment first
    entry: Optional[str]  # analyze's overview `entry` ("script app.py")
    started: Optional[str]  # the run's first timestamp (ISO 8601 UTC), analyze's overview `started`
    duration_ms: Optional[float]  # None: no run_end
    # the run's outcome, analyze's overview `outcome` (`failed_run.outcome`): failed (ended failed, a non-zero exit,
    # or gave up: health failing) | completed | stopped | ... | unfinished (no run_end)
    status: str
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
    health: Optional[str]  # healthy | degraded | stopped | failing
    findings: dict[str, str]  # finding kind -> its worst severity in the run
    findings_by_severity: dict[str, int]  # critical / warning / info -> findings
    parent: Optional[str] = None  # the run this run reruns or forks (its lineage's run id), None: no rerun
    lineage: Optional[str] = None  # "rerun" | "fork" when parent is set
    failure: Optional[str] = None  # the diagnosis's failure summary of a failed run, when it judged one
    tools: dict[str, list[int]] = msgspec.field(default_factory=dict)  # tool -> [calls, failures]
    error_types: list[str] = msgspec.field(default_factory=list)  # distinct error types, most frequent first
    problems: int = 0  # lines the read met that were torn, invalid, or out of place (analyze's integrity)
    input: Optional[str] = None  # the run's question (`run_texts.py`); listed: one line, at most LINE_CHARS characters
    output: Optional[str] = None  # its final answer (`run_texts.py`); listed: one line, at most LINE_CHARS characters
    error_messages: list[str] = msgspec.field(default_factory=list)  # analyze's error examples' messages, one line each
    stopped: Optional[str] = None  # status `stopped`: why its rerun stopped the app ("no recorded answer")
    gave_up: Optional[str] = None  # status `failed` by a finding that it gave up: its kind (apology_after_failure)


class OperationTimes(msgspec.Struct, frozen=True):
    """One operation of one run: every ended span's duration (ms), for percentiles across runs."""

    operation: str  # analyze's operation label (`stats.op_label`)
    durations: list[float]
    errors: int


class IndexedRun(msgspec.Struct, frozen=True):
    """What indexing one run yields."""

    row: RunRow
    operations: list[OperationTimes]


MAX_MESSAGES = 5  # error messages a row keeps: the distinct examples of analyze's error types, most frequent first


def row_of(report: Report, files: list[str], said: RunTexts = UNSAID) -> RunRow:
    """The row of a report of one run (sections overview, llm, tools, errors, integrity, health, findings), whose
    trace files are `files`, and whose question and answer are `said` (`run_texts.said_of`); its texts whole, for
    `in_one_line` to cut once redacted. Raises ValueError for a report of no run or of several."""
    overview, llm, tools, errors = report.overview, report.llm, report.tools, report.errors
    if overview is None or llm is None or tools is None or errors is None or len(overview.runs) != 1:
        raise ValueError("a run row is made of a report of one run, with its overview, llm, tools and errors")
    run = overview.runs[0]
    lineage = run.rerun_of
    return RunRow(
        run.run_id, files, run.entry, run.started, run.duration_ms, run.outcome or run.status, run.exit_code,
        sorted(model.model for model in llm.models), sorted(run.frameworks), list(run.tags),
        overview.llm_calls, overview.tool_calls, overview.total_tokens, overview.cost_usd, overview.unpriced_llm_calls,
        overview.errors, overview.handled_errors, overview.unhandled_errors,
        report.health.verdict if report.health is not None else None,
        worst_findings(report.findings), dict(report.findings.counts) if report.findings is not None else {},
        parent=lineage.run_id if lineage is not None else None,
        lineage=None if lineage is None else "fork" if lineage.fork is not None else "rerun",
        failure=report.findings.blames[0].failure if report.findings is not None and report.findings.blames else None,
        tools={tool.name: [tool.calls, tool.failures] for tool in tools},
        error_types=[kind.type for kind in errors.by_type],
        problems=_problems(report), input=said.input, output=said.output,
        error_messages=_messages(report), stopped=run.stopped, gave_up=run.gave_up)


def in_one_line(row: RunRow) -> RunRow:
    """The row with its question, answer and error messages each on one line of at most LINE_CHARS characters
    (a message that is only whitespace left out)."""
    messages = [line for line in map(one_line, row.error_messages) if line is not None]
    return msgspec.structs.replace(row, input=one_line(row.input), output=one_line(row.output),
                                   error_messages=list(dict.fromkeys(messages)))


def _messages(report: Report) -> list[str]:
    """The distinct messages of the report's error examples (most frequent type first), at most MAX_MESSAGES,
    each cut to KEPT_CHARS."""
    found = dict.fromkeys(example.message[:KEPT_CHARS] for kind in (report.errors.by_type if report.errors else ())
                          for example in kind.examples if example.message)
    return list(found)[:MAX_MESSAGES]


def worst_findings(diagnosis: Diagnosis | None) -> dict[str, str]:
    """Each finding kind of the diagnosis and its worst severity."""
    worst: dict[str, str] = {}
    for finding in diagnosis.findings if diagnosis is not None else ():
        kept = worst.get(finding.kind)
        if kept is None or SEVERITIES.index(finding.severity) > SEVERITIES.index(kept):
            worst[finding.kind] = finding.severity
    return worst


def _problems(report: Report) -> int:
    integrity = report.integrity
    return integrity.torn_lines + integrity.invalid_lines + integrity.seq_gaps if integrity is not None else 0


def operation_times(tally: Tally) -> list[OperationTimes]:
    """Each operation of a finished tally (of one run) with its ended spans' durations and its errors, labelled
    as the report's operations are; an operation none of whose spans was timed has no durations."""
    timed, errors = tally.timing.ops, tally.errors.by_op
    return [OperationTimes(op_label(*op), list(timed[op].durations) if op in timed else [], errors.get(op, 0))
            for op in sorted({*timed, *tally.timing.untimed})]
