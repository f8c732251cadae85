"""A `redact` killed mid-way (SIGKILL: no cleanup of its own can run) leaves the trace whole, and the temporary
copy it was writing is removed by the next `redact` of the same file, which then does the work."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

RUN = "20261125-100000-abcdef"
KEY = "sk-proj-" + "Ab1" * 16
TIMEOUT = 120


def secret_trace(directory: Path, lines: int = 20_000) -> Path:
    base = {"v": 1, "run_id": RUN, "ts": "2026-11-25T10:00:00.000000Z", "event_type": "performance_marker",
            "component": "custom", "name": "m", "parent_id": "0000000000000001", "status": "completed"}
    path = directory / f"{RUN}.0000.jsonl"
    with open(path, "wb") as out:
        out.write(orjson.dumps({**base, "seq": 0, "event_type": "run_start", "component": "app",
                                "span_id": "0000000000000001", "parent_id": None, "status": "started"}) + b"\n")
        for seq in range(1, lines):
            out.write(orjson.dumps({**base, "seq": seq, "span_id": f"{seq + 1:016x}",
                                    "attrs": {"note": f"key {KEY} end", "pad": "x" * 100}}) + b"\n")
    return path


def temporaries(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


def redact(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "redact", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_redact_leaves_no_temporary_after_the_next_one(tmp_path):
    path = secret_trace(tmp_path)
    before = path.read_bytes()
    killed = redact(path)
    deadline = time.monotonic() + TIMEOUT
    while not temporaries(tmp_path) and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=TIMEOUT)
    if temporaries(tmp_path):  # caught writing its copy (on a machine fast enough to finish, it did not leave one)
        assert path.read_bytes() == before  # the old file whole: the copy had not taken its place
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "redact", str(path)], capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert temporaries(tmp_path) == []
    assert KEY.encode() not in path.read_bytes()
