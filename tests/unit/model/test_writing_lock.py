"""The writing lock: a file the tracer's writer has open is held, a rewriter can tell, and a writer never
writes to a file a rewriter replaced."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from namel3ss_debug.model.errors import EXIT_FAILED
from namel3ss_debug.model.fs import Refused
from namel3ss_debug.model.writing import HeldFiles, StillWriting, open_for_writing
from namel3ss_debug.tracer.writer import RotatingJsonlWriter
from support.hostile import LAYOUTS, Victim, plant

pytestmark = pytest.mark.skipif(os.name == "nt", reason="no flock on Windows: see model/writing.py")


def test_a_file_open_for_writing_is_still_being_written_and_then_not(tmp_path):
    path = tmp_path / "run.0000.jsonl"
    fd = open_for_writing(path)
    with pytest.raises(StillWriting) as refused, HeldFiles() as held:
        held.hold([str(path)])
    assert refused.value.exit_code == EXIT_FAILED and refused.value.where == str(path)
    os.close(fd)
    with HeldFiles() as held:
        held.hold([str(path)])
        assert held.paths == (str(path),)


def test_the_writer_locks_the_next_segment_before_it_lets_go_of_the_last(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "r", buffer_size=1)
    writer.append(b'{"seq":0}\n')
    first = str(writer.path)
    writer.rotate()
    second = str(writer.path)
    with HeldFiles() as held:
        held.check([first])  # closed: no longer written
        with pytest.raises(StillWriting):
            held.hold([second])
    writer.close()
    with HeldFiles() as held:
        held.hold([first, second])


def test_check_lets_go_of_each_file_at_once(tmp_path):
    paths = [str(tmp_path / f"r.{n:04d}.jsonl") for n in range(50)]
    for path in paths:
        Path(path).write_bytes(b"{}\n")
    with HeldFiles() as held:
        held.check(paths[:-2])
        held.hold(paths[-2:])
        assert held.paths == tuple(paths[-2:])


def test_a_writer_that_waited_for_a_rewriter_writes_to_the_file_now_at_the_path(tmp_path):
    """A rewriter took the lock of a file just created (the writer had not locked it yet) and replaced it:
    the writer, once the lock is let go, opens the path again instead of writing to the replaced file."""
    path = tmp_path / "run.0000.jsonl"
    path.write_bytes(b"old\n")
    held = HeldFiles()
    held.hold([str(path)])
    opened: list[int] = []
    writer = threading.Thread(target=lambda: opened.append(open_for_writing(path)))
    writer.start()
    time.sleep(0.2)
    assert opened == []  # waiting for the rewriter
    replacement = tmp_path / "new"
    replacement.write_bytes(b"new\n")
    os.replace(replacement, path)
    held.release()
    writer.join(5)
    os.write(opened[0], b"appended\n")
    os.close(opened[0])
    assert path.read_bytes() == b"new\nappended\n"


@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout != "readonly_dir"])
def test_a_segment_name_somebody_else_filled_is_refused_never_written_through(layout, tmp_path):
    victim = Victim.made(tmp_path / "victim", files=3)
    plant(layout, tmp_path / "traces" / "run.0000.jsonl", victim)
    with pytest.raises(Refused):
        open_for_writing(tmp_path / "traces" / "run.0000.jsonl")
    writer = RotatingJsonlWriter(tmp_path / "traces", "run")
    writer.append(b'{"seq": 0}\n')
    with pytest.raises(OSError):  # as a directory it cannot write in: the recorder says so, the app goes on
        writer.close()
    victim.assert_untouched()


def test_a_fifo_named_like_a_trace_is_not_waited_on_by_a_rewriter(tmp_path):
    os.mkfifo(tmp_path / "run.0000.jsonl")
    with HeldFiles() as held:
        held.hold([str(tmp_path / "run.0000.jsonl")])
    assert held.paths == ()
