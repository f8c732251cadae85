"""Latency statistics: percentiles by linear interpolation between closest ranks.

For sorted durations x[0..n-1] the p-th percentile is at rank h = (n - 1) * p / 100, between
x[floor(h)] and x[floor(h) + 1]: the method numpy calls "linear" (its default), R calls type 7 and
DuckDB's `quantile_cont` uses, so figures can be checked against any of them.
"""

from __future__ import annotations

import math
from typing import Sequence

from . import floats
from .records.report import Latency

PERCENTILES = (50, 90, 95, 99)


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) of already sorted values; None when there are none."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def latency(ordered: Sequence[float]) -> Latency:
    """Count, total, mean, p50/p90/p95/p99 and max of durations in ms, already sorted (`floats.ordered`)."""
    if not ordered:
        return Latency(0, 0.0, None, None, None, None, None, None)
    total = floats.total(ordered)
    p50, p90, p95, p99 = (percentile(ordered, p) for p in PERCENTILES)
    return Latency(len(ordered), total, total / len(ordered), p50, p90, p95, p99, ordered[-1])


def rate(good: int, total: int) -> float | None:
    return good / total if total else None


def op_label(component: str, name: str, kind: str | None) -> str:
    """`llm:planner`; a turn or a step says so (`agent_turn:researcher`), as it shares the agent's name."""
    if kind in ("agent_turn", "chain_step"):
        return f"{kind}:{name}"
    return f"{component}:{name}"
