"""The report page's findings panel, in headless Chromium: a run whose tool fails again and again (the decorated
app `apps/failing_tool.py`) is diagnosed on the page (the blame, then the finding), a click on the finding or on
a piece of its evidence selects that span in the tree and on the timeline, text from the trace stays text, and
`view --follow` shows a finding as it fires while the run is still being written, without a reload.

Every step waits on what the page shows or on a file the test controls: no wall-clock budget, only a generous
limit against a hang."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_view_follow import _first, environ, following
from support.tracefactory import TraceBuilder, error

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "failing_tool.py"
KIND = "tool_failing_repeatedly"
FINDING = f"#findings .finding[data-kind='{KIND}']"
HANG_S = 60  # against a hang only: each wait ends as soon as the page shows what it waits for
FLUSH_INTERVAL_S = "0.2"


def trace_app(workdir: Path, **env: str) -> subprocess.Popen:
    """`namel3ss-debug trace -o traces apps/failing_tool.py` in `workdir` (the run fails: the app gives up)."""
    return subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(workdir / "traces"), str(APP)],
                            cwd=workdir, env=environ(NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS=FLUSH_INTERVAL_S, **env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory, make_report: Callable[..., Path]) -> tuple[Path, Path]:
    """The app's trace (its first segment) and its report page."""
    workdir = tmp_path_factory.mktemp("failing_tool")
    app = trace_app(workdir)
    _, said = app.communicate(timeout=120)
    assert app.returncode == 1, f"the app exited {app.returncode}: {said}"
    trace = sorted((workdir / "traces").glob("*.jsonl"))[0]
    return trace, make_report(trace)


def failed_tools(events: list[dict[str, Any]]) -> list[str]:
    return [e["span_id"] for e in events if e["event_type"] == "tool_call_end" and e["status"] == "failed"]


def shown_finding(browser: Any) -> dict[str, Any]:
    """The page's finding of KIND, as its data document has it."""
    return browser.js("return N3.findings.of(N3.view().model).findings.find((f) => f.kind === arguments[0])", KIND)


def test_the_panel_shows_the_blame_then_the_finding(browser: Any, failing: tuple[Path, Path]) -> None:
    _, report = failing
    browser.open(report)
    assert browser.element("#findings").is_displayed()
    items = browser.js("return [...document.querySelectorAll('#findings-list > div')].map((e) => e.className)")
    assert items[0].startswith("blame"), items  # a failed run: its blame comes first
    assert any(item.startswith("finding sev-") for item in items[1:]), items
    head = browser.text("#findings .findings-head")
    assert "failed:" in head and ("critical" in head or "warning" in head), head
    finding = browser.text(FINDING)
    assert "get_weather" in finding and "try:" in finding, finding
    assert shown_finding(browser)["suggestion"] in finding


def test_the_blames_runners_up_are_listed_under_its_chain(browser: Any, failing: tuple[Path, Path]) -> None:
    _, report = failing
    browser.open(report)
    candidates = browser.js("return N3.findings.of(N3.view().model).blames[0].candidates")
    assert len(candidates) >= 2, candidates  # the decisive step, then at least one runner-up
    shown = browser.js("return [...document.querySelectorAll('#findings .link-runnerup')].map((e) => e.textContent)")
    assert len(shown) == len(candidates) - 1
    assert candidates[1]["ranked"] in shown[0] and candidates[1]["confidence"] in shown[0]


def test_a_click_on_the_finding_selects_its_evidence_on_the_timeline_and_in_the_tree(
        browser: Any, failing: tuple[Path, Path], trace_events: Callable) -> None:
    trace, report = failing
    failed = failed_tools(trace_events(trace))
    browser.open(report)
    evidence = [e["ref"]["span_id"] for e in shown_finding(browser)["evidence"]]
    assert len(set(evidence) & set(failed)) >= 3, (evidence, failed)  # the tool's failures (and who asked)
    assert browser.js("return arguments[0].every((sid) => N3.view().model.rowOfSid(sid) >= 0)", evidence)
    browser.click(f"{FINDING} .finding-head")
    browser.wait_for("return document.body.dataset.selected === arguments[0]", evidence[0],
                     message="the click selected no evidence")
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.sid") == evidence[0]
    # the timeline: its selected row is the evidence, and it is in the window drawn
    assert browser.js("const v = N3.view(); return v.model.sid[v.sel]") == evidence[0]
    assert browser.js("const v = N3.view(), m = v.model; return m.start[v.sel] >= v.t0 && m.start[v.sel] <= v.t1")
    # the finding's whole evidence is marked, in the tree and for the timeline
    marked = browser.js("return [...N3.view().evidence].map((i) => N3.view().model.sid[i])")
    assert sorted(marked) == sorted(set(evidence))
    tree_marked = browser.js("return [...document.querySelectorAll('#tree .span-row.evidence')]"
                             ".map((e) => e.dataset.sid)")
    assert sorted(tree_marked) == sorted(set(evidence))
    assert browser.js("return document.querySelector(arguments[0]).classList.contains('on')", FINDING)
    # a piece of evidence selects its own span
    browser.click(f"{FINDING} .finding-evidence li:last-child button.link")
    browser.wait_for("return document.body.dataset.selected === arguments[0]", evidence[-1],
                     message="the evidence link selected nothing")
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.sid") == evidence[-1]


