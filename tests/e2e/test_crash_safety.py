"""However a traced process ends, what it emitted is on disk as whole JSON lines.

The app (apps/emitter.py) emits N tool calls, prints `emitted N`, then sleeps until the test signals
it. The periodic flush is pushed to 60 s, so only the buffer rule and the signal handlers write.
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

APPS = Path(__file__).parent / "apps"
EMITTER = str(APPS / "emitter.py")
TIMEOUT = 60


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    values["NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS"] = "60"
    values.update(extra)
    return values


def start(cwd: Path, args: list[str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=cwd, env=env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def traced(cwd: Path, *app_args: str, flags: tuple[str, ...] = (), **extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(cwd / "traces"), *flags, *app_args]
    return start(cwd, command, **extra)


def library_mode(cwd: Path, *app_args: str) -> subprocess.Popen:
    return start(cwd, [sys.executable, *app_args], NAMEL3SS_DEBUG_ENABLED="1",
                 NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(cwd / "traces"))


def wait_for_line(proc: subprocess.Popen, prefix: bytes) -> bytes:
    """The first stdout line starting with `prefix`; fails if the process ends or time runs out first."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line
    proc.kill()
    _, stderr = proc.communicate(timeout=TIMEOUT)
    pytest.fail(f"no {prefix!r} line from the app; stderr:\n{stderr.decode(errors='replace')}")


def signal_after(proc: subprocess.Popen, count: int, signum: int) -> int:
    assert wait_for_line(proc, b"emitted ") == f"emitted {count}\n".encode()
    proc.send_signal(signum)
    proc.communicate(timeout=TIMEOUT)
    return proc.returncode


def finish(proc: subprocess.Popen) -> int:
    proc.communicate(timeout=TIMEOUT)
    return proc.returncode


def raw_lines(directory: Path) -> list[bytes]:
    """Every line of the run's segments, in order; a torn last line has no newline."""
    data = b"".join(path.read_bytes() for path in sorted(directory.glob("*.jsonl")))
    return data.splitlines(keepends=True)


def events(directory: Path) -> list[dict]:
    return [orjson.loads(line) for line in raw_lines(directory)]


def count(all_events: list[dict], event_type: str) -> int:
    return sum(event["event_type"] == event_type for event in all_events)


def run_end(all_events: list[dict]) -> dict:
    assert all_events[-1]["event_type"] == "run_end"
    return all_events[-1]


# -- under `namel3ss-debug trace` -----------------------------------------------------------------
def test_sigterm_flushes_every_event_and_ends_the_run_failed(tmp_path):
    # 300 calls = 602 events: 256 written by the buffer rule, the rest only by the SIGTERM handler.
    returncode = signal_after(traced(tmp_path, EMITTER, "300"), 300, signal.SIGTERM)
    lines = raw_lines(tmp_path / "traces")
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert lines[-1].endswith(b"\n")
    assert count(written, "tool_call_end") == 300
    assert (end["status"], "SIGTERM" in end["attrs"]["reason"]) == ("failed", True)


def test_sigint_exits_130_with_events_flushed_and_the_run_failed(tmp_path):
    returncode = signal_after(traced(tmp_path, EMITTER, "300"), 300, signal.SIGINT)
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert (returncode, count(written, "tool_call_end")) == (130, 300)
    assert (end["status"], end["attrs"]["exit_code"], end["error"]["type"]) == ("failed", 130, "KeyboardInterrupt")


def test_sigkill_loses_at_most_the_buffer_and_leaves_only_whole_lines(tmp_path):
    # 1020 calls = 2042 events (segment_start, run_start, 2 per call); 42 of them wait in the buffer.
    proc = traced(tmp_path, EMITTER, "1020", flags=("--buffer-size", "50"))
    returncode = signal_after(proc, 1020, signal.SIGKILL)
    lines = raw_lines(tmp_path / "traces")
    complete = [line for line in lines if line.endswith(b"\n")]
    seqs = [orjson.loads(line)["seq"] for line in complete]
    assert returncode == -signal.SIGKILL
    assert len(lines) - len(complete) <= 1  # at most a torn last line
    assert seqs == list(range(len(seqs)))
    assert 2042 - len(seqs) <= 50


@pytest.mark.parametrize(("start", "steps"), [(traced, 20), (library_mode, 300)], ids=["trace", "library_mode"])
def test_an_unhandled_exception_ends_the_run_failed_with_the_exception(tmp_path, start, steps):
    """Under `trace`, and in library mode (`NAMEL3SS_DEBUG_ENABLED=1 python app.py`) alike."""
    returncode = finish(start(tmp_path, EMITTER, str(steps), "raise"))
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert (returncode, count(written, "tool_call_end")) == (1, steps)
    assert (end["status"], end["error"]["type"], end["error"]["message"]) == (
        "failed", "RuntimeError", f"gave up after {steps} steps")


def test_a_signal_during_an_emit_gives_run_end_a_seq_of_its_own(tmp_path):
    returncode = finish(traced(tmp_path, str(APPS / "signal_mid_emit.py")))
    seqs = [event["seq"] for event in events(tmp_path / "traces")]
    assert returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert seqs == list(range(len(seqs)))


def test_a_signal_during_a_flush_writes_each_event_once_and_run_end(tmp_path):
    proc = traced(tmp_path, str(APPS / "signal_mid_flush.py"), flags=("--buffer-size", "10"))
    returncode = finish(proc)
    written = events(tmp_path / "traces")
    seqs = [event["seq"] for event in written]
    assert returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert seqs == list(range(len(seqs)))
    assert (written[-1]["event_type"], written[-1]["status"]) == ("run_end", "failed")


# -- library mode: NAMEL3SS_DEBUG_ENABLED=1 python app.py --------------------------------------------
def test_library_mode_sigterm_leaves_every_event_on_disk(tmp_path):
    returncode = signal_after(library_mode(tmp_path, EMITTER, "300"), 300, signal.SIGTERM)
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert count(written, "tool_call_end") == 300
    assert (end["status"], "SIGTERM" in end["attrs"]["reason"]) == ("failed", True)


def test_library_mode_normal_end_completes_the_run_at_interpreter_exit(tmp_path):
    returncode = finish(library_mode(tmp_path, EMITTER, "300", "end"))
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert (returncode, count(written, "tool_call_end")) == (0, 300)
    assert (end["status"], end["attrs"]["reason"]) == ("completed", "interpreter exit")


def test_library_mode_sigint_records_the_interrupt_with_exit_code_130(tmp_path):
    returncode = signal_after(library_mode(tmp_path, EMITTER, "300"), 300, signal.SIGINT)
    written = events(tmp_path / "traces")
    end = run_end(written)
    assert (returncode, count(written, "tool_call_end")) == (-signal.SIGINT, 300)  # as Python exits on Ctrl-C
    assert (end["status"], end["attrs"]["exit_code"], end["error"]["type"]) == ("failed", 130, "KeyboardInterrupt")
