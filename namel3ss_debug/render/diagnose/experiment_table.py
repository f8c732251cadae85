"""`diagnose --experiment` on a terminal: the plan and each try on stderr as they go, then the report: the verdict,
the blame read beside it, the fork points tried with their rescue rates, and what the search spent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ...judging.experiment import ForkPoint, PointTried
from ..analyze.rich import print_key_values, trace_text
from .experiment_words import HEADERS, plan_lines, point_row, read_line, spent_line, verdict_line

if TYPE_CHECKING:
    from ...judging.experiment_report import ExperimentReport
    from ...ops.experiment import ExperimentPlan


def plan(told: ExperimentPlan) -> Group:
    """Before the first try (on stderr)."""
    return Group(*(trace_text(line, "dim" if index else "bold") for index, line in enumerate(plan_lines(told))))


def trying(point: ForkPoint, number: int, tries: int) -> Text:
    """Before each try (on stderr)."""
    return trace_text(f"experiment: re-asking from {point.call} on, try {number} of {tries}", "dim")


def tried(done: PointTried) -> Text:
    """Once a fork point's tries are done (on stderr)."""
    return trace_text(f"experiment: from {done.point.call} on, {done.rate_text()}", "dim")


def render_experiment(console: Console, report: ExperimentReport) -> None:
    conclusion = report.conclusion
    console.print(trace_text(verdict_line(report), "bold green" if report.verified else "bold yellow"))
    rows = [("run", trace_text(f"{report.run_id}  ({report.trace})")),
            ("failure", trace_text(report.failure, "red")),
            ("why", trace_text(conclusion.why)),
            ("read", trace_text(read_line(report)))]
    if conclusion.between is not None and conclusion.decisive is None:
        first, last = conclusion.between
        rows.append(("so far", trace_text(f"the decisive call is one of {first} to {last}" if first != last
                                          else f"the decisive call is {first}")))
    rows.append(("spent", trace_text(spent_line(report))))
    if report.record is not None:
        rows.append(("kept", trace_text(report.record)))
    print_key_values(console, rows)
    if report.tried:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for header in HEADERS:
            table.add_column(header, overflow="fold")
        for done in report.tried:
            table.add_row(*(trace_text(cell) for cell in point_row(done, report.points)))
        console.print(table)
