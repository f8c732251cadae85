"""`diagnose --experiment --format markdown`, for a PR comment or an issue: the verdict, the blame read beside
it, the fork points tried as a table, what the search spent. Text from the trace is escaped (`md`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analyze.md_text import md
from .experiment_words import HEADERS, point_row, read_line, spent_line, verdict_line

if TYPE_CHECKING:
    from ...judging.experiment_report import ExperimentReport


def experiment_markdown(report: ExperimentReport) -> str:
    conclusion = report.conclusion
    lines = [f"# namel3ss-debug diagnose --experiment: run {md(report.run_id)}", "",
             f"**{md(verdict_line(report))}**", "",
             f"- failure: {md(report.failure)}",
             f"- why: {md(conclusion.why)}",
             f"- read: {md(read_line(report))}",
             f"- spent: {md(spent_line(report))}"]
    if report.tried:
        lines += ["", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(md(cell) for cell in point_row(done, report.points)) + " |"
                  for done in report.tried]
    return "\n".join(lines) + "\n"
