"""`check` as tables: per run, one row per rule (result, rule, limit, value, events), then the failures spelt out."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ...analysis.failed_run import outcome_said
from ...checks.results import CheckReport, CheckResult, RunCheck
from ..analyze.format import VERDICT_STYLES
from ..text import plural, safe_line


def render_check(console: Console, report: CheckReport) -> None:
    for run in report.runs:
        _run(console, run)
    verdict = "[bold green]passed[/]" if report.passed else "[bold red]FAILED[/]"
    console.print(f"check {verdict}: {plural(report.passed_count, 'rule')} passed, {report.failed} failed"
                  + (f" across {plural(len(report.runs), 'run')}" if len(report.runs) > 1 else ""))


def _run(console: Console, run: RunCheck) -> None:
    table = Table(title=f"run {safe_line(run.run_id)}  ({safe_line(run.source)})", title_justify="left", expand=False)
    for header in ("result", "rule", "limit", "value", "events"):
        table.add_column(header, overflow="fold")
    for result in run.results:
        table.add_row("[green]pass[/]" if result.passed else "[bold red]FAIL[/]", safe_line(result.rule),
                      safe_line(result.limit), safe_line(result.value), _events(result))
    console.print(table)
    if run.health is not None:
        style = VERDICT_STYLES.get(run.health, "")
        said = f": {safe_line(run.failure)}" if run.failure else ""
        status = outcome_said(run.outcome or run.status or "unknown", None, run.gave_up)
        console.print(f"run {safe_line(status)}, health [{style}]{safe_line(run.health)}[/]{said}")
    for result in run.failed:
        console.print(f"[red]FAIL[/] {safe_line(result.explanation)}")
        console.print(f"     [dim]rule from {safe_line(result.origin)}[/]")


def _events(result: CheckResult) -> str:
    """`tool:search seq 16, 19; llm:writer seq 34 +2 more`: the responsible events of a failed rule."""
    if result.passed or not result.events:
        return ""
    seqs: dict[str, list[str]] = {}
    for ref in result.events:
        seqs.setdefault(f"{ref.component}:{ref.name}", []).append(str(ref.seq))
    text = "; ".join(f"{safe_line(label)} seq {', '.join(numbers)}" for label, numbers in seqs.items())
    return text + (f" +{result.more_events} more" if result.more_events else "")
