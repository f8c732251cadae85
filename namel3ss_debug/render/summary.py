"""Render a RunSummary: the lines printed on stderr after a traced run."""

from __future__ import annotations

import shlex
from pathlib import Path

from rich.console import Console

from ..analysis.failed_run import outcome_said
from ..analysis.summary import RunSummary
from ..config import display_path
from ..launch.uploading import Sent
from ..model.bucket_url import looks_like_url
from .analyze.format import VERDICT_STYLES, cost as cost_text, errors_apart, tools_seen, unpriced_calls
from .text import plural, safe


def render_summary(console: Console, summary: RunSummary, paths: list[str]) -> None:
    """`trace: PATH`, then one `label  value` line per fact, labels aligned, no trailing spaces. The paths are
    relative to the working directory when the trace is below it."""
    trace = _shown(paths[-1]) if len(paths) == 1 else f"{_shown(paths[0])} (+{len(paths) - 1} more segments)"
    console.print(f"[bold]trace:[/] {safe(trace)}", soft_wrap=True)  # a path must stay copyable
    rows = [*_rows(summary), *_next(summary, paths[0])]
    width = max(len(label) for label, _ in rows)
    hang = "\n" + " " * (width + 2)  # a value of several lines (an error's message) stays in its column
    for label, value in rows:
        shown = value.replace("\n", hang)
        console.print(f"[dim]{label}[/]{' ' * (width - len(label) + 2)}{shown}", soft_wrap=True)
    unrecorded = summary.unrecorded_llm
    if unrecorded:
        console.print(f"[yellow]warning:[/] the app talked to an LLM API that was not recorded "
                      f"({safe(', '.join(unrecorded[:3]))}{' ...' if len(unrecorded) > 3 else ''}): a client "
                      "namel3ss-debug does not hook (urllib, http.client...), or capture_http was off", soft_wrap=True)


def render_sent(console: Console, sent: Sent, run_id: str | None) -> None:
    """`sent  this run to s3://runs/ci, each object's size and MD5 checked; local files removed`, then `indexed
    this run in postgresql://...`, each with the runs earlier ends left that went with it; nothing for what did
    not happen (the one warning line says why)."""
    if sent.url and (what := _which(sent.sent, run_id)):
        local = "local files kept" if sent.keep_local else "local files removed"
        console.print(f"[dim]sent[/]  {what} to {safe(sent.url)}, each object's size and MD5 checked; {local}",
                      soft_wrap=True)
    if sent.index and (what := _which(sent.indexed, run_id)):
        console.print(f"[dim]indexed[/]  {what} in {safe(sent.index)}", soft_wrap=True)


def _which(runs: list[str], run_id: str | None) -> str:
    """`this run`, `this run, and 2 runs left by earlier ones,`; "" for none."""
    earlier = [other for other in runs if other != run_id]
    if run_id not in runs and not earlier:
        return ""
    what = "this run" if run_id in runs else "no part of this run"
    return what + (f", and {plural(len(earlier), 'run')} left by earlier ones," if earlier else "")


def _rows(summary: RunSummary) -> list[tuple[str, str]]:
    """(label, value in Rich markup); every text from the trace is escaped."""
    status = outcome_said(summary.outcome or summary.status or "unknown", None, summary.gave_up)
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
        *_health(summary),
    ]


def _health(summary: RunSummary) -> list[tuple[str, str]]:
    """`health  failing: the run gave up: ...`: analyze's verdict and its first reason."""
    if summary.health is None:
        return []
    style = VERDICT_STYLES.get(summary.health, "")
    reason = f": {safe(summary.health_reason)}" if summary.health_reason and summary.health != "healthy" else ""
    return [("health", f"[{style}]{safe(summary.health)}[/]{reason}")]


def _startup(summary: RunSummary) -> list[tuple[str, str]]:
    """`start-up  3.420s before the first span; work 0.192s`, when the run recorded its start-up."""
    work = summary.work_ms
    if summary.startup_ms is None or work is None:
        return []
    return [("start-up", f"{summary.startup_ms / 1000:.3f}s before the first span; work {work / 1000:.3f}s")]


def _next(summary: RunSummary, path: str) -> list[tuple[str, str]]:
    """The commands that look closer at this run."""
    shown = safe(shlex.quote(_shown(path)))
    closer = "--errors-only" if summary.failed_spans or summary.errors else "--tree"
    return [("next", f"namel3ss-debug analyze {shown}"), ("", f"namel3ss-debug inspect {shown} {closer}")]


def _shown(path: str) -> str:
    """`path` relative to here when it is below here, as the user would type it; else as it is (a URL too)."""
    return path if looks_like_url(path) else display_path(Path(path), Path.cwd())


def _errors(summary: RunSummary) -> str:
    """`1 error (1 handled, 0 unhandled), 1 failed span (KeyError x1)`: analyze's figures and words."""
    text = (f"{errors_apart(summary.errors, summary.handled_errors, summary.unhandled_errors)}, "
            f"{plural(summary.failed_spans, 'failed span')}")
    if summary.error_types:
        text += " (" + ", ".join(f"{safe(k)} x{v}" for k, v in summary.error_types.items()) + ")"
    return f"[red]{text}[/]" if summary.failed_spans or summary.errors else text


def _cost(summary: RunSummary) -> str:
    """`  cost $0.0120`, as `analyze` prices it (recorded costs, then --prices/price_overrides/genai-prices):
    `at least` when some calls could not be priced, `unknown` when none could, never $0 for them."""
    if not summary.llm_calls:
        return ""
    text = f"  cost {cost_text(summary.cost_usd, summary.unpriced_llm_calls)}"
    unpriced = unpriced_calls(summary.unpriced_llm_calls, summary.no_usage_llm_calls)
    return text + (f"  [yellow]{unpriced.removeprefix(', ')}[/]" if unpriced else "")
