"""Render a RunSummary: the lines printed on stderr after a traced run."""

from __future__ import annotations

from rich.console import Console
from .text import safe as escape
from rich.table import Table

from ..analysis.summary import RunSummary


def render_summary(console: Console, summary: RunSummary, paths: list[str]) -> None:
    trace = paths[-1] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more segments)"
    console.print(f"[bold]trace:[/] {escape(trace)}", soft_wrap=True)  # a path must stay copyable
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim")
    table.add_column()
    status = summary.status or "unknown"
    style = "green" if status == "completed" else "red"
    duration = f"{summary.duration_ms / 1000:.3f}s" if summary.duration_ms is not None else "-"
    table.add_row("run", f"{escape(summary.run_id or '-')}  [{style}]{escape(status)}[/]  {duration}")
    table.add_row("events", str(summary.events))
    spans = ", ".join(f"{escape(k)} {v}" for k, v in summary.spans_by_component.items()) or "none"
    table.add_row("spans", spans)
    table.add_row("llm calls", f"{summary.llm_calls}  tokens {summary.total_tokens} "
                               f"(in {summary.input_tokens}, out {summary.output_tokens})"
                               + (f"  cost ${summary.cost_usd:.4f}" if summary.cost_usd is not None else ""))
    table.add_row("tool calls", str(summary.tool_calls))
    errors = f"{summary.failed_spans} failed spans, {summary.errors} error events"
    if summary.error_types:
        errors += " (" + ", ".join(f"{escape(k)} x{v}" for k, v in summary.error_types.items()) + ")"
    table.add_row("errors", f"[red]{errors}[/]" if summary.failed_spans or summary.errors else errors)
    console.print(table)
