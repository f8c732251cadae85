"""Render a RunSummary: the lines printed on stderr after a traced run."""

from __future__ import annotations

import os
import shlex

from rich.console import Console

from ..analysis.summary import RunSummary
from .analyze.format import tools_seen
from .text import plural, safe


def render_summary(console: Console, summary: RunSummary, paths: list[str]) -> None:
    """`trace: PATH`, then one `label  value` line per fact, labels aligned, no trailing spaces."""
    trace = paths[-1] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more segments)"
    console.print(f"[bold]trace:[/] {safe(trace)}", soft_wrap=True)  # a path must stay copyable
    rows = [*_rows(summary), *_next(summary, paths[0])]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        console.print(f"[dim]{label}[/]{' ' * (width - len(label) + 2)}{value}", soft_wrap=True)
    unrecorded = summary.unrecorded_llm
    if unrecorded:
        console.print(f"[yellow]warning:[/] the app talked to an LLM API that was not recorded "
                      f"({safe(', '.join(unrecorded[:3]))}{' ...' if len(unrecorded) > 3 else ''}): a client "
                      "namel3ss-debug does not hook (urllib, http.client...), or capture_http was off", soft_wrap=True)


def _rows(summary: RunSummary) -> list[tuple[str, str]]:
    """(label, value in Rich markup); every text from the trace is escaped."""
    status = summary.status or "unknown"
    style = "green" if status == "completed" else "red"
    duration = f"{summary.duration_ms / 1000:.3f}s" if summary.duration_ms is not None else "-"
    spans = ", ".join(f"{safe(k)} {v}" for k, v in summary.spans_by_component.items()) or "none"
    cost = _cost(summary)
    tokens = f"tokens {summary.total_tokens} (in {summary.input_tokens}, out {summary.output_tokens})"
    return [
        ("run", f"{safe(summary.run_id or '-')}  [{style}]{safe(status)}[/]  {duration}"),
        *_startup(summary),
        ("events", str(summary.events)),
        ("spans", spans),
        ("llm calls", f"{summary.llm_calls}  {tokens}{cost}"),
        ("tool calls", f"{summary.tool_calls}{tools_seen(summary.wire_tool_calls, summary.unseen_tool_calls)}"),
        ("errors", _errors(summary)),
    ]


def _startup(summary: RunSummary) -> list[tuple[str, str]]:
    """`start-up  3.420s before the first span; work 0.192s`, when the run recorded its start-up."""
    work = summary.work_ms
    if summary.startup_ms is None or work is None:
        return []
    return [("start-up", f"{summary.startup_ms / 1000:.3f}s before the first span; work {work / 1000:.3f}s")]


def _next(summary: RunSummary, path: str) -> list[tuple[str, str]]:
    """The commands that look closer at this run (its path relative to here when it is below here)."""
    try:
        shown = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        shown = path
    shown = safe(shlex.quote(shown if not shown.startswith("..") else path))
    closer = "--errors-only" if summary.failed_spans or summary.errors else "--tree"
    return [("next", f"namel3ss-debug analyze {shown}"), ("", f"namel3ss-debug inspect {shown} {closer}")]


def _errors(summary: RunSummary) -> str:
    text = f"{plural(summary.failed_spans, 'failed span')}, {plural(summary.errors, 'error event')}"
    if summary.error_types:
        text += " (" + ", ".join(f"{safe(k)} x{v}" for k, v in summary.error_types.items()) + ")"
    return f"[red]{text}[/]" if summary.failed_spans or summary.errors else text


def _cost(summary: RunSummary) -> str:
    """`  cost $0.0120`; `at least` when some calls recorded no cost; and the calls nothing can price, never
    shown as $0. Empty when no call recorded a cost and every one can still be priced by `analyze`."""
    text = ""
    if summary.cost_usd is not None:
        ended = summary.uncosted_llm_calls
        text = f"  cost {_usd(summary.cost_usd)}" if not ended else \
            f"  cost at least {_usd(summary.cost_usd)} ({plural(ended, 'call')} without a recorded cost)"
    if summary.no_usage_llm_calls:
        text += f"  [yellow]{plural(summary.no_usage_llm_calls, 'call')} without usage: cost unknown[/]"
    return text


def _usd(amount: float) -> str:
    """Cents for big runs, and enough digits that a small run does not read as $0.0000."""
    return f"${amount:.4f}" if amount >= 0.01 else f"${amount:.6f}"
