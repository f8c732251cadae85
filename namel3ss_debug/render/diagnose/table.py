"""The terminal view of a diagnosis: each blame first (the failure, the agent, the decisive step and the chain to
the failure), then the findings grouped by severity (kind, title, why, what to try, evidence, confidence).

Every text from the trace (titles and notes quote it) is printed literally: no markup, no control characters.
`analyze`'s `findings` section prints the same blocks (`print_diagnosis`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from rich.console import Console
from rich.text import Text

from ...analysis.records.findings import Blame, Diagnosis, Finding
from ..analyze.format import ViewStyle
from ..analyze.rich import SEVERITY_STYLES, hanging, print_key_values, styled, trace_text
from .words import (
    SEVERITY_TITLES, by_severity, candidate_line, candidate_why, confidence_said, counts_line, evidence_line,
    finding_head, link_line, nothing_found, place,
)

from .experiment_words import checked_line

if TYPE_CHECKING:
    from ...judging.experiment_report import Checked
    from ...ops.diagnose import DiagnoseReport

_INDENT = "    "


def render_diagnose(console: Console, report: DiagnoseReport) -> None:
    """`diagnose`'s report: a title, the failures judged, the blames, then the findings."""
    runs = report.run_ids
    title = Text("namel3ss-debug diagnose", style="bold")
    if len(runs) == 1:
        title.append_text(Text.assemble(": run ", trace_text(runs[0], "bold")))
    elif runs:
        title.append(f": {len(runs)} runs")
    console.print(title)
    view = ViewStyle(runs[0] if len(runs) == 1 else None)
    if report.filters:
        console.print(trace_text("filters: " + ", ".join(f"{key} {value}" for key, value in report.filters.items()),
                                 "dim"))
    for failure in report.failures:
        console.print(hanging(Text("failed: ", "red"), Text.assemble(
            trace_text(failure.what), trace_text("" if view.only_run else f" (run {failure.run_id})", "dim"))))
    for run_id, why in report.stopped.items():  # by its rerun: no failure of the app's, nothing blamed
        console.print(Text.assemble(("stopped: ", "yellow"), trace_text(why),
                                    trace_text("" if view.only_run else f" (run {run_id})", "dim")))
    print_diagnosis(console, Diagnosis(report.findings, report.blames, report.counts, report.failed_runs), view,
                    hidden=report.hidden, checked=report.experiments)


def print_diagnosis(console: Console, diagnosis: Diagnosis, view: ViewStyle, hidden: int = 0,
                    checked: Mapping[str, Checked] | None = None) -> None:
    """The blames (each with what an experiment found of it, `checked` by run id), then the findings by severity;
    `hidden`: findings the filters left out, said after."""
    for blame in diagnosis.blames:
        console.print()
        print_blame(console, blame, view)
        if checked and blame.run_id in checked:
            experiment = checked[blame.run_id]
            console.print(hanging(Text("experiment     ", "dim"), trace_text(
                checked_line(experiment), "green" if experiment.call is not None else "yellow")))
    console.print()
    console.print(Text.assemble(("Findings: ", "bold"), summary(diagnosis, hidden)))
    print_findings(console, diagnosis.findings, view)


def summary(diagnosis: Diagnosis, hidden: int = 0) -> str:
    """`1 critical, 2 warning, 0 info`, `no findings` (or, beside a blame, none besides the failure); and how many
    the filters left out."""
    more = f" ({hidden} left out by the filters)" if hidden else ""
    return (counts_line(diagnosis.counts) if diagnosis.findings else nothing_found(diagnosis)) + more


def print_blame(console: Console, blame: Blame, view: ViewStyle) -> None:
    """Who and where: the agent, the decisive step (or unknown), the rule that chose it, the chain."""
    console.print(Text.assemble(("Blame", "bold underline"),
                                trace_text("" if view.only_run else f"  run {blame.run_id}", "dim")))
    step = trace_text(place(blame.step, view)) if blame.step is not None else Text("unknown", style="yellow")
    rows: list[tuple[str, Text]] = [
        ("failure", trace_text(blame.failure, "red")),
        ("agent", trace_text(blame.agent) if blame.agent else Text("unknown", style="yellow")),
        ("decisive step", step),
        ("confidence", Text(confidence_said(blame))),
        ("why", trace_text(blame.why)),
    ]
    if blame.finding:
        rows.append(("finding", trace_text(blame.finding)))
    print_key_values(console, rows)
    if blame.chain:
        console.print(Text("chain", style="dim"))
        for number, link in enumerate(blame.chain, 1):
            console.print(hanging("  ", trace_text(link_line(number, link, view)), under=len(f"{number}. ")))
            console.print(hanging(_INDENT + "  ", trace_text(link.why, "dim")))
    if len(blame.candidates) > 1:  # the first is the decisive step
        console.print(Text("runners-up", style="dim"))
        for number, candidate in enumerate(blame.candidates[1:], 2):
            console.print(hanging("  ", trace_text(candidate_line(number, candidate, view)), under=len(f"{number}. ")))
            console.print(hanging(_INDENT + "  ", trace_text(candidate_why(candidate), "dim")))


def print_findings(console: Console, findings: Sequence[Finding], view: ViewStyle) -> None:
    for severity, group in by_severity(findings):
        console.print(styled(SEVERITY_TITLES[severity], SEVERITY_STYLES), style="bold")
        for finding in group:
            print_finding(console, finding, view)


def print_finding(console: Console, finding: Finding, view: ViewStyle) -> None:
    """The head line, then why, what to try, the setting and the evidence, indented under it."""
    console.print(hanging("  ", trace_text(finding_head(finding), SEVERITY_STYLES.get(finding.severity, "")), under=2))
    lines = [("why", finding.why), ("try", finding.suggestion)]
    if finding.setting:
        lines.append(("setting", finding.setting))
    for label, text in lines:
        console.print(hanging(Text(f"{_INDENT}{label}: ", "dim"), trace_text(text)))
    for evidence in finding.evidence:
        console.print(hanging(_INDENT + "- ", trace_text(evidence_line(evidence, view))))
