"""`namel3ss-debug view --follow` on a run still in its start-up: the page shows the run from its start, and once
the start-up ends it moves to the work, as a report opens on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_view_follow import _first, environ, following

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "slow_start.py"


@pytest.fixture
def starting_app(tmp_path):
    """`slow_start.py` traced in a subprocess, in its start-up; yields (its trace file, the go file)."""
    go, stop = tmp_path / "go", tmp_path / "stop"
    app = subprocess.Popen(
        [sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(tmp_path / "traces"), str(APP)], cwd=tmp_path,
        env=environ(GO_FILE=str(go), STOP_FILE=str(stop), NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS="0.3"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        trace = _first(lambda: sorted((tmp_path / "traces").glob("*.jsonl")), "the app wrote no trace")
        _first(lambda: b"app_load_start" in trace[0].read_bytes(), "the start-up was never written")
        yield trace[0], go
    finally:
        go.touch()
        stop.touch()
        app.wait(timeout=30)


@pytest.fixture
def viewer(starting_app, tmp_path):
    with following(starting_app[0], tmp_path) as (url, _server):
        yield url


def test_the_live_page_moves_to_the_work_when_the_start_up_ends(browser, starting_app, viewer) -> None:
    _, go = starting_app
    browser.open(viewer)
    assert browser.js("return [N3.view().model.workFrom, N3.view().t0 <= 0]") == [0, True]  # all start-up so far
    go.touch()
    work_from = browser.wait_for("return N3.view().model.workFrom", timeout=20,
                                 message="the page never saw the start-up end")
    browser.next_frame()
    t0 = browser.js("return N3.view().t0")
    assert work_from * 0.9 < t0 <= work_from
    assert browser.js("return !document.getElementById('tl-startup').hidden")
