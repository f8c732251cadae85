"""The comparison page of a healthy run and one whose tool failed, in headless Chromium: the row of the tool is
the first divergence (the same call, completed in BASE, failed in NEW), never "the runs never diverge", and the
alignment card says how each run turned out (analyze's health)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser


def run(path: Path, run_id: str, *, tool_fails: bool) -> Path:
    trace = TraceBuilder(run_id)
    trace.run_start()
    agent = trace.start("agent", "helper")
    trace.span("llm", "planner", 50.0, agent, model="gpt-4o", outputs={"content": "look up tokyo"})
    trace.span("tool", "weather", 20.0, agent, inputs={"city": "tokyo"},
               status="failed" if tool_fails else "completed",
               error={"type": "KeyError", "message": "'tokyo'"} if tool_fails else None,
               outputs=None if tool_fails else {"return": "sunny"})
    trace.span("llm", "writer", 50.0, agent, model="gpt-4o", outputs={"content": "It is sunny."})
    trace.end(agent, 120.0)
    trace.run_end()
    return trace.write(path)


def test_a_tool_that_failed_in_new_is_the_first_divergence_on_the_compare_page(
        browser: Any, make_report: Callable[..., Path], tmp_path: Path) -> None:
    base = run(tmp_path / "base.jsonl", "20261122-100000-aaaaaa", tool_fails=False)
    new = run(tmp_path / "new.jsonl", "20261122-110000-bbbbbb", tool_fails=True)
    browser.open(make_report(base, new, out=tmp_path / "compare.html"))
    assert browser.js("return N3.tab") == "compare"
    parted = browser.wait_for("return document.querySelector('#cmp-list .cmp-row.parted')")
    assert "weather" in parted.text and "failed" in parted.text
    card = browser.text("#cmp-summary")
    assert "the runs never diverge" not in card
    assert f"first divergence at aligned row {browser.js('return N3.doc.compare.parted_at')}" in card
    outcomes = browser.js("return [...document.querySelectorAll('#cmp-summary .cmp-outcome')].map((li) => "
                          "[li.textContent, li.className])")
    assert [text for text, _ in outcomes] == ["BASE health: healthy",
                                              "NEW health: degraded: completed with 1 handled error (KeyError 1)"]
    assert ["ok-line" in style for _, style in outcomes] == [True, False]
    mark = browser.js("return N3.doc.compare.marks.find((m) => m[1] === 'diverged')[2]")
    assert mark == "the runs part here: the same call, completed in BASE, failed in NEW"
