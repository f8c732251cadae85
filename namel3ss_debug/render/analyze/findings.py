"""The terminal view of what an `analyze` report found: errors, patterns, anomalies, integrity, critical path.

`FINDINGS` maps each section key to its view of the report; `table.render_report` prints them in report order.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ...analysis.records.findings import Diagnosis
from ...analysis.records.report import Anomalies, CriticalPath, Errors, ErrorType, Integrity, PathStep, Patterns, Report
from .format import (
    INTEGRITY_COUNTS, ViewStyle, anomaly_figure, bar, clip, count, duration, errors_apart, operation, percent, tally,
)
from .rich import SEVERITY_STYLES, new_table, print_key_values, section, styled, trace_text
from ..diagnose.table import print_blame, print_findings, summary
from ..text import plural

_BAR_WIDTH = 30
_NARROW_BAR_WIDTH = 16

T = TypeVar("T")
SectionView = Callable[[Console, Report, ViewStyle], None]


def on_report(pick: Callable[[Report], T | None], render: Callable[[Console, T, ViewStyle], None]) -> SectionView:
    """`render` as a view of the whole report: it prints the section `pick` takes from it, if the report has it.

    Each section's record has its own type, so a table of renderers is a table of these views."""
    def view_section(console: Console, report: Report, view: ViewStyle) -> None:
        record = pick(report)
        if record is not None:
            render(console, record, view)
    return view_section


def _errors(console: Console, errors: Errors, view: ViewStyle) -> None:
    note = Text.assemble((f"{errors_apart(errors.total, errors.handled, errors.unhandled)}; "
                          f"{plural(errors.failed_spans, 'failed span')}, "
                          f"{plural(errors.error_events, 'error event')}", "red" if errors.total else ""))
    for label, by_category in (("handled", errors.handled_by_category), ("unhandled", errors.unhandled_by_category)):
        if by_category:
            note.append_text(Text.assemble(f"\n{label} by category: ", trace_text(tally(by_category))))
    section(console, "errors", note)
    if errors.by_type:
        table = new_table("type", "category", ">count", ">handled", ">unhandled", "example", "where")
        for error_type in errors.by_type:
            _add_error_rows(table, error_type, view)
        console.print(table)


def _add_error_rows(table: Table, error_type: ErrorType, view: ViewStyle) -> None:
    """One row per example; the type, category and count only on the first, so they read as a group."""
    head: list[str | Text] = [trace_text(error_type.type, "red"), trace_text(error_type.category),
                              count(error_type.count), count(error_type.handled), count(error_type.unhandled)]
    if not error_type.examples:
        table.add_row(*head, "", "")
    for index, example in enumerate(error_type.examples):
        cells = head if index == 0 else [""] * len(head)
        table.add_row(*cells, trace_text(clip(example.message)), trace_text(view.where(example.ref)))


def _patterns(console: Console, patterns: Patterns, view: ViewStyle) -> None:
    if not (patterns.retries or patterns.repeated_calls or patterns.loops):
        section(console, "patterns", Text("none found", style="dim"))
        return
    section(console, "patterns")
    if patterns.retries:
        table = new_table("retried", ">retries", ">recovered", "first")
        for retry in patterns.retries:
            table.add_row(trace_text(operation(retry.component, retry.name)), count(retry.retries),
                          count(retry.recovered), trace_text(view.where(retry.first)))
        console.print(table)
    if patterns.repeated_calls:
        table = new_table("repeated identical call", ">calls", ">duplicates", ">wasted", "first")
        for call in patterns.repeated_calls:
            table.add_row(trace_text(operation(call.component, call.name)), count(call.calls),
                          count(call.duplicates), duration(call.duplicate_ms), trace_text(view.where(call.first)))
        console.print(table)
    if patterns.loops:
        table = new_table("loop in agent", "cycle", ">repetitions", "from")
        for loop in patterns.loops:
            table.add_row(trace_text(loop.agent), trace_text(" -> ".join(loop.cycle)), count(loop.repetitions),
                          trace_text(view.at(loop.ref.run_id, loop.first_seq)))
        console.print(table)


def _anomalies(console: Console, anomalies: Anomalies, view: ViewStyle) -> None:
    total = sum(anomalies.counts.values())
    summary = f"{total} {'anomaly' if total == 1 else 'anomalies'}: {tally(anomalies.counts)}" if total else "none"
    section(console, "anomalies", trace_text(summary, "" if total else "dim"))
    if anomalies.items:
        table = new_table("severity", "kind", "message", ">value", ">threshold", "where")
        for item in anomalies.items:
            table.add_row(styled(item.severity, SEVERITY_STYLES), trace_text(item.kind),
                          trace_text(clip(item.message)), anomaly_figure(item.kind, item.value),
                          anomaly_figure(item.kind, item.threshold), trace_text(view.where(item.ref)))
        console.print(table)


def _integrity(console: Console, integrity: Integrity, view: ViewStyle) -> None:
    """A single `ok` line when the trace is sound; otherwise the counts that are not zero, then the problems."""
    if integrity.ok:
        section(console, "integrity", Text("ok", style="green"))
        return
    section(console, "integrity")
    print_key_values(console, [(label, Text(count(getattr(integrity, key)), style="yellow"))
                               for key, label in INTEGRITY_COUNTS.items() if getattr(integrity, key)])
    for problem in integrity.problems:
        console.print(Text.assemble("  - ", trace_text(problem)))


def _critical_path(console: Console, paths: list[CriticalPath], view: ViewStyle) -> None:
    section(console, "critical_path", None if paths else Text("none", style="dim"))
    for path in paths:
        console.print(Text.assemble("run ", trace_text(path.run_id, "bold"), f"  {duration(path.total_ms)}"))
        width = _BAR_WIDTH if view.wide else _NARROW_BAR_WIDTH
        steps = [(trace_text(operation(step.component, step.name, step.kind)), _bar(step, width))
                 for step in path.steps]
        print_key_values(console, steps)


def _bar(step: PathStep, width: int) -> Text:
    """`██████▍·····  31.2%  1.24 s  3 spans`: the step's share of the path as a bar, then its figures."""
    filled = bar(step.share, width)
    spans = f"  {plural(step.spans, 'span')}" if step.spans != 1 else ""
    return Text.assemble((filled, "cyan"), ("·" * (width - len(filled)), "dim"),
                         f" {percent(step.share):>6}  {duration(step.ms)}{spans}")


def _findings(console: Console, diagnosis: Diagnosis, view: ViewStyle) -> None:
    """The diagnosis as `diagnose` prints it: the blames, then the findings by severity."""
    section(console, "findings", Text(summary(diagnosis), style="" if diagnosis.findings else "dim"))
    for blame in diagnosis.blames:
        console.print()
        print_blame(console, blame, view)
    print_findings(console, diagnosis.findings, view)


FINDINGS: dict[str, SectionView] = {
    "errors": on_report(lambda report: report.errors, _errors),
    "patterns": on_report(lambda report: report.patterns, _patterns),
    "anomalies": on_report(lambda report: report.anomalies, _anomalies),
    "integrity": on_report(lambda report: report.integrity, _integrity),
    "critical_path": on_report(lambda report: report.critical_path, _critical_path),
    "findings": on_report(lambda report: report.findings, _findings),
}
