"""The tracer's own files in a directory anyone may have put something in: a segment dropped by
`max_files_per_run`, the expired traces `trace_retention_days` deletes, and the segment read back to cut a
line written in part are touched only through `model/fs.py`. Each layout of the hostile kit at such a name is
left as it is (never removed, read through or waited on), and the victim's files stay as they were."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from support.hangguard import bounded
from support.hostile import LAYOUTS, Victim, plant

from namel3ss_debug.tracer.retention import expired_traces, remove
from namel3ss_debug.tracer.writer import RotatingJsonlWriter

RUN = "20261122-070322-3f9a1c"
LINE = b'{"seq": 0}\n'
OLD = 1_000_000.0  # 1970: past any retention


@pytest.fixture
def victim(tmp_path: Path) -> Victim:
    return Victim.made(tmp_path / "victim", files=20)


def what_is_at(path: Path) -> tuple[int, int, int]:
    found = path.lstat()
    return stat.S_IFMT(found.st_mode), found.st_ino, found.st_uid


def swapped(segment: Path, layout: str, victim: Victim) -> tuple[Path, tuple[int, int, int]]:
    """The segment moved aside (its writer still holds it) and `layout` put at its name: where it went, and what
    is at the name now."""
    moved = segment.with_name("moved-aside.jsonl")
    os.rename(segment, moved)
    plant(layout, segment, victim)
    return moved, what_is_at(segment)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_segment_dropped_by_max_files_is_removed_only_if_it_is_still_ours(layout, tmp_path, victim):
    writer = RotatingJsonlWriter(tmp_path / "traces", RUN, max_files=1)
    writer.append(LINE)
    writer.flush()
    first = writer.path
    moved, planted = swapped(first, layout, victim)
    writer.rotate()  # the first segment is one too many now
    writer.close()
    assert writer.deleted == [first]
    assert what_is_at(first) == planted and moved.read_bytes() == LINE
    victim.assert_untouched()


def test_a_segment_of_ours_dropped_by_max_files_is_removed(tmp_path):
    writer = RotatingJsonlWriter(tmp_path / "traces", RUN, max_files=1)
    writer.append(LINE)
    first = writer.path
    writer.rotate()
    writer.close()
    assert not first.exists() and writer.paths == [tmp_path / "traces" / f"{RUN}.0001.jsonl"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_line_written_in_part_is_cut_only_from_the_segment_still_at_its_name(layout, tmp_path, victim,
                                                                             monkeypatch):
    writer = RotatingJsonlWriter(tmp_path / "traces", RUN, buffer_size=100)
    writer.append(LINE)
    writer.flush()
    segment = writer.path
    inode = segment.stat().st_ino
    real_write = os.write

    def failing(fd: int, data: bytes) -> int:  # the disk fails for the segment alone
        if os.fstat(fd).st_ino == inode:
            raise OSError(errno.EIO, "Input/output error")
        return real_write(fd, data)

    writer.append(b'{"seq": 1}\n')
    moved, planted = swapped(segment, layout, victim)
    monkeypatch.setattr(os, "write", failing)
    with bounded(), pytest.raises(OSError):
        writer.settle()  # the waiting line dropped, and the segment cut back to a whole line: read back first
    monkeypatch.undo()
    writer.close()
    assert what_is_at(segment) == planted and moved.read_bytes() == LINE
    victim.assert_untouched()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_retention_lists_and_removes_only_expired_trace_files_of_ours(layout, tmp_path, victim):
    traces = tmp_path / "traces"
    ours = traces / f"{RUN}.0000.jsonl"
    traces.mkdir()
    ours.write_bytes(LINE)
    planted = traces / f"{RUN}.0001.jsonl"
    plant(layout, planted, victim)
    for path in (ours, planted):
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    before = what_is_at(planted)
    expired = expired_traces(traces, days=30)
    assert expired == [ours]
    assert remove([ours, planted]) == [ours]
    assert not ours.exists() and what_is_at(planted) == before
    victim.assert_untouched()


def test_retention_never_removes_a_name_not_of_the_tracers_shape(tmp_path):
    notes = tmp_path / "notes.jsonl"
    notes.write_bytes(LINE)
    assert remove([notes]) == [] and notes.exists()
