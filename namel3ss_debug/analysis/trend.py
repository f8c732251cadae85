"""Figures across many runs (`runs --trend`): each operation's p50/p95 over all the runs' spans, cost and tokens
per UTC day, the error rate, the tools that fail most, and the runs that regressed against their baseline: the last
earlier run of the same entry that did not crash (`crashed`), so that a run after a crash is never a regression for
only coming back to its usual cost and tokens.

Pure: run rows and their operations' durations in, a frozen `Trend` out. Every figure of one run is its row's
(`analyze` of that run); this only adds across runs. A cost is never made up: a day whose runs include one of
unknown cost says how many (`unpriced_runs`), and a day with no priced run has no cost (None), not 0.

What counts as a regression is judged by the callables handed in (`Judge`: `diff --fail-on`'s thresholds, made
in `diffing/row_thresholds.py`), plus two judgements of rows alone: the health verdict got worse, and a finding of
`NEW_FINDING_SEVERITY` or worse that the baseline did not have at that severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Optional

from .records.findings import SEVERITIES
from .failed_run import STOPPED
from .run_row import OperationTimes, RunRow
from .stats import percentile

HEALTH_ORDER = ("healthy", "degraded", "failing")  # worse to the right; `stopped` compares with none
NEW_FINDING_SEVERITY = "warning"  # a new info finding (a call worth caching) is advice, not a regression
TOP_TOOLS = 10


@dataclass(frozen=True)
class OperationTrend:
    """One operation (`tool:search`) over the selected runs: all its timed spans together."""

    operation: str
    runs: int  # runs that have it
    spans: int  # timed spans
    p50_ms: Optional[float]
    p95_ms: Optional[float]
    errors: int


@dataclass(frozen=True)
class DayTrend:
    """One UTC day (of the runs' `started`)."""

    day: str  # YYYY-MM-DD
    runs: int
    cost_usd: Optional[float]  # the sum of the runs' known costs; None when no run of the day has one
    unpriced_runs: int  # runs with LLM calls of unknown cost: the day's cost is a lower bound, or unknown
    total_tokens: int


@dataclass(frozen=True)
class ErrorRate:
    runs: int
    with_errors: int  # runs with at least one error, handled or not
    with_unhandled: int  # of them, runs an error escaped
    rate: Optional[float]  # with_errors / runs; None for no run
    unhandled_rate: Optional[float]


@dataclass(frozen=True)
class ToolTrend:
    tool: str
    calls: int
    failures: int
    failure_rate: float  # failures / calls
    runs: int  # runs that called it


@dataclass(frozen=True)
class Reason:
    """What regressed: a figure (`duration`, `cost`, `health`, `findings`), before and after, and by what rule."""

    metric: str
    before: object  # a number, a verdict, or a list of finding kinds
    after: object
    change: Optional[float]  # in the rule's unit (% when `relative`), None for a verdict or findings
    rule: str  # `cost>+25%`, `health worse`, `new warning finding`
    unit: str = ""


@dataclass(frozen=True)
class Regression:
    run_id: str
    previous: str  # its baseline: the last earlier run of the same entry that did not crash
    entry: str
    started: Optional[str]
    reasons: list[Reason]
    crashed_between: int = 0  # runs of the entry that crashed between the baseline and it (passed over)


@dataclass(frozen=True)
class Trend:
    runs: int
    first: Optional[str]  # the earliest and latest `started` of the runs
    last: Optional[str]
    operations: list[OperationTrend]  # busiest first
    days: list[DayTrend]  # oldest first
    errors: ErrorRate
    tools: list[ToolTrend]  # failing most first (failures/calls), only tools that failed
    regressions: list[Regression]  # oldest first
    rules: list[str]  # the threshold rules regressions were judged by


Judge = Callable[[RunRow, RunRow], Optional[Reason]]  # (run before, run) -> what regressed, or None


def trend(rows: Sequence[RunRow], operations: Mapping[str, Sequence[OperationTimes]],
          judges: Sequence[tuple[str, Judge]] = ()) -> Trend:
    """The figures across `rows`; `operations` maps a run id to its operations; `judges` are (rule, judge)."""
    starts = sorted(row.started for row in rows if row.started is not None)
    return Trend(len(rows), starts[0] if starts else None, starts[-1] if starts else None,
                 operation_trends(rows, operations), day_trends(rows), error_rate(rows), tool_trends(rows),
                 regressions(rows, [judge for _, judge in judges]), [rule for rule, _ in judges])


def operation_trends(rows: Sequence[RunRow], operations: Mapping[str, Sequence[OperationTimes]]
                     ) -> list[OperationTrend]:
    """Each operation's p50 and p95 over every timed span of the runs that have it, busiest first."""
    durations: dict[str, list[float]] = {}
    runs: dict[str, int] = {}
    errors: dict[str, int] = {}
    for row in rows:
        for times in operations.get(row.run_id, ()):
            durations.setdefault(times.operation, []).extend(times.durations)
            runs[times.operation] = runs.get(times.operation, 0) + 1
            errors[times.operation] = errors.get(times.operation, 0) + times.errors
    found = []
    for name, values in durations.items():
        ordered = sorted(values)
        found.append(OperationTrend(name, runs[name], len(ordered), percentile(ordered, 50), percentile(ordered, 95),
                                    errors[name]))
    return sorted(found, key=lambda op: (-op.spans, op.operation))


def day_trends(rows: Iterable[RunRow]) -> list[DayTrend]:
    """Runs, cost and tokens per UTC day of their start; runs of no known start are left out."""
    days: dict[str, list[RunRow]] = {}
    for row in rows:
        if row.started is not None:
            days.setdefault(row.started[:10], []).append(row)
    return [_day(day, days[day]) for day in sorted(days)]


def _day(day: str, rows: list[RunRow]) -> DayTrend:
    costs = [row.cost_usd for row in rows if row.cost_usd is not None]
    return DayTrend(day, len(rows), sum(costs) if costs else None, sum(row.unpriced_calls > 0 for row in rows),
                    sum(row.total_tokens for row in rows))


def error_rate(rows: Sequence[RunRow]) -> ErrorRate:
    with_errors = sum(row.errors > 0 for row in rows)
    unhandled = sum(row.unhandled_errors > 0 for row in rows)
    total = len(rows)
    return ErrorRate(total, with_errors, unhandled, with_errors / total if total else None,
                     unhandled / total if total else None)


def tool_trends(rows: Iterable[RunRow], top: int = TOP_TOOLS) -> list[ToolTrend]:
    """The tools that failed, by failures per call (then failures), at most `top`."""
    calls: dict[str, list[int]] = {}
    for row in rows:
        for tool, (called, failed) in row.tools.items():
            totals = calls.setdefault(tool, [0, 0, 0])
            totals[0] += called
            totals[1] += failed
            totals[2] += 1
    failing = [ToolTrend(tool, called, failed, failed / called, runs)
               for tool, (called, failed, runs) in calls.items() if failed and called]
    return sorted(failing, key=lambda tool: (-tool.failure_rate, -tool.failures, tool.tool))[:top]


def regressions(rows: Iterable[RunRow], judges: Sequence[Judge]) -> list[Regression]:
    """Each run that regressed against its baseline: the last run before it (by start) of the same entry that did
    not crash. A run with no such run before it is not judged, nor are runs of no entry or no start."""
    by_entry: dict[str, list[RunRow]] = {}
    for row in rows:
        if row.entry is not None and row.started is not None:
            by_entry.setdefault(row.entry, []).append(row)
    found: list[Regression] = []
    for entry, runs in by_entry.items():
        runs.sort(key=lambda row: (row.started or "", row.run_id))
        found.extend(_entry_regressions(entry, runs, judges))
    return sorted(found, key=lambda regression: (regression.started or "", regression.run_id))


def _entry_regressions(entry: str, runs: Sequence[RunRow], judges: Sequence[Judge]) -> Iterable[Regression]:
    """The regressions among one entry's runs, oldest first: each judged against the last good run before it."""
    baseline: Optional[RunRow] = None
    crashes = 0  # since the baseline
    for run in runs:
        if run.status == STOPPED:  # its rerun stopped it: its figures are no run's, and it did not crash
            continue
        reasons = compare(baseline, run, judges) if baseline is not None else []
        if baseline is not None and reasons:
            yield Regression(run.run_id, baseline.run_id, entry, run.started, reasons, crashes)
        if crashed(run):
            crashes += 1
        else:
            baseline, crashes = run, 0


def crashed(row: RunRow) -> bool:
    """Whether a run crashed: it ended failed, exited with a code other than 0, or never ended (killed: no
    `run_end`). Its figures are those of a run cut short, no baseline for the next; a run that failed by giving up
    (`gave_up`) ended by itself, its figures whole."""
    return (row.status in ("failed", "unfinished") and row.gave_up is None) or row.exit_code not in (None, 0)


def compare(before: RunRow, after: RunRow, judges: Sequence[Judge]) -> list[Reason]:
    """What regressed from `before` to `after`: each judge's reason, the health, the new findings."""
    reasons = [reason for reason in (judge(before, after) for judge in judges) if reason is not None]
    worse_health = health_reason(before, after)
    if worse_health is not None:
        reasons.append(worse_health)
    new = new_findings(before, after)
    if new:
        reasons.append(Reason("findings", sorted(before.findings), new, None, f"new {NEW_FINDING_SEVERITY} finding"))
    return reasons


def health_reason(before: RunRow, after: RunRow) -> Optional[Reason]:
    """The verdict got worse (healthy -> degraded -> failing); an unknown verdict compares with nothing."""
    if before.health not in HEALTH_ORDER or after.health not in HEALTH_ORDER:
        return None
    if HEALTH_ORDER.index(after.health) <= HEALTH_ORDER.index(before.health):
        return None
    return Reason("health", before.health, after.health, None, "health worse")


def new_findings(before: RunRow, after: RunRow) -> list[str]:
    """Kinds `after` has at `NEW_FINDING_SEVERITY` or worse, which `before` had at a lower severity or not at all."""
    least = SEVERITIES.index(NEW_FINDING_SEVERITY)
    found = []
    for kind, severity in sorted(after.findings.items()):
        rank = SEVERITIES.index(severity)
        had = before.findings.get(kind)
        if rank >= least and (had is None or SEVERITIES.index(had) < rank):
            found.append(kind)
    return found
