"""`diff --fail-on`'s thresholds judged on two runs' index rows: what `runs --trend` calls a regression.

One notion of "regressed" for a run against another: the expressions `diff --fail-on` takes (`cost>+25%`), over
the run figures a row holds (`RUN_METRICS`: the row's are analyze's overview figures, as `diff` reads them). The
latency of one operation (`p95(llm)`) is a figure of a whole report, which a row does not keep: not taken here.
"""

from __future__ import annotations

import math
from typing import Optional

from ..analysis.run_row import RunRow
from ..analysis.trend import Judge, Reason
from ..model.errors import UsageError
from ..model.limits import shown
from .figures import RUN_METRICS, change
from .thresholds import Threshold, parse_threshold

# What `runs --trend` judges with when no --regression is given.
DEFAULT_RULES = ("duration>+50%", "cost>+25%", "tokens>+25%", "errors>+0")


def row_judges(expressions: tuple[str, ...], option: str = "--regression") -> list[tuple[str, Judge]]:
    """Each expression (or the defaults, for none) as a (rule, judge) pair; a UsageError for a bad one."""
    return [(threshold.expression, _judge(threshold))
            for threshold in (_parsed(text, option) for text in (expressions or DEFAULT_RULES))]


def _parsed(text: str, option: str) -> Threshold:
    try:
        threshold = parse_threshold(text)
    except UsageError as error:
        raise UsageError(error.message.replace("--fail-on", option, 1), hint=error.hint) from None
    if threshold.stat is not None:
        raise UsageError(f"{option} {shown(text)}: {threshold.metric} is a figure of a whole run's report, which "
                         "the run index does not keep", hint=f"use a run figure: {', '.join(RUN_METRICS)}")
    return threshold


def row_figure(row: RunRow, metric: str) -> Optional[float]:
    """A run figure of a row as `diff` reads it of a report: a cost with unpriced calls is no figure (a lower
    bound compared with another is no change)."""
    if metric == "cost" and row.unpriced_calls:
        return None
    value = getattr(row, RUN_METRICS[metric].field)
    return None if value is None else float(value)


def _judge(threshold: Threshold) -> Judge:
    def judge(before: RunRow, after: RunRow) -> Optional[Reason]:
        base, new = row_figure(before, threshold.metric), row_figure(after, threshold.metric)
        figures = change(threshold.metric, threshold.metric_unit, base, new)
        if figures.delta is None:
            return None  # a figure one of them lacks (no run_end, an unknown cost) is not judged
        amount = figures.delta if not threshold.relative else (
            figures.percent if figures.percent is not None else math.copysign(math.inf, figures.delta))
        if not threshold.crossed_by(amount):
            return None
        shown_change = None if math.isinf(amount) else amount
        field = RUN_METRICS[threshold.metric].field  # the figures as the row has them: a count stays a whole number
        return Reason(threshold.metric, getattr(before, field), getattr(after, field), shown_change,
                      threshold.expression, threshold.unit)
    return judge
