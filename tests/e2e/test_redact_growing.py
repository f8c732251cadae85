"""`redact` of a run its app is still writing: refused (exit 1) or, with --wait, waited for, whatever the
moment; the run keeps every event and its run_end. A run whose app was killed is redacted.

The app (apps/slow_secrets.py) makes 200 tool calls, each handed a password, a few milliseconds apart,
traced with redaction off: 400 events, each start holding the password. While it runs, `redact` is tried
again and again (in this process, so that the attempts fall at many moments of the run: between flushes,
at rotations, at the end). Before the writer's lock, one attempt renamed a redacted copy over the file
the app was appending to, and every event written after went with the old file (170 of 400 kept, no
run_end).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

APP = str(Path(__file__).parent / "apps" / "slow_secrets.py")
PASSWORD = b"Tr0ub4dor&3-horse-battery"
CALLS = 200
REFUSED = "the run is still being written (a file of it is open in its app): left as it is"


def start_app(tmp_path: Path, calls: int = CALLS, pause: float = 0.004, **extra: str) -> subprocess.Popen:
    """The app traced with redaction off into tmp_path/traces, once it has begun (its first file exists)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(extra)
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(tmp_path / "traces"), "--no-redact",
               APP, str(calls), str(pause)]
    app = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert app.stdout is not None and app.stdout.readline() == "started\n"
    return app


def redact(*args: str):
    return CliRunner().invoke(cli, ["redact", *args], catch_exceptions=False)


def run_events(directory: Path) -> list[dict]:
    return [orjson.loads(line) for path in sorted(directory.glob("*.jsonl")) for line in path.read_bytes().splitlines()]


def assert_whole(directory: Path) -> list[dict]:
    """Every event of the run once, in order: the 400 of the calls, and run_end last."""
    events = run_events(directory)
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert sum(event["event_type"].startswith("tool_call_") for event in events) == 2 * CALLS
    assert events[-1]["event_type"] == "run_end"
    return events


def attempts_while_running(app: subprocess.Popen, traces: Path) -> list[tuple[int, str]]:
    """`redact` tried over and over until the app has ended: each attempt's exit code and message."""
    tried = []
    while app.poll() is None:
        result = redact(str(traces))
        tried.append((result.exit_code, result.stderr))
    assert app.wait(timeout=60) == 0, app.stderr.read() if app.stderr else ""
    return tried


@pytest.mark.parametrize("segment_events", [None, "37"], ids=["one file", "rotating every 37 events"])
def test_redact_during_the_run_is_refused_and_the_run_loses_nothing(tmp_path, segment_events):
    extra = {"NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE": segment_events} if segment_events else {}
    app = start_app(tmp_path, **extra)
    tried = attempts_while_running(app, tmp_path / "traces")
    refused = [message for code, message in tried if code == 1]
    assert len(refused) >= 3 and all(REFUSED in message for message in refused)
    assert all(code in (0, 1) for code, _ in tried)  # 0: an attempt after the app closed its last file
    assert_whole(tmp_path / "traces")
    if segment_events:
        assert len(list((tmp_path / "traces").glob("*.jsonl"))) > 10
    result = redact(str(tmp_path / "traces"))
    assert result.exit_code == 0 and not any(PASSWORD in path.read_bytes()
                                             for path in (tmp_path / "traces").glob("*.jsonl"))
    assert_whole(tmp_path / "traces")


def test_the_refusal_names_the_file_and_says_how_to_go_on(tmp_path):
    app = start_app(tmp_path, calls=50, pause=0.02)
    try:
        result = redact(str(tmp_path / "traces"))
    finally:
        app.wait(timeout=60)
    (segment,) = (tmp_path / "traces").glob("*.jsonl")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"namel3ss-debug: error: {tmp_path / 'traces' / segment.name}: {REFUSED} (wait for the "
                             "app to end, or use --wait to wait for it)\n")


@pytest.mark.parametrize("segment_events", [None, "37"], ids=["one file", "rotating every 37 events"])
def test_redact_wait_waits_for_the_end_and_redacts_every_event(tmp_path, segment_events):
    extra = {"NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE": segment_events} if segment_events else {}
    app = start_app(tmp_path, **extra)
    result = redact("--wait", str(tmp_path / "traces"))
    ended = app.poll()
    app.wait(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert ended is not None or "run_end" in run_events(tmp_path / "traces")[-1]["event_type"]
    events = assert_whole(tmp_path / "traces")
    assert not any(PASSWORD in orjson.dumps(event) for event in events)
    assert sum(event.get("inputs", {}).get("password") == "[REDACTED]" for event in events) == CALLS


def test_other_runs_are_redacted_while_one_is_being_written(tmp_path):
    done = tmp_path / "traces" / "20200101-000000-aaaaaa.0000.jsonl"
    done.parent.mkdir()
    done.write_bytes(b'{"v":1,"run_id":"20200101-000000-aaaaaa","seq":0,"ts":"2020-01-01T00:00:00.000000Z",'
                     b'"event_type":"custom_x","component":"custom","name":"n","span_id":"a","parent_id":null,'
                     b'"status":"completed","inputs":{"password":"' + PASSWORD + b'"}}\n')
    app = start_app(tmp_path, calls=50, pause=0.02)
    try:
        result = redact("--all", str(tmp_path / "traces"))
    finally:
        app.wait(timeout=60)
    assert result.exit_code == 1 and REFUSED in result.stderr
    assert result.stdout == f"{done}: redacted 1 event\n" and PASSWORD not in done.read_bytes()


def test_a_run_whose_app_was_killed_is_not_being_written_and_is_redacted(tmp_path):
    app = start_app(tmp_path, calls=100_000, pause=0.001, NAMEL3SS_DEBUG_BUFFER_SIZE="1")
    time.sleep(0.5)
    app.send_signal(signal.SIGKILL)
    app.wait(timeout=60)
    before = run_events(tmp_path / "traces")
    result = redact(str(tmp_path / "traces"))
    after = run_events(tmp_path / "traces")
    assert result.exit_code == 0 and len(after) == len(before) > 10
    assert after[-1]["event_type"] != "run_end" and not any(PASSWORD in orjson.dumps(event) for event in after)
