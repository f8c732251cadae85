"""The terminal view of a diff: Rich tables, colour only where the console allows it (Rich drops styles off a
terminal and under NO_COLOR). Text from a trace goes through `safe`, so it is shown, never interpreted."""

from __future__ import annotations

from typing import Iterable

from rich import box
from rich.console import Console
from rich.table import Table

from ...diffing.report import Change, DiffReport, Divergence, OperationDelta, OutputChanges, ThresholdResult
from .format import (
    METRIC_TITLES, count_cell, divergence_rows, divergence_title, figure, inputs_text, kin_text, outcome_text,
    percent_change, side_text, signed, threshold_change,
)
from ..text import safe_line

OUTCOME_STYLES = {"healthy": "green", "degraded": "yellow", "stopped": "yellow", "failing": "bold red"}


def render_diff(console: Console, report: DiffReport) -> None:
    """Title, thresholds, overview, first divergence, calls added/removed, latency, changed outputs."""
    console.print("[bold]namel3ss-debug diff[/]")
    for name, side in (("BASE", report.base), ("NEW ", report.new)):
        console.print(f"{name} {side_text(side, safe_line)}")
        outcome = outcome_text(side)
        if outcome is not None:
            console.print(f"     health: [{OUTCOME_STYLES.get(side.outcome or '', 'bold')}]{safe_line(outcome)}[/]")
    kin = kin_text(report, safe_line)
    if kin is not None:
        console.print(f"[yellow]{kin}[/]")
    if report.thresholds:
        _thresholds(console, report.thresholds)
    console.print()
    console.print(_overview(report.overview))
    _divergence(console, report)
    _latency(console, "Latency by component", report.components)
    _latency(console, "Latency by operation", report.operations)
    _outputs(console, report.outputs)


def _thresholds(console: Console, results: list[ThresholdResult]) -> None:
    crossed = sum(result.crossed for result in results)
    style = "bold red" if crossed else "green"
    console.print(f"[{style}]thresholds: {crossed} of {len(results)} crossed[/]")
    for result in results:
        mark = "[bold red]crossed[/]" if result.crossed else "[green]ok[/]     "
        figures = f"{figure(result.base, result.metric_unit)} -> {figure(result.new, result.metric_unit)}"
        console.print(f"  {mark}  {safe_line(result.expression)}  {safe_line(threshold_change(result))}  ({figures})")


def _overview(changes: list[Change]) -> Table:
    table = _table("Overview", ["metric", ">base", ">new", ">change", ">%"])
    for change in changes:
        table.add_row(METRIC_TITLES[change.metric], figure(change.base, change.unit), figure(change.new, change.unit),
                      _coloured(signed(change.delta, change.unit), change.delta), percent_change(change))
    return table


def _divergence(console: Console, report: DiffReport) -> None:
    calls = report.calls
    console.print()
    console.print(f"[bold]Calls[/]  {calls.base:,} -> {calls.new:,}: {calls.aligned:,} aligned, "
                  f"{calls.added:,} added, {calls.removed:,} removed"
                  + ("  (too many differing calls to align one by one: counted per operation)"
                     if calls.aligned_by == "counts" else ""))
    divergence = calls.divergence
    if divergence is None:
        console.print("first divergence: none (the runs made the same calls in the same order)")
        return
    console.print(f"[bold]first divergence[/]: {safe_line(divergence_title(divergence))}")
    console.print(_divergence_table(divergence))
    if calls.by_operation:
        table = _table("Calls added and removed", ["operation", ">base", ">new", ">added", ">removed"])
        for row in calls.by_operation:
            table.add_row(safe_line(row.operation), f"{row.base:,}", f"{row.new:,}", _plus(row.added),
                          _minus(row.removed))
        console.print(table)


def _divergence_table(divergence: Divergence) -> Table:
    table = _table(None, ["", "BASE", "NEW"])
    styles = {"+": "green", "-": "red", "~": "yellow", "!": "red"}
    for mark, left, right in divergence_rows(divergence):
        table.add_row(mark, safe_line(left), safe_line(right), style=styles.get(mark))
    return table


def _latency(console: Console, title: str, rows: Iterable[OperationDelta]) -> None:
    """Every column from 110 columns up; below, p50 and max give way to the names."""
    rows = list(rows)
    if not rows:
        return
    wide = console.width >= 110
    headers = ["operation", ">count", ">p95 base", ">p95 new", ">p95 change", ">p95 %"]
    table = _table(title, headers + ([">p50 change", ">max change"] if wide else []))
    for row in rows:
        name = safe_line(row.operation) + ("" if row.presence == "both" else f" ({row.presence})")
        cells = [name, count_cell(row.count), figure(row.p95_ms.base, "ms"), figure(row.p95_ms.new, "ms"),
                 _coloured(signed(row.p95_ms.delta, "ms"), row.p95_ms.delta), percent_change(row.p95_ms)]
        if wide:
            cells += [signed(row.p50_ms.delta, "ms"), signed(row.max_ms.delta, "ms")]
        table.add_row(*cells)
    console.print()
    console.print(table)


def _outputs(console: Console, outputs: OutputChanges) -> None:
    console.print()
    console.print(f"[bold]Outputs[/]  {outputs.changed:,} of {outputs.compared:,} aligned LLM and tool calls "
                  "changed their output, error or status")
    for item in outputs.items:
        console.print(f"  [bold]{safe_line(item.base.key)}[/] "
                      f"(BASE seq {item.base.seq}, {safe_line(item.base.status)}; "
                      f"NEW seq {item.new.seq}, {safe_line(item.new.status)}; {inputs_text(item.inputs_changed)})")
        if item.offset < 0:
            console.print("    the outputs differ past the characters kept, or only in status")
        console.print(f"    [red]- {safe_line(item.base_preview)}[/]")
        console.print(f"    [green]+ {safe_line(item.new_preview)}[/]")
    if outputs.changed > len(outputs.items):
        console.print(f"  … {outputs.changed - len(outputs.items):,} more (--format json lists the same first ones)")


def _table(title: str | None, headers: list[str]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in headers:
        table.add_column(header.lstrip(">"), justify="right" if header.startswith(">") else "left")
    return table


def _coloured(text: str, delta: float | None) -> str:
    """More time, cost or errors reads red, less green (a diff is read for regressions)."""
    if not delta:
        return text
    return f"[red]{text}[/]" if delta > 0 else f"[green]{text}[/]"


def _plus(value: int) -> str:
    return f"[green]+{value:,}[/]" if value else "0"


def _minus(value: int) -> str:
    return f"[red]-{value:,}[/]" if value else "0"
