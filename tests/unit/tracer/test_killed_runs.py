"""A run's marker written at its start (`finished.begin`), naming its writer: a run whose writer is gone is taken as
it is, its segments found by their names; a writer alive, of another host, or still holding a segment's lock keeps
its run (`tracer/liveness.py`)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import psutil
import pytest

from namel3ss_debug.model.writing import open_for_writing
from namel3ss_debug.tracer import finished, liveness

RUN = "20261129-120000-abc123"
OTHER = "20261129-130000-def456"


def dead_pid() -> int:
    """A pid no process has: Linux hands out pids below pid_max."""
    try:
        return int(Path("/proc/sys/kernel/pid_max").read_text())
    except OSError:
        return 2**22


def started_run(directory: Path, writer: dict[str, object] | None = None) -> None:
    """A run that began here and never ended: three segments (the third past 9999), a sidecar, its running marker,
    naming `writer` (this process, by default)."""
    directory.mkdir(parents=True, exist_ok=True)
    for index in (10000, 0, 1):
        (directory / f"{RUN}.{index:04d}.jsonl").write_bytes(b'{"seq": %d}\n' % index)
    (directory / f"{RUN}.0000.jsonl.idx").write_bytes(b"index")
    (directory / f"{OTHER}.0000.jsonl").write_bytes(b"another run\n")
    assert finished.begin(directory, RUN)
    if writer is not None:
        marker = directory / finished.mark_name(RUN)
        marker.write_text(json.dumps({**json.loads(marker.read_text()), "writer": writer}))


def this_process(**changed: object) -> dict[str, object]:
    return {**liveness.this_process(), **changed}


def test_a_run_being_written_by_a_live_process_is_not_taken(tmp_path):
    started_run(tmp_path)
    assert (finished.waiting(tmp_path), finished.claim(tmp_path, RUN)) == ([], None)
    assert json.loads((tmp_path / finished.mark_name(RUN)).read_text())["state"] == "running"


@pytest.mark.parametrize("writer", [{"pid": dead_pid()}, {"started": 0.5}, {"boot": "an earlier boot"}],
                         ids=["dead", "pid-reused", "rebooted"])
def test_a_run_whose_writer_is_gone_is_taken_as_it_is(tmp_path, writer):
    started_run(tmp_path, this_process(**writer))
    assert finished.waiting(tmp_path) == [RUN]
    with finished.claim(tmp_path, RUN) as taken:
        assert taken.pending.unfinished
        assert taken.pending.segments == (f"{RUN}.0000.jsonl", f"{RUN}.0001.jsonl", f"{RUN}.10000.jsonl")
        taken.sent(keep_local=False)
    assert os.listdir(tmp_path) == [f"{OTHER}.0000.jsonl"]


@pytest.mark.parametrize("writer", [{"host": f"not-{socket.gethostname()}"}, {"ns": "pid:[1]"}, {"pid": "1"},
                                    {"started": None}, {}],
                         ids=["another-host", "another-container", "pid-not-a-number", "no-start", "nobody"])
def test_a_writer_that_cannot_be_told_gone_keeps_its_run(tmp_path, writer):
    started_run(tmp_path, this_process(**{"pid": dead_pid(), **writer}) if writer else {})
    assert (finished.waiting(tmp_path), finished.claim(tmp_path, RUN)) == ([], None)


def test_a_segment_still_locked_keeps_a_run_whose_pid_is_gone(tmp_path):
    started_run(tmp_path, this_process(pid=dead_pid()))
    fd = open_for_writing(tmp_path / f"{RUN}.10000.jsonl")  # as a forked child of the writer holds it
    try:
        assert (finished.waiting(tmp_path), finished.claim(tmp_path, RUN)) == ([], None)
    finally:
        os.close(fd)
    assert finished.waiting(tmp_path) == [RUN]


def test_a_run_killed_before_it_wrote_a_line_has_its_marker_removed_and_nothing_sent(tmp_path):
    assert finished.begin(tmp_path, RUN)
    marker = tmp_path / finished.mark_name(RUN)
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "writer": this_process(pid=dead_pid())}))
    assert finished.claim(tmp_path, RUN) is None
    assert os.listdir(tmp_path) == []


def test_the_runs_end_lists_its_segments_in_place_of_its_start(tmp_path):
    started_run(tmp_path)
    assert finished.mark(tmp_path, RUN, [tmp_path / f"{RUN}.0000.jsonl"])
    with finished.claim(tmp_path, RUN) as taken:
        assert (taken.pending.segments, taken.pending.unfinished) == ((f"{RUN}.0000.jsonl",), False)


def test_a_run_that_ends_having_written_nothing_leaves_no_marker(tmp_path):
    assert finished.begin(tmp_path, RUN)
    assert not finished.mark(tmp_path, RUN, [])
    assert os.listdir(tmp_path) == []


def test_a_processs_start_is_psutils_create_time():
    process = psutil.Process()
    found = liveness.this_process()
    assert (found["pid"], found["host"]) == (os.getpid(), socket.gethostname())
    assert found["started"] == pytest.approx(process.create_time() - psutil.boot_time(), abs=0.01)


def test_a_zombie_is_gone():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        while psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            os.sched_yield()
        assert liveness.writer_gone(this_process(pid=pid, started=0.0))
        assert liveness.writer_gone({**this_process(), "pid": pid, "started": psutil.Process(pid).create_time()
                                     - psutil.boot_time()})
    finally:
        os.waitpid(pid, 0)