def test_a_click_on_the_blame_selects_the_decisive_step(browser: Any, failing: tuple[Path, Path]) -> None:
    _, report = failing
    browser.open(report)
    blame = browser.js("return N3.findings.of(N3.view().model).blames[0]")
    if blame["step"] is None:
        assert "unknown" in browser.text("#findings .blame")
        return
    sid = blame["step"]["ref"]["span_id"]
    browser.click("#findings .blame .finding-head")
    browser.wait_for("return document.body.dataset.selected === arguments[0]", sid,
                     message="the blame selected no step")
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.sid") == sid


def test_text_from_the_trace_is_shown_as_text(browser: Any, failing: tuple[Path, Path]) -> None:
    _, report = failing
    browser.open(report)
    browser.click(f"{FINDING} .finding-head")
    browser.wait_for("return document.querySelector(arguments[0] + ' .finding-more')", FINDING)
    texts = browser.js("const d = N3.findings.of(N3.view().model); return JSON.stringify(d)")
    assert "<script>" in texts, "no text of the diagnosis holds the error message: nothing to show as text"
    assert "<script>" in browser.text("#findings")  # shown, as text
    assert browser.js("return document.querySelectorAll('#findings script, #findings img').length") == 0
    assert browser.js("return document.body.dataset.injected") is None
    assert browser.js("return document.title") != "pwned"


@pytest.fixture
def gated_app(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """The app traced with GATE_FILE and STOP_FILE: (its trace, the gate, the stop file); stopped at the end."""
    gate, stop = tmp_path / "gate", tmp_path / "stop"
    app = trace_app(tmp_path, GATE_FILE=str(gate), STOP_FILE=str(stop))
    try:
        trace = _first(lambda: sorted((tmp_path / "traces").glob("*.jsonl")), "the app wrote no trace", HANG_S)
        # its first failure is on disk: the run is being written, the tool has failed once
        _first(lambda: b'"tool_call_end"' in trace[0].read_bytes(), "the tool never failed", HANG_S)
        yield trace[0], gate, stop
    finally:
        gate.touch()
        stop.touch()
        app.wait(timeout=HANG_S)


def test_view_follow_shows_a_finding_as_it_fires_without_a_reload(browser: Any, gated_app: tuple[Path, Path, Path],
                                                                tmp_path: Path) -> None:
    trace, gate, stop = gated_app
    with following(trace, tmp_path) as (url, _):
        browser.open(url)
        assert browser.js("return document.body.dataset.live") == "live"
        assert browser.js("return document.querySelector(arguments[0])", FINDING) is None  # one failure: no finding
        browser.js("window.__samePage = true")
        gate.touch()  # the tool fails three times more, the agent gives up, the app waits for STOP
        browser.wait_for("return document.querySelector(arguments[0])", FINDING, timeout=HANG_S,
                         message="the finding never showed")
        assert browser.js("return window.__samePage") is True  # shown by the poll, not by a reload
        assert browser.js("return N3.view().model.run.status") == "running"  # while the run is still being written
        assert "get_weather" in browser.text(FINDING)
        stop.touch()
        browser.wait_for("return document.body.dataset.live === 'ended'", timeout=HANG_S,
                         message="the page never said the run ended")
        assert browser.js("return document.querySelector(arguments[0])", FINDING) is not None


def test_a_blamed_crash_with_no_finding_never_says_findings_none(browser: Any, tmp_path: Path,
                                                                  make_report: Callable[..., Path]) -> None:
    """A run that crashed is blamed; no rule found more: the bar says so, not a bare "none" beside the blame."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "chat", 5.0, outputs={"text": "Let me check."}, model="gpt-4o-mini")
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = error("ValueError", "unknown currency 'XYZ'", "parameter")
    browser.open(make_report(trace.write(tmp_path / "crash.jsonl")))
    counts = browser.element("#findings .findings-counts").text
    blame = browser.element("#findings .findings-blame").text
    assert (counts, blame.startswith("failed: run ended failed")) == ("none besides the failure", True)
