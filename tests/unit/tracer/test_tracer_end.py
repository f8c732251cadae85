"""The run's end as a cut (recorder.py), threads held at a process's end, and a full disk (writer.py).

A full disk is a failing `os.write`: the writer's one way to the disk, patched where the writer calls it.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

import namel3ss_debug.model.writing as writing_module
import namel3ss_debug.tracer.recorder as recorder_module
import namel3ss_debug.tracer.writer as writer_module
from namel3ss_debug import mark, span
from namel3ss_debug.config import load_settings
from namel3ss_debug.tracer.api import get_tracer
from namel3ss_debug.tracer.ours import OURS
from namel3ss_debug.tracer.writer import RotatingJsonlWriter
from namel3ss_debug.transport.opening import open_exchange
from namel3ss_debug.transport.request import Outgoing

LINE = b'{"seq":0}\n'


class Disk:
    """`os.write` as a disk that is full while `full` is set, and otherwise takes everything."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, error: int = errno.ENOSPC):
        self.full = False
        self.refused = 0
        self.error = error
        self._write = os.write
        monkeypatch.setattr(writer_module.os, "write", self.write)

    def write(self, fd: int, data: bytes) -> int:
        if self.full:
            self.refused += 1
            raise OSError(self.error, os.strerror(self.error))
        return self._write(fd, data)


def lines_of(writer: RotatingJsonlWriter) -> list[bytes]:
    return [line for path in writer.paths for line in path.read_bytes().splitlines(keepends=True)]


def numbered(i: int) -> bytes:
    return b'{"seq":%d}\n' % i


def start_file_run(tmp_path: Path, **overrides):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "trace_output_dir": str(tmp_path / "t"),
                                                      **overrides}, override_source="test")
    return get_tracer().start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[], install_hooks=False,
                                  startup=False)


def events_of(run) -> list[dict]:
    return [orjson.loads(line) for path in run.paths for line in path.read_bytes().splitlines()]


@pytest.fixture
def let_go():
    """A run that ended with its process stays the tracer's; the process goes on here: let it go after."""
    yield
    get_tracer().run = None


# -- a full disk -----------------------------------------------------------------------------------------
def test_past_the_limit_the_oldest_and_the_newest_lines_stay_and_the_rest_is_counted(tmp_path, monkeypatch):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=2)
    monkeypatch.setattr(writer_module, "MAX_BUFFER_BYTES", 40 * len(numbered(100)))
    disk = Disk(monkeypatch)
    disk.full = True
    for i in range(300):
        try:
            writer.append(numbered(i))
        except OSError:
            pass
    disk.full = False
    writer.close()
    written = lines_of(writer)
    assert (written[0], written[-1]) == (numbered(0), numbered(299))
    assert writer.discarded_events + len(written) == 300 and writer.discarded_events > 0


def test_no_segment_is_started_while_writes_fail_and_rotation_resumes_after(tmp_path, monkeypatch):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=1, max_events=5)
    disk = Disk(monkeypatch)
    writer.rotate()
    disk.full = True
    for i in range(20):
        if writer.should_rotate(len(LINE)):
            writer.rotate()
        try:
            writer.append(numbered(i))
        except OSError:
            pass
    segments_while_full = len(writer.paths)
    disk.full = False
    writer.flush()
    assert (segments_while_full, writer.should_rotate(len(LINE))) == (1, True)
    assert lines_of(writer) == [numbered(i) for i in range(20)]


def test_a_rotation_that_cannot_write_the_last_segment_changes_nothing(tmp_path, monkeypatch):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(LINE)
    disk = Disk(monkeypatch)
    disk.full = True
    with pytest.raises(OSError):
        writer.rotate()
    disk.full = False
    writer.close()
    assert ([p.name for p in writer.paths], lines_of(writer)) == (["RUN.0000.jsonl"], [LINE])


def test_a_first_segment_that_cannot_be_created_yet_is_created_by_a_later_flush(tmp_path, monkeypatch):
    refusals = [2]
    real_open = os.open

    def full_open(path, flags, mode=0o777):
        if refusals[0]:
            refusals[0] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, mode)

    monkeypatch.setattr(writing_module.os, "open", full_open)
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(numbered(0))
    writer.append(numbered(1))
    with pytest.raises(OSError):
        writer.flush()
    writer.close()
    assert lines_of(writer) == [numbered(0), numbered(1)]


class PausedClock:
    """The writer's clock in virtual time: each pause moves it on at once; `on_pause` runs after each."""

    def __init__(self, on_pause: Callable[[int], None]) -> None:
        self.now, self.pauses, self.on_pause = 0.0, 0, on_pause

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.pauses += 1
        self.on_pause(self.pauses)


def test_the_end_tries_a_full_disk_again_until_it_has_room(tmp_path, monkeypatch):
    """The disk has room after the third pause (not after 0.2 s of a timer thread the machine may run late)."""
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(LINE)
    disk = Disk(monkeypatch)
    disk.full = True
    clock = PausedClock(lambda pauses: setattr(disk, "full", pauses < 3))
    monkeypatch.setattr(writer_module, "time", clock)
    writer.close()
    assert (lines_of(writer), disk.refused, clock.pauses) == ([LINE], 3, 3)


