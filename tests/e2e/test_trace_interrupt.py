"""Ctrl-C ends `namel3ss-debug trace` whatever the app's threads do (issue 97).

apps/distinct_spans.py runs four non-daemon threads that open spans of distinct names for ever: nothing in
the app stops them, so after Ctrl-C Python alone would wait for them for ever. Under `trace` they get a
bounded grace, are named in one line, and the command ends with 130, the trace whole (every line an event,
`run_end` last, no `seq` missing). The 60 s timeout only guards against a hang; the figure (within 5 s, 10
runs of 10) is bench/trace_interrupt.py's.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

APP = str(Path(__file__).parent / "apps" / "distinct_spans.py")
HANG_GUARD_S = 60


def start(tmp_path: Path, *options: str) -> subprocess.Popen:
    """`trace` of the four-thread app, in a process group of its own (as a terminal runs it), once it is tracing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    proc = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "trace", *options, "-o", "traces", APP, "4"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    ready, _, _ = select.select([proc.stdout], [], [], HANG_GUARD_S)
    if not ready or proc.stdout.readline() != b"ready\n":
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the app did not start: {proc.communicate()[1].decode(errors='replace')}")
    return proc


def interrupt(proc: subprocess.Popen) -> str:
    """Ctrl-C to the group; the command's stderr once it has ended (killed, and the test failed, if it hangs)."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        return proc.communicate(timeout=HANG_GUARD_S)[1].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"trace did not end within {HANG_GUARD_S} s of Ctrl-C")


def written(directory: Path) -> list[dict]:
    """Every line of the run's segments, each parsed (a torn line fails here)."""
    segments = sorted(directory.glob("*.jsonl"))
    assert segments and all(path.read_bytes().endswith(b"\n") for path in segments)
    return [orjson.loads(line) for path in segments for line in path.read_bytes().splitlines()]


def test_ctrl_c_ends_trace_of_threads_that_never_end_with_a_whole_trace(tmp_path):
    proc = start(tmp_path, "-q")
    stderr = interrupt(proc)
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("namel3ss-debug: the app was interrupted")]
    assert lines == ["namel3ss-debug: the app was interrupted, and 4 of its threads (s0, s1, s2, s3) did not end "
                     "(they get 2 s after Ctrl-C): the process ends without them"]
    events = written(tmp_path / "traces")
    end = events[-1]
    assert (end["event_type"], end["status"], end["attrs"]["exit_code"]) == ("run_end", "failed", 130)
    assert [event["seq"] for event in events] == list(range(len(events)))
    names = {event["name"] for event in events if event["event_type"] == "custom_span_start"}
    assert {name.split("-")[0] for name in names} == {"s0", "s1", "s2", "s3"}  # every thread traced until the end


@pytest.mark.slow  # another 5 s run, on top of the test above
def test_ctrl_c_with_the_summary_ends_with_it_or_a_note_naming_the_run(tmp_path):
    proc = start(tmp_path)
    time.sleep(0.5)  # a few MB more: the run may be over the size read after Ctrl-C, or under it
    stderr = interrupt(proc)
    assert proc.returncode == 130, stderr
    first = sorted((tmp_path / "traces").glob("*.jsonl"))[0]
    summary = "trace:" in stderr
    note = ("no summary: the run was interrupted and its trace is " in stderr
            and f"read it with: namel3ss-debug analyze {first}" in stderr)
    assert summary != note, stderr
    assert written(tmp_path / "traces")[-1]["event_type"] == "run_end"
