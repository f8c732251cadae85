"""A waterfall of a span tree: each node placed on the run's time axis.

A bar starts at the node's first event's wall-clock `ts`, as an offset from the earliest `ts` in the
tree, and is as long as the recorded `duration_ms` (a monotonic clock, so closer to the truth than the
difference of two wall-clock stamps). A span that never ended runs to the last moment seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import micros
from .spans import SpanNode, SpanTree


@dataclass(frozen=True)
class Bar:
    """One row: `offset_ms` from the start (None when the event has no usable ts), `length_ms` (0 for instants)."""

    node: SpanNode
    depth: int
    offset_ms: float | None
    length_ms: float
    open_ended: bool = False


@dataclass(frozen=True)
class Waterfall:
    """The bars `inspect --timeline` draws (replay's `Timeline` is another thing: a run's structure as the
    replay engine walks it)."""

    bars: tuple[Bar, ...]
    total_ms: float
    start_ts: str | None


def timeline(tree: SpanTree) -> Waterfall:
    """Rows in tree order (depth first), on one axis from the earliest to the latest moment seen."""
    rows = list(tree.walk())
    moments = [m for _, node in rows for m in _moments(node)]
    if not moments:
        return Waterfall(tuple(Bar(node, depth, None, 0.0) for depth, node in rows), 0.0, None)
    first, last = min(moments), max(moments)
    bars = tuple(_bar(node, depth, first, last) for depth, node in rows)
    ends = [bar.offset_ms + bar.length_ms for bar in bars if bar.offset_ms is not None]
    # the earliest moment may be an end event's (clocks go back): then name no start rather than guess one
    start_ts = next((_ts(node) for _, node in rows if micros(_ts(node)) == first), None)
    return Waterfall(bars, max([(last - first) / 1000, *ends]), start_ts)


def _ts(node: SpanNode) -> str | None:
    """The node's timestamp; None when it has none or it is not text (which `micros` reads as none too)."""
    ts = node.first.get("ts")
    return ts if isinstance(ts, str) else None


def _moments(node: SpanNode) -> list[int]:
    return [m for m in (micros(e.get("ts")) for e in (node.start, node.end) if e is not None) if m is not None]


def _bar(node: SpanNode, depth: int, first: int, last: int) -> Bar:
    began = micros(_ts(node))
    if began is None:
        return Bar(node, depth, None, 0.0)
    offset = (began - first) / 1000
    if node.unclosed:
        return Bar(node, depth, offset, (last - began) / 1000, open_ended=True)
    length = max(node.duration_ms or 0.0, 0.0) if node.kind == "span" else 0.0
    return Bar(node, depth, offset, length)
