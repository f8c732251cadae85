"""The Markdown view of a diff, sized for a pull-request comment: GitHub-flavoured pipe tables, the verdict
first, long parts (every operation, changed outputs) folded in `<details>`.

Text from a trace and the `--fail-on` expressions as typed are escaped by `md` (the one escaper the
`analyze` Markdown view uses), so a name holding `|`, a backtick or `<script>` stays text.
"""

from __future__ import annotations

from ...diffing.report import Change, DiffReport, RunSide, OperationDelta, OutputChanges, ThresholdResult
from ..analyze.md_text import md, table
from .format import (
    METRIC_TITLES, count_cell, divergence_rows, divergence_title, figure, inputs_text, kin_text, outcome_text,
    percent_change, side_text, signed, threshold_change,
)

_OPEN_ROWS = 10  # latency rows shown before the rest are folded


def render_markdown(report: DiffReport) -> str:
    lines = ["## namel3ss-debug diff", "", f"**BASE** {side_text(report.base, md)}{_outcome(report.base)}  ",
             f"**NEW** {side_text(report.new, md)}{_outcome(report.new)}"]
    kin = kin_text(report, md)
    if kin is not None:
        lines += ["", kin]
    if report.thresholds:
        lines += ["", *_thresholds(report.thresholds)]
    lines += ["", "### Overview", "", *_overview(report.overview)]
    lines += ["", "### Calls", "", *_calls(report)]
    lines += _latency("Latency by component", report.components)
    lines += _latency("Latency by operation", report.operations)
    lines += ["", "### Outputs", "", *_outputs(report.outputs)]
    return "\n".join(lines) + "\n"


def _thresholds(results: list[ThresholdResult]) -> list[str]:
    crossed = sum(result.crossed for result in results)
    head = f"**{crossed} of {len(results)} thresholds crossed**" if crossed else f"All {len(results)} thresholds passed"
    rows = [("**crossed**" if r.crossed else "ok", md(r.expression), figure(r.base, r.metric_unit),
             figure(r.new, r.metric_unit), md(threshold_change(r))) for r in results]
    return [head, "", *table(["", "threshold", ">base", ">new", ">change"], rows)]


def _overview(changes: list[Change]) -> list[str]:
    rows = [(METRIC_TITLES[c.metric], figure(c.base, c.unit), figure(c.new, c.unit), signed(c.delta, c.unit),
             percent_change(c)) for c in changes]
    return table(["metric", ">base", ">new", ">change", ">%"], rows)


def _calls(report: DiffReport) -> list[str]:
    calls = report.calls
    lines = [f"{calls.base:,} -> {calls.new:,} calls: {calls.aligned:,} aligned, {calls.added:,} added, "
             f"{calls.removed:,} removed."]
    if calls.aligned_by == "counts":
        lines[0] += " Too many calls differ to align them one by one: added and removed are counted per operation."
    if calls.divergence is None:
        return lines + ["", "No divergence: the runs made the same calls in the same order."]
    lines += ["", f"**First divergence**: {md(divergence_title(calls.divergence))}", ""]
    rows = [(f"`{mark}`" if mark != " " else "", _indented(left), _indented(right))
            for mark, left, right in divergence_rows(calls.divergence)]
    lines += table(["", "BASE", "NEW"], rows)
    if calls.by_operation:
        counts = [(md(r.operation), f"{r.base:,}", f"{r.new:,}", f"+{r.added:,}" if r.added else "0",
                   f"-{r.removed:,}" if r.removed else "0") for r in calls.by_operation]
        lines += ["", *table(["operation", ">base", ">new", ">added", ">removed"], counts)]
    return lines


def _latency(title: str, rows: list[OperationDelta]) -> list[str]:
    if not rows:
        return []
    cells = [(md(r.operation) + ("" if r.presence == "both" else f" ({r.presence})"), count_cell(r.count),
              figure(r.p95_ms.base, "ms"), figure(r.p95_ms.new, "ms"), signed(r.p95_ms.delta, "ms"),
              percent_change(r.p95_ms), signed(r.p50_ms.delta, "ms"), signed(r.max_ms.delta, "ms")) for r in rows]
    headers = ["operation", ">count", ">p95 base", ">p95 new", ">p95 change", ">p95 %", ">p50 change", ">max change"]
    lines = ["", f"### {title}", "", *table(headers, cells[:_OPEN_ROWS])]
    if len(cells) > _OPEN_ROWS:
        lines += ["", f"<details><summary>{len(cells) - _OPEN_ROWS} more</summary>", "",
                  *table(headers, cells[_OPEN_ROWS:]), "", "</details>"]
    return lines


def _outputs(outputs: OutputChanges) -> list[str]:
    lines = [f"{outputs.changed:,} of {outputs.compared:,} aligned LLM and tool calls changed their output, "
             "error or status."]
    for item in outputs.items:
        summary = (f"{md(item.base.key)}: BASE seq {item.base.seq} {md(item.base.status)}, "
                   f"NEW seq {item.new.seq} {md(item.new.status)}")
        inputs = inputs_text(item.inputs_changed).capitalize() + "."
        lines += ["", f"<details><summary>{summary}</summary>", "", inputs, "",
                  f"- BASE: {md(item.base_preview)}", f"- NEW: {md(item.new_preview)}", "", "</details>"]
    if outputs.changed > len(outputs.items):
        lines += ["", f"… and {outputs.changed - len(outputs.items):,} more."]
    return lines


def _outcome(side: RunSide) -> str:
    """`; health **degraded**: completed with 1 handled error`, how the run turned out; empty when the report
    does not say."""
    outcome = outcome_text(side)
    if outcome is None or side.outcome is None:
        return ""
    return f"; health **{md(side.outcome)}**" + md(outcome[len(side.outcome):])


def _indented(text: str) -> str:
    """A call's cell: its indentation as no-break spaces (a table cell's leading spaces are dropped)."""
    body = text.lstrip(" ")
    return "&nbsp;" * (len(text) - len(body)) + md(body)
