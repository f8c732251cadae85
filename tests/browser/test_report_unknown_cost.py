"""The report page never shows the cost of LLM calls that recorded no usage as $0: the run's header, the
analysis tab's overview and cost chart say `unknown` or `at least`, and the health card carries the note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser


def streamed_run(directory: Path, *, priced: bool) -> Path:
    """A call streamed without include_usage (no usage, no cost), after one priced by genai-prices (`priced`)."""
    trace = TraceBuilder()
    trace.run_start()
    if priced:
        trace.span("llm", "planner", 100, model="gpt-4o", usage={"input_tokens": 1000, "output_tokens": 100})
    trace.span("llm", "writer", 100, model="gpt-4o")
    trace.run_end()
    return trace.write(directory / "20261122-100000-abcdef.0000.jsonl")


def page_texts(browser: Any, report: Path) -> dict[str, str]:
    browser.open(report)
    header = browser.js("return [...document.querySelectorAll('.run-line .metric')].map((m) => m.innerText)"
                        ".find((t) => t.startsWith('cost'))")
    browser.click("#tab-analysis")
    browser.wait_for("return document.querySelector('#view-analysis .health-card')")
    return {"header": " ".join(header.split()), "analysis": " ".join(browser.text("#view-analysis").split())}


def test_a_run_whose_only_call_has_no_usage_shows_an_unknown_cost(browser: Any, tmp_path: Path,
                                                                   make_report: Callable[..., Path]) -> None:
    texts = page_texts(browser, make_report(streamed_run(tmp_path, priced=False)))
    assert texts["header"] == "cost unknown"
    assert "cost unknown · 1 unpriced call" in texts["analysis"]  # the overview
    assert "cost by model unknown · 1 unpriced call (1 without usage)" in texts["analysis"]
    assert "note: 1 LLM call recorded no usage (a stream made without include_usage reports none), so the cost " \
           "is unknown" in texts["analysis"]
    assert "$0" not in texts["analysis"] + texts["header"]


def test_the_cost_of_the_priced_calls_is_a_lower_bound(browser: Any, tmp_path: Path,
                                                       make_report: Callable[..., Path]) -> None:
    texts = page_texts(browser, make_report(streamed_run(tmp_path, priced=True)))
    assert texts["header"] == "cost at least $0.00350"  # N3.fmtCost: three significant digits
    assert "cost at least $0.00350 · 1 unpriced call" in texts["analysis"]
    assert "gpt-4o at least $0.00350" in texts["analysis"]  # the model's bar