def test_the_end_does_not_try_again_a_write_that_will_not_pass(tmp_path, monkeypatch):
    """One try and no pause: counted (the writer's pauses are its `time.sleep`), not timed."""
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(LINE)
    disk = Disk(monkeypatch, error=errno.EBADF)
    disk.full = True
    pauses: list[float] = []
    monkeypatch.setattr(writer_module, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pauses.append))
    with pytest.raises(OSError):
        writer.close()
    assert (disk.refused, pauses) == (1, [])


def test_a_run_on_a_full_disk_keeps_run_start_and_run_end_and_counts_what_it_dropped(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(writer_module, "MAX_BUFFER_BYTES", 64 * 1024)
    disk = Disk(monkeypatch)
    disk.full = True
    run = start_file_run(tmp_path, buffer_size=8, max_events_per_file=50)
    for i in range(500):
        mark("step", i=i, note="x" * 200)
    disk.full = False
    get_tracer().end_run()
    written = events_of(run)
    seqs = [event["seq"] for event in written]
    assert [event["event_type"] for event in written[:2]] == ["segment_start", "run_start"]
    assert written[-1]["event_type"] == "run_end" and seqs == sorted(seqs)
    assert written[-1]["attrs"]["dropped"] == seqs[-1] + 1 - len(seqs) > 0
    assert capsys.readouterr().err.count("No space left on device") == 1


# -- the cut ------------------------------------------------------------------------------------------------
def test_nothing_follows_run_end_while_threads_trace_through_the_end(tmp_path):
    run = start_file_run(tmp_path, buffer_size=16)
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            with span("work"):
                mark("tick")

    threads = [threading.Thread(target=busy) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    get_tracer().end_run()
    time.sleep(0.1)  # they go on after the end, untraced
    stop.set()
    for thread in threads:
        thread.join()
    written = events_of(run)
    assert written[-1]["event_type"] == "run_end"
    assert [event["seq"] for event in written] == list(range(len(written)))


def test_an_event_after_the_end_is_counted_not_written(tmp_path):
    run = start_file_run(tmp_path)
    opened = span("open across the end")
    opened.__enter__()
    get_tracer().end_run()
    opened.__exit__(None, None, None)
    assert (events_of(run)[-1]["event_type"], run.recorder.after_end) == ("run_end", 1)


class Holds:
    """The recorder's hold, seen: each wait as (the thread, how long it may last, whether it was let go before)."""

    def __init__(self, hold: threading.Event) -> None:
        self.hold = hold
        self.waits: list[tuple[int, float | None, bool]] = []

    def wait(self, timeout: float | None = None) -> bool:
        let_go = self.hold.wait(timeout)
        self.waits.append((threading.get_ident(), timeout, let_go))
        return let_go


def test_at_the_process_end_a_thread_tracing_after_the_cut_waits_there(tmp_path, monkeypatch, let_go):
    """Seen by the waits on the hold, not by the clock: the recorder's clock stands still, so the late thread's
    hold is END_HOLD_SECONDS however late the machine runs it, and it waits all of it; the ender never waits."""
    monkeypatch.setattr(recorder_module, "END_HOLD_SECONDS", 0.3)
    monkeypatch.setattr(recorder_module, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    run = start_file_run(tmp_path)
    holds = Holds(run.recorder._never)
    monkeypatch.setattr(run.recorder, "_never", holds)
    opened = span("open across the end")
    opened.__enter__()
    run.recorder.end_with_process()
    get_tracer().end_run()
    waited = []

    def late():
        start = time.monotonic()
        mark("after the end")
        waited.append(time.monotonic() - start)

    thread = threading.Thread(target=late)
    thread.start()
    thread.join()
    opened.__exit__(None, None, None)  # the thread that ended the run is never held
    assert holds.waits == [(thread.ident, pytest.approx(0.3), False)] and waited[0] >= 0.3  # all of it
    assert (get_tracer().run, run.recorder.after_end, events_of(run)[-1]["event_type"]) == (run, 2, "run_end")


def test_the_live_exports_own_requests_are_not_recorded(tmp_path):
    start_file_run(tmp_path)
    request = Outgoing("POST", "http", "127.0.0.1:4318", "/v1/traces", "", "application/x-protobuf", b"")
    OURS.on = True
    try:
        ours = open_exchange(get_tracer(), request)
    finally:
        OURS.on = False
    theirs = open_exchange(get_tracer(), request)
    assert ours is None and theirs is not None
    theirs.finish()


def test_an_end_the_disk_never_takes_is_said_on_stderr(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(writer_module, "END_RETRY_SECONDS", 0.1)
    run = start_file_run(tmp_path, buffer_size=1000)
    disk = Disk(monkeypatch)
    mark("before")
    disk.full = True
    get_tracer().end_run()
    err = capsys.readouterr().err
    assert "the end of the trace could not be written (OSError(28" in err and "it has no run_end" in err
    assert run.recorder.errors == 2 and run.recorder.closed  # the write before run_end, and the end's
