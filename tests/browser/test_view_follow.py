"""`namel3ss-debug view --follow`: the page of a run still being written, in headless Chromium, growing as the
app writes spans; the server process stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

APP = Path(__file__).parent / "apps" / "slow_steps.py"
LATENCY_LIMIT_S = 2.0
FLUSH_INTERVAL_S = "0.5"  # how often the tracer writes what it buffered; the page polls every 0.5 s


def environ(**extra: str) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    return {**kept, **extra}


@pytest.fixture
def running_app(tmp_path):
    """`slow_steps.py` traced in a subprocess; yields (its trace file, its log of step end times, the stop file)."""
    stop, log = tmp_path / "stop", tmp_path / "steps.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(tmp_path / "traces"), str(APP)], cwd=tmp_path,
        env=environ(STOP_FILE=str(stop), STEPS_LOG=str(log), NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS=FLUSH_INTERVAL_S),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        trace = _first(lambda: sorted((tmp_path / "traces").glob("*.jsonl")), "the app wrote no trace")
        _first(lambda: log.exists() and log.read_text(), "the app logged no step")
        yield trace, log, stop
    finally:
        stop.touch()
        app.wait(timeout=30)


@contextmanager
def following(trace: Path, cwd: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`view --follow --no-browser` on a trace being written: (its URL, the process), killed at the end."""
    server = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "view", "--follow", "--no-browser", str(trace)],
                              cwd=cwd, env=environ(**env), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        while line.startswith(("waiting for the first events", "namel3ss-debug: warning:")):
            line = server.stderr.readline()
        match = re.match(r"serving (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)", line)
        assert match, f"view printed {line!r}"
        yield match.group(1), server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)


@pytest.fixture
def viewer(running_app, tmp_path):
    """`view --follow --no-browser` on the running app's trace; yields (its URL, the process)."""
    with following(running_app[0][0], tmp_path, PYTHONFAULTHANDLER="1") as served:
        yield served


def _first(find, message, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(message)


def steps_logged(log: Path) -> dict[str, float]:
    return {name: float(moment) for name, moment in (line.split() for line in log.read_text().splitlines())}


def test_spans_written_by_a_running_app_appear_in_the_page(browser, running_app, viewer, record_property) -> None:
    _, log, stop = running_app
    url, _ = viewer
    browser.open(url)
    assert browser.js("return document.body.dataset.live") == "live"
    seen_at: dict[str, float] = {}
    first_new = len(steps_logged(log)) + 1  # steps that end after the page opened
    deadline = time.monotonic() + 20
    while len([name for name in seen_at if int(name.split("-")[1]) >= first_new]) < 4 and time.monotonic() < deadline:
        # new spans are the run's last children: the bottom of the (virtualised) tree
        browser.js("const t = document.getElementById('tree'); t.scrollTop = t.scrollHeight;")
        browser.next_frame()
        shown = browser.js("return [...document.querySelectorAll('#tree .span-row')].map(row => row.innerText)")
        now = time.time()
        for name in steps_logged(log):
            if name not in seen_at and any(re.search(rf"\b{name}\b", text) for text in shown):
                seen_at[name] = now
        time.sleep(0.05)
    ended = steps_logged(log)
    latencies = {name: seen_at[name] - ended[name] for name in seen_at if int(name.split("-")[1]) >= first_new}
    record_property("view_follow_latency_s", latencies)
    print(f"view --follow: a span ended -> shown in the page: {sorted(round(v, 2) for v in latencies.values())} s")
    assert len(latencies) >= 4, f"new steps shown: {sorted(seen_at)}; logged: {sorted(ended)}"
    assert max(latencies.values()) <= LATENCY_LIMIT_S, latencies
    stop.touch()
    browser.wait_for("return document.body.dataset.live === 'ended'", timeout=15,
                     message="the page never said the run ended")


def test_ctrl_c_stops_the_server_cleanly(running_app, viewer) -> None:
    _, server = viewer
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(server.stderr), daemon=True)
    reader.start()  # read as it is written: a full pipe would hold the server in a write, not in its shutdown
    server.send_signal(signal.SIGINT)
    try:
        code = server.wait(timeout=30)  # a loaded CI machine is slow to schedule the server
    except subprocess.TimeoutExpired:
        server.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack to stderr, for the message
        server.wait(timeout=10)
        reader.join(timeout=10)
        raise AssertionError("view did not stop on Ctrl-C; its threads:\n" + "".join(said)) from None
    reader.join(timeout=10)
    assert (code, "".join(said)) == (0, "stopped\n")
