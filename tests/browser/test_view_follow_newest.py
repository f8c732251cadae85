"""`namel3ss-debug view --follow` started before the app, in the natural order (the viewer first, then
`namel3ss-debug trace app.py`): its page of the directory's newest run (`/run/latest`) leaves the directory's
previous, finished run for the app's run as soon as it starts, says so, calls it "running" and its open call
"in flight", then shows it ended.

Every step waits on a file the test controls (the app's tool call ends when GO appears, the run when STOP
does): no step has a wall-clock budget, only a generous limit against a hang."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_view_follow import _first, environ
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "gated_tool.py"
OLD_RUN = "20260101-000000-0000aa"
HANG_S = 60  # against a hang only: each wait ends as soon as the page shows what it waits for


def write_old_run(tmp_path: Path) -> None:
    """One finished run in trace_output_dir (debug/traces), older than any the app starts."""
    old = TraceBuilder(OLD_RUN, start="2026-01-01T00:00:00+00:00")
    old.run_start("old_app.py")
    old.span("tool", "old-step", 3)
    old.run_end()
    (tmp_path / "debug" / "traces").mkdir(parents=True)
    old.write(tmp_path / "debug" / "traces" / f"{OLD_RUN}.0000.jsonl")


@pytest.fixture
def view_process(tmp_path) -> Iterator[subprocess.Popen]:
    """`view --follow --no-browser` with no TRACE, started in `tmp_path` (what is there is the test's doing)."""
    server = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "view", "--follow", "--no-browser"],
                              cwd=tmp_path, env=environ(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        yield server
    finally:
        server.kill()
        server.wait(timeout=10)


def served_url(server: subprocess.Popen) -> str:
    """The page of the directory's newest run, followed (the list of its runs is at `/`)."""
    line = server.stderr.readline()
    while line.startswith("namel3ss-debug: warning: "):  # the run index made on opening; the app's run, empty yet
        line = server.stderr.readline()
    match = re.match(r"serving (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", line)
    assert match, f"view printed {line!r}"
    return match.group(1) + "run/latest"


@pytest.fixture
def start_app(tmp_path) -> Iterator:
    """`start_app()`: `gated_tool.py` traced by `namel3ss-debug trace` into debug/traces; returns its run id
    and the GO and STOP files."""
    apps: list[subprocess.Popen] = []
    go, stop = tmp_path / "go", tmp_path / "stop"

    def start() -> tuple[str, Path, Path]:
        apps.append(subprocess.Popen(
            [sys.executable, "-m", "namel3ss_debug", "trace", str(APP)], cwd=tmp_path,
            env=environ(GO_FILE=str(go), STOP_FILE=str(stop), NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS="0.3"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        new = _first(lambda: [p for p in (tmp_path / "debug" / "traces").glob("*.jsonl") if OLD_RUN not in p.name],
                     "the app wrote no trace", timeout=HANG_S)
        return new[0].name.split(".")[0], go, stop

    yield start
    go.touch()
    stop.touch()
    for app in apps:
        app.wait(timeout=HANG_S)


def header(browser) -> str:
    return browser.text("#run-head")


LOOKUP_STATUS = "const m = N3.view().model, i = m.name.indexOf('lookup'); return i < 0 ? null : m.statusName(i);"


def test_view_follow_started_before_the_app_shows_its_run_running_then_ended(browser, tmp_path, view_process,
                                                                             start_app) -> None:
    write_old_run(tmp_path)
    browser.open(served_url(view_process))
    assert OLD_RUN in header(browser) and browser.js("return document.body.dataset.live") == "ended"
    assert browser.js("return document.getElementById('live-notice').hidden")

    run_id, go, stop = start_app()
    browser.wait_for("return document.body.dataset.following === arguments[0]", run_id, timeout=HANG_S,
                     message=f"the page never moved to the app's run {run_id}")
    assert browser.text("#live-notice") == f"now following run {run_id} (it started after run {OLD_RUN})"
    assert_running(browser, run_id)
    assert OLD_RUN not in header(browser)

    go.touch()
    stop.touch()
    assert_ended(browser, run_id)


def test_view_follow_with_no_run_yet_waits_for_the_app_and_shows_it_running(browser, tmp_path, view_process,
                                                                            start_app) -> None:
    said = view_process.stderr.readline()
    assert said == f"waiting for a run in {tmp_path / 'debug' / 'traces'} (Ctrl-C to stop)\n"
    run_id, go, stop = start_app()
    browser.open(served_url(view_process))
    assert_running(browser, run_id)
    go.touch()
    stop.touch()
    assert_ended(browser, run_id)


def assert_running(browser, run_id: str) -> None:
    """The page shows the app's run as being written: running, its tool call in flight."""
    browser.wait_for(LOOKUP_STATUS, timeout=HANG_S, message="the tool call in flight never appeared")
    browser.next_frame()
    head = header(browser)
    assert run_id in head, head
    assert browser.text(".run-line .pill") == "running" and browser.text(".run-line .verdict") == "running"
    assert re.search(r"in flight\s*1\b", head), head
    assert "degraded" not in head and "never ended" not in head
    assert browser.js(LOOKUP_STATUS) == "in flight"
    assert browser.js("return document.body.dataset.live") == "live"


def assert_ended(browser, run_id: str) -> None:
    browser.wait_for("return document.body.dataset.live === 'ended'", timeout=HANG_S,
                     message="the page never said the app's run ended")
    browser.next_frame()
    head = header(browser)
    assert run_id in head and browser.text(".run-line .pill") == "completed"
    assert "in flight" not in head and "running" not in head
    assert browser.js(LOOKUP_STATUS) == "completed"
