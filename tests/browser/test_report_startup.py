"""The report's timeline opens fitted to the run's work, from the end of its start-up to its end; the start-up stays
reachable (its marker, zooming out) and is not on the critical path. A run without a start-up span opens whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser

STARTUP_MS, WORK_MS = 3400.0, 190.0  # the run: a 3.6 s trace of 191 ms of work


def write_run(path: Path, startup: bool = True) -> Path:
    """3.4 s of start-up (or of time before the first span), then an agent's 190 ms: a planner, two searches."""
    b = TraceBuilder()
    b.run_start()
    if startup:
        b.startup(STARTUP_MS)
    else:
        b.advance(STARTUP_MS)
    agent = b.start("agent", "researcher")
    b.span("llm", "planner", 100.0, agent, model="m")
    b.span("tool", "search", 40.0, agent)
    b.span("tool", "search", 50.0, agent)
    b.end(agent, WORK_MS, advance=False)
    b.run_end(duration_ms=STARTUP_MS + WORK_MS)
    return b.write(path)


def window(browser: Any) -> tuple[float, float]:
    return tuple(browser.js("const v = N3.view(); return [v.t0, v.t1]"))


def mark(browser: Any) -> tuple[bool, str]:
    return tuple(browser.js("const m = document.getElementById('tl-startup'); return [!m.hidden, m.textContent]"))


def test_the_timeline_opens_fitted_to_the_work(browser: Any, tmp_path: Path, make_report: Callable[..., Path]):
    browser.open(make_report(write_run(tmp_path / "run.jsonl")))
    t0, t1 = window(browser)
    assert STARTUP_MS - 0.05 * WORK_MS <= t0 < STARTUP_MS  # the work from its first moment, a little margin
    assert STARTUP_MS + WORK_MS < t1 <= STARTUP_MS + 1.05 * WORK_MS
    assert mark(browser) == (True, "\u25c2 start-up 3.40 s")


def test_the_marker_shows_the_whole_run_and_reset_fits_the_work_again(browser: Any, tmp_path: Path,
                                                                       make_report: Callable[..., Path]):
    browser.open(make_report(write_run(tmp_path / "run.jsonl")))
    browser.click("#tl-startup")
    browser.next_frame()
    t0, t1 = window(browser)
    assert t0 <= 0 and t1 >= STARTUP_MS + WORK_MS
    assert mark(browser)[0] is False  # the start-up is in view: shaded and named on the axis, no marker
    browser.click("#z-reset")
    browser.next_frame()
    assert window(browser)[0] > STARTUP_MS * 0.99
    assert mark(browser)[0] is True


def test_zooming_out_reaches_the_start_up(browser: Any, tmp_path: Path, make_report: Callable[..., Path]):
    browser.open(make_report(write_run(tmp_path / "run.jsonl")))
    browser.click("#timeline")
    for _ in range(6):
        browser.click("#z-out")
    browser.next_frame()
    assert window(browser)[0] <= 0


def test_the_start_up_is_a_row_of_the_tree_off_the_critical_path(browser: Any, tmp_path: Path,
                                                                  make_report: Callable[..., Path]):
    browser.open(make_report(write_run(tmp_path / "run.jsonl")))
    flags = browser.js("""
        const m = N3.view().model, out = {};
        for (let i = 0; i < m.n; i++) out[m.name[i]] = (m.flags[i] & N3.FLAGS.critical) !== 0;
        return out;""")
    assert flags["start-up"] is False
    assert flags["researcher"] is True and flags["planner"] is True
    assert "start-up" in browser.text("#run-head")


def test_a_run_without_a_start_up_span_opens_whole(browser: Any, tmp_path: Path, make_report: Callable[..., Path]):
    browser.open(make_report(write_run(tmp_path / "run.jsonl", startup=False)))
    t0, t1 = window(browser)
    assert t0 < 0 and t1 > STARTUP_MS + WORK_MS
    assert mark(browser)[0] is False


def test_a_traced_example_opens_on_its_work(browser: Any, example_trace: Callable[..., Path],
                                            make_report: Callable[..., Path], trace_events: Callable[[Path], list]):
    trace = example_trace("research_agent")
    end = next(e for e in trace_events(trace) if e["event_type"] == "app_load_end")
    browser.open(make_report(trace))
    t0, _ = window(browser)
    assert t0 > 0 and abs(t0 - end["duration_ms"]) < 0.05 * end["duration_ms"]
