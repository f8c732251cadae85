"""The figures a diff compares, read from an analysis `Report`, and the names `--fail-on` gives them.

Run figures come from the report's overview; latency figures of a TARGET from its per-component
(`llm`) or per-operation (`tool:search`, `agent_turn:researcher`) statistics, the rows `analyze` prints.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from ..analysis.records.report import OperationStats, Report
from ..analysis.stats import op_label
from .report import Change


class RunFigure(NamedTuple):
    """A run figure: the field of the report's `Overview` that holds it (an index row's field of the same name
    holds it too), and its unit."""

    field: str
    unit: str


# name -> its figure, in the order the views list them
RUN_METRICS = {
    "duration": RunFigure("duration_ms", "ms"),
    "llm_calls": RunFigure("llm_calls", "count"),
    "tool_calls": RunFigure("tool_calls", "count"),
    "tokens": RunFigure("total_tokens", "tokens"),
    "cost": RunFigure("cost_usd", "usd"),
    "errors": RunFigure("errors", "count"),
    "handled_errors": RunFigure("handled_errors", "count"),  # of errors, those the app survived (analysis/handling.py)
    "unhandled_errors": RunFigure("unhandled_errors", "count"),  # of errors, those that escaped the app
}

# stat -> (Latency field or None for the span count, unit): each duration is its Latency field less `_ms`
STATS: dict[str, tuple[Optional[str], str]] = {
    **{stat: (f"{stat}_ms", "ms") for stat in ("p50", "p90", "p95", "p99", "max")}, "count": (None, "count")}


def change(metric: str, unit: str, base: Optional[float], new: Optional[float]) -> Change:
    """NEW minus BASE, and as a percentage of BASE (see `Change` for 0 and missing figures).

    >>> change("cost", "usd", 0.0, 0.5).percent is None, change("errors", "count", 0, 0).percent
    (True, 0.0)
    """
    if base is None or new is None:
        return Change(metric, unit, base, new, None, None)
    delta = new - base
    percent = delta / abs(base) * 100 if base else (0.0 if delta == 0 else None)
    return Change(metric, unit, base, new, delta, percent)


def run_figure(report: Report, metric: str) -> Optional[float]:
    """A run figure (`cost`, `duration`, ...); None when the run has none (no `run_end`, nothing priced), and a
    cost None when some LLM calls could not be priced: a lower bound compared with another is no change."""
    if report.overview is None:
        return None
    if metric == "cost" and report.overview.unpriced_llm_calls:
        return None
    value = getattr(report.overview, RUN_METRICS[metric].field)
    return None if value is None else float(value)


def unpriced_calls(report: Report) -> tuple[int, int]:
    """The run's LLM calls of unknown cost, and of them those that recorded no usage (which nothing can price)."""
    if report.llm is not None:
        return report.llm.unpriced_calls, report.llm.no_usage_calls
    return (report.overview.unpriced_llm_calls if report.overview else 0), 0


def find_stats(report: Report, target: str) -> Optional[OperationStats]:
    """The statistics of a component (`llm`) or an operation (`llm:planner`) as `analyze` labels them."""
    if ":" not in target:
        return next((row for row in report.components or [] if row.component == target), None)
    return next((row for row in report.operations or [] if label(row) == target), None)


def stat_figure(stats: Optional[OperationStats], stat: str) -> Optional[float]:
    """A latency figure of a target in ms, or its span count; a target the run lacks has 0 spans, no latency."""
    field = STATS[stat][0]
    if field is None:
        return float(stats.count) if stats is not None else 0.0
    return None if stats is None else getattr(stats.latency, field)


def label(row: OperationStats) -> str:
    """`llm` for a component row, `llm:planner` or `agent_turn:researcher` for an operation row."""
    return row.component if row.name is None else op_label(row.component, row.name, row.kind)
