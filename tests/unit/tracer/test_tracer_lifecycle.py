"""The process hooks a run installs (flush thread, excepthooks, signal handlers, fork) and removes."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import orjson
import pytest

from namel3ss_debug import mark, trace_tool_call
from namel3ss_debug.config import load_settings
from namel3ss_debug.tracer import lifecycle
from namel3ss_debug.tracer.api import get_tracer


def start_file_run(tmp_path, **overrides):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "trace_output_dir": str(tmp_path / "t"),
                                                      **overrides}, override_source="test")
    return get_tracer().start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[])


def lines(run) -> list[dict]:
    return [orjson.loads(line) for path in run.paths for line in path.read_bytes().splitlines()]


def test_hooks_are_in_place_during_the_run_and_gone_after(tmp_path):
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), sys.excepthook, threading.excepthook)
    start_file_run(tmp_path)
    during = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), sys.excepthook, threading.excepthook)
    get_tracer().end_run()
    after = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), sys.excepthook, threading.excepthook)
    assert all(a is not b for a, b in zip(before, during))
    assert after == before


def test_a_hook_the_app_installs_later_is_left_in_place(tmp_path):
    start_file_run(tmp_path)

    def app_hook(*args):
        pass

    sys.excepthook = app_hook
    try:
        get_tracer().end_run()
        assert sys.excepthook is app_hook
    finally:
        sys.excepthook = sys.__excepthook__


def test_the_flush_thread_writes_buffered_events_without_waiting_for_the_buffer(tmp_path):
    run = start_file_run(tmp_path, buffer_size=10_000, flush_interval_seconds=0.05)
    mark("waiting")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(e["event_type"] == "performance_marker" for e in
                                                      (lines(run) if run.paths else [])):
        time.sleep(0.02)
    assert any(e["event_type"] == "performance_marker" for e in lines(run))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # ours chains to pytest's
def test_an_unhandled_exception_in_a_thread_is_recorded_with_the_thread_name(tmp_path, capsys):
    run = start_file_run(tmp_path)

    def boom():
        raise LookupError("no such row")

    worker = threading.Thread(target=boom, name="loader")
    worker.start()
    worker.join()
    get_tracer().end_run()
    (error,) = [e for e in lines(run) if e["event_type"] == "error_occurred"]
    assert (error["error"]["type"], error["attrs"]) == ("LookupError", {"thread": "loader", "unhandled": True})


def test_the_excepthook_records_the_exception_on_disk_and_the_run_goes_on(tmp_path, capsys):
    run = start_file_run(tmp_path, buffer_size=10_000)
    try:
        raise ValueError("bad input")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    # on disk at once, though the buffer is far from full; the run ends at exit, after the non-daemon threads
    assert [e["event_type"] for e in lines(run)][-1] == "error_occurred"
    assert get_tracer().run is run and not run.ended


def test_after_an_unhandled_exception_the_run_ends_at_exit_failed_with_it(tmp_path, capsys):
    run = start_file_run(tmp_path)
    try:
        raise ValueError("bad input")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    try:
        lifecycle._at_exit()
        events = lines(run)
    finally:
        get_tracer().run = None  # the process did not end: let the ended run go, as the next test needs
    # no span started: the error came during start-up, which ends with the run
    assert [e["event_type"] for e in events[-3:]] == ["error_occurred", "app_load_end", "run_end"]
    assert (events[-1]["status"], events[-1]["attrs"]["exit_code"], events[-1]["error"]["type"]) == (
        "failed", 1, "ValueError")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available here")
def test_a_forked_child_writes_nothing_to_the_parents_trace(tmp_path):
    run = start_file_run(tmp_path)
    pid = os.fork()
    if pid == 0:  # the child: tracing is off, so this mark goes nowhere
        code = 0 if (get_tracer().active is False and mark("from the child") is None) else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    mark("from the parent")
    get_tracer().end_run()
    names = [e["name"] for e in lines(run) if e["event_type"] == "performance_marker"]
    assert (os.waitstatus_to_exitcode(status), names) == (0, ["from the parent"])


def test_an_unwritable_trace_directory_never_reaches_the_app(tmp_path, capsys):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the trace directory should be")
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "trace_output_dir": str(blocker / "t")},
                             override_source="test")
    run = get_tracer().start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[])

    @trace_tool_call
    def add(a, b):
        return a + b

    results = [add(1, 2) for _ in range(3)]
    get_tracer().end_run()
    errors = [line for line in capsys.readouterr().err.splitlines() if "tracing error" in line]
    assert (results, len(errors), run.recorder.errors > 0) == ([3, 3, 3], 1, True)
