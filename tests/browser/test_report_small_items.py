"""The report's smaller items. Parallel calls on the timeline: spans of one depth that overlap in time (tools an
answer asked for, run at once) go to rows of their own, so no bar covers another and no label covers another
label or leaves its bar, measured as the canvas drew them; a run's `segment_start` (a file marker) is no span.
And what the read side counts: a rerun marked as the rerun of its run, handled errors apart from unhandled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from support.tracefactory import RUN_ID, TraceBuilder, error

pytestmark = pytest.mark.browser

TOOLS = ("search_the_web_for_news", "lookup_weather_forecast", "fetch_calendar_events")


def parallel_tools(path: Path) -> Path:
    """An LLM call, then three tool calls started together that end one after another, on one thread."""
    trace = TraceBuilder()
    root = trace.run_start()
    trace.instant("segment_start", "app", f"{trace.run_id}.0000.jsonl", root)
    trace.span("llm", "plan", 200, model="gpt-4o")
    tools = [trace.start("tool", name) for name in TOOLS]
    trace.advance(300)
    for number, span_id in enumerate(tools):
        trace.advance(100)
        trace.end(span_id, 400.0 + 100 * number, advance=False)
    trace.run_end()
    return trace.write(path)


def drawn(browser: Any) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    """The labels the timeline drew (name, box) and each span's bar (x from, x to, row), by name."""
    return browser.js("""
        const tl = N3.timeline, view = N3.view(), m = view.model, scale = tl.scale(view);
        const labels = tl.drawnLabels.map((l) => ({name: m.name[l.i], x: l.x, y: l.y, w: l.w, h: l.h}));
        const bars = {};
        for (let i = 0; i < m.n; i++) bars[m.name[i]] = [GUTTER + (m.start[i] - view.t0) * scale,
                                                          GUTTER + (m.end[i] - view.t0) * scale, m.lanes.rowOf[i]];
        return [labels, bars];""")


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def test_parallel_tool_spans_get_rows_of_their_own_and_their_labels_never_overlap(browser, make_report,
                                                                                 tmp_path) -> None:
    browser.open(make_report(parallel_tools(tmp_path / "run.jsonl")))
    browser.next_frame()
    labels, bars = drawn(browser)
    assert {label["name"] for label in labels} >= set(TOOLS)  # wide enough to be named
    assert len({bars[name][2] for name in TOOLS}) == 3  # three rows, one a tool
    for k, label in enumerate(labels):
        start, end, _ = bars[label["name"]]
        assert start <= label["x"] and label["x"] + label["w"] <= end, label  # inside its own bar
        assert not any(overlap(label, other) for other in labels[k + 1:]), label
    assert "segment_start" not in browser.js("return N3.view().model.tables.kinds")
    assert f"{RUN_ID}.0000.jsonl" not in browser.js("return N3.view().model.name")


def rerun_with_errors(path: Path) -> Path:
    """A rerun (run_start.attrs.replay_of) with a tool failure the app survived (KeyError, handled) and one
    that escaped it (ValueError: an error_occurred marked unhandled, the run ended failed)."""
    trace = TraceBuilder("20261122-110000-bbbbbb")
    root = trace.run_start(replay_of={"run_id": RUN_ID})
    survived = {**error("KeyError", "'city'", "parameter"), "handled": True}
    trace.span("tool", "lookup", 5, status="failed", error=survived)
    trace.span("tool", "crash", 5, status="failed", error=error("ValueError", "bad input", "unknown"))
    trace.instant("error_occurred", "app", "ValueError", root, status="failed",
                  error=error("ValueError", "bad input", "unknown"), attrs={"unhandled": True})
    trace.run_end("failed")
    return trace.write(path)


def test_the_page_marks_a_rerun_and_shows_handled_errors_apart_from_unhandled(browser, make_report,
                                                                             tmp_path) -> None:
    browser.open(make_report(rerun_with_errors(tmp_path / "rerun.jsonl")))
    head = browser.text("#run-head")
    assert f"rerun of {RUN_ID}" in head
    assert re.search(r"errors\s*2 \(1 handled, 1 unhandled\)", head), head
    browser.click("#tab-analysis")
    browser.next_frame()
    analysis = browser.text("#view-analysis")
    assert "2 errors (1 handled, 1 unhandled)" in analysis
    assert "parameter" in analysis and "1 (1 handled, 0 unhandled)" in analysis  # by category: the KeyError
    assert "KeyError · parameter · ×1 (1 handled, 0 unhandled)" in analysis
    assert "ValueError · unknown · ×1 (0 handled, 1 unhandled)" in analysis
    tools = browser.js("""return [...document.querySelectorAll('#view-analysis table.grid-table tr')]
                          .map((tr) => [...tr.children].map((td) => td.innerText));""")
    header, rows = tools[0], {row[0]: dict(zip(tools[0], row)) for row in tools[1:]}
    assert header[:5] == ["tool", "calls", "failures", "handled", "unhandled"]
    assert (rows["lookup"]["handled"], rows["lookup"]["unhandled"]) == ("1", "0")
    assert (rows["crash"]["handled"], rows["crash"]["unhandled"]) == ("0", "1")
