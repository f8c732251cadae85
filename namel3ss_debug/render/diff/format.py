"""Figures and calls of a diff as short human text, shared by the terminal and Markdown views.

Returned text is raw (it may hold names from a trace): each view escapes it its own way.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Callable, Iterator, Optional

from ...diffing.report import CHANGED, CallRef, Change, DiffReport, Divergence, RunSide, ThresholdResult
from ..analyze.format import NONE, count, duration, number, usd

UNCHANGED = "="
NEW = "new"  # a change from 0, which no percentage describes

METRIC_TITLES = {"duration": "duration", "llm_calls": "LLM calls", "tool_calls": "tool calls", "tokens": "tokens",
                 "cost": "cost", "errors": "errors", "handled_errors": "  handled", "unhandled_errors": "  unhandled"}


def figure(value: Optional[float], unit: str) -> str:
    """A figure in its unit: `3.2 ms`, `$0.0012`, `1,480`."""
    if value is None:
        return NONE
    if unit == "ms":
        return duration(value)
    if unit == "usd":
        return usd(value)
    if unit == "%":
        return f"{value:.1f}%"
    return count(int(value)) if float(value).is_integer() else number(value)


def signed(delta: Optional[float], unit: str) -> str:
    """`+1`, `-3.1 ms`, `+$0.0040`; `=` for no change, `-` when a figure is missing."""
    if delta is None:
        return NONE
    if delta == 0:
        return UNCHANGED
    return ("+" if delta > 0 else "-") + figure(abs(delta), unit)


def percent_change(change: Change) -> str:
    """`+12.5%`; `new` from 0; `=` for no change; `-` when a figure is missing."""
    if change.delta is None:
        return NONE
    if change.percent is None:
        return NEW
    if change.percent == 0:
        return UNCHANGED
    return f"{change.percent:+.1f}%"


def count_cell(change: Change) -> str:
    """A span count that did not change once (`12`), else both (`12 -> 14`)."""
    base, new = figure(change.base, "count"), figure(change.new, "count")
    return new if base == new else f"{base} -> {new}"


def side_text(side: RunSide, escape: Callable[[str], str]) -> str:
    """`run R (label, completed, 42 calls)`, then a rerun's lineage (`; fork of P at llm:chat#2 (answer)`), its
    text from the trace through the view's `escape`."""
    run = f"run {escape(side.run_id)}" if side.run_id else "(no run id)"
    lineage = "" if side.rerun_of is None else "; " + side.rerun_of.said(escape)
    return f"{run} ({escape(side.label)}, {escape(side.status or 'unfinished')}, {side.calls:,} calls{lineage})"


def outcome_text(side: RunSide) -> Optional[str]:
    """How the run turned out, as `analyze`'s health says it: `healthy`, `failing: run ended failed with
    ValueError: ...`; None for a report that does not say (a JSON document of an older version)."""
    if side.outcome is None:
        return None
    if side.outcome == "healthy" or not side.outcome_reason:
        return side.outcome
    return f"{side.outcome}: {side.outcome_reason}"


def kin_text(report: DiffReport, escape: Callable[[str], str]) -> Optional[str]:
    """When one run is a rerun or fork of the other, where it parted from it: `NEW is a rerun of BASE that
    parted from it at llm:planner#1 (mocked)`; else None."""
    kin = report.kin()
    if kin is None:
        return None
    child, parent, lineage = kin
    what = "fork" if lineage.fork is not None else "rerun"
    parted = lineage.parted_text()
    if parted is None:
        return f"{child} is a {what} of {parent}; where it parted from it is not recorded"
    return f"{child} is a {what} of {parent} that parted from it at {escape(parted)}"


def inputs_text(changed: Optional[bool]) -> str:
    """Whether an output change came with changed inputs: `inputs changed`, `same inputs`, `inputs not recorded`."""
    return {True: "inputs changed", False: "same inputs", None: "inputs not recorded"}[changed]


def threshold_change(result: ThresholdResult) -> str:
    """The change the threshold measured, in its unit, or why there is none."""
    if result.change is None:
        return result.note or NONE
    return f"{result.change:+.1f}%" if result.unit == "%" else signed(result.change, result.unit)


def call_text(ref: Optional[CallRef], indent: int = 0) -> str:
    """`tool:search#5  seq 32  3.2 ms`, indented two spaces a level, with `(agent_turn)` when the operation is
    not the key's own, and the status when the call did not complete."""
    if ref is None:
        return ""
    kind = "" if ref.key.startswith(ref.operation + "#") else f" ({ref.operation.split(':', 1)[0]})"
    status = "" if ref.status == "completed" else f"  {ref.status}"
    return f"{'  ' * indent}{ref.key}{kind}  seq {ref.seq}{status}  {duration(ref.duration_ms)}"


def divergence_rows(divergence: Divergence) -> Iterator[tuple[str, str, str]]:
    """(marker, BASE cell, NEW cell) rows: context, then the divergence (`-` BASE only, `+` NEW only,
    `~` replaced, `!` the same call ended otherwise), then context again. Calls are indented by their depth
    below the shallowest shown."""
    shown = [*divergence.before_base, *divergence.before_new, *divergence.removed, *divergence.added,
             *divergence.after_base, *divergence.after_new]
    top = min((ref.depth for ref in shown), default=0)
    marker = {"insert": "+", "delete": "-", "replace": "~", CHANGED: "!"}[divergence.kind]
    for group, mark in (((divergence.before_base, divergence.before_new), " "),
                        ((divergence.removed, divergence.added), marker),
                        ((divergence.after_base, divergence.after_new), " ")):
        for left, right in zip_longest(*group):
            yield mark, call_text(left, left.depth - top if left else 0), \
                call_text(right, right.depth - top if right else 0)
        if mark != " ":
            hidden = divergence.removed_total - len(divergence.removed), divergence.added_total - len(divergence.added)
            if hidden != (0, 0):
                yield mark, _more(hidden[0]), _more(hidden[1])


def divergence_title(divergence: Divergence) -> str:
    """`tool:search#5, call 16 of NEW: 1 call only NEW has`: the first call that differs, where, and how;
    `tool:search#1, call 4 of both: the same call, completed in BASE, failed in NEW` for a changed status."""
    first = (divergence.added or divergence.removed)[0]
    if divergence.kind == CHANGED:
        before, after = divergence.removed[0], divergence.added[0]
        return (f"{first.key}, call {divergence.new_index + 1} of both: the same call, {before.status} in BASE, "
                f"{after.status} in NEW")
    if divergence.kind == "insert":
        what = f"{_calls(divergence.added_total)} only NEW has"
    elif divergence.kind == "delete":
        what = f"{_calls(divergence.removed_total)} only BASE has"
    else:
        what = f"{_calls(divergence.removed_total)} of BASE replaced by {divergence.added_total:,} of NEW"
    side, index = ("BASE", divergence.base_index) if divergence.kind == "delete" else ("NEW", divergence.new_index)
    return f"{first.key}, call {index + 1} of {side}: {what}"


def _more(hidden: int) -> str:
    return f"… {hidden:,} more" if hidden else ""


def _calls(total: int) -> str:
    return f"{total} call" if total == 1 else f"{total:,} calls"
