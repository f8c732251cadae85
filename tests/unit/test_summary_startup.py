"""The summary `trace` prints says the run's start-up apart from its work, when the run recorded it."""

from __future__ import annotations

import io

from rich.console import Console
from support.tracefactory import TraceBuilder, analyze_events, insert_startup

from namel3ss_debug.analysis.summary import SUMMARY_SECTIONS, RunSummary, summary_of
from namel3ss_debug.render.summary import render_summary


def run(startup_ms: float | None) -> list[dict]:
    b = TraceBuilder()
    b.run_start()
    b.span("tool", "search", 120.0)
    b.run_end(duration_ms=3540.0)
    return insert_startup(b.events, startup_ms) if startup_ms is not None else b.events


def summarize(events: list[dict]) -> RunSummary:
    """The summary as `trace` makes it: a view of the run's analyze report."""
    return summary_of(analyze_events(events, sections=SUMMARY_SECTIONS))


def lines(events: list[dict]) -> list[str]:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_summary(console, summarize(events), ["run.jsonl"])
    return console.file.getvalue().splitlines()


def test_the_start_up_and_the_work_are_a_line_of_their_own():
    summary = summarize(run(3420.0))
    assert (summary.startup_ms, summary.work_ms) == (3420.0, 120.0)
    assert "start-up    3.420s before the first span; work 0.120s" in lines(run(3420.0))


def test_a_run_without_a_start_up_span_has_no_such_line():
    assert summarize(run(None)).startup_ms is None
    assert not [line for line in lines(run(None)) if line.startswith("start-up")]


def test_a_start_up_span_below_another_span_is_not_the_runs():
    b = TraceBuilder()
    b.run_start()
    agent = b.start("agent", "a")
    b.span("app", "start-up", 30.0, agent, kind="app_load")
    b.end(agent, 40.0)
    b.run_end()
    assert summarize(b.events).startup_ms is None
