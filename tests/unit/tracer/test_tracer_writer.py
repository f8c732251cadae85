"""RotatingJsonlWriter: buffering, the rotation test, segment names and the segment limit."""

from __future__ import annotations

from namel3ss_debug.tracer import writer as writer_module
from namel3ss_debug.tracer.writer import RotatingJsonlWriter, segment_path

LINE = b'{"seq":0}\n'


def test_segment_path_numbers_segments_with_four_digits(tmp_path):
    assert segment_path(tmp_path, "RUN", 7).name == "RUN.0007.jsonl"


def test_first_append_opens_segment_zero(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN")
    writer.append(LINE)
    assert writer.path == tmp_path / "RUN.0000.jsonl"


def test_lines_wait_in_the_buffer_below_buffer_size(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=3)
    writer.append(LINE)
    writer.append(LINE)
    assert writer.path.read_bytes() == b""


def test_buffer_flushes_when_buffer_size_lines_wait(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=3)
    for _ in range(3):
        writer.append(LINE)
    assert writer.path.read_bytes() == LINE * 3


def test_close_flushes_the_buffer(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(LINE)
    writer.close()
    assert (tmp_path / "RUN.0000.jsonl").read_bytes() == LINE


def test_should_rotate_is_false_for_an_empty_segment(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_bytes=1, max_events=1)
    writer.rotate()
    assert not writer.should_rotate(10_000)


def test_should_rotate_when_the_line_would_overflow_max_bytes(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_bytes=len(LINE) * 2)
    writer.append(LINE)
    assert writer.should_rotate(len(LINE) + 1)


def test_should_not_rotate_when_the_line_fits_max_bytes(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_bytes=len(LINE) * 2)
    writer.append(LINE)
    assert not writer.should_rotate(len(LINE))


def test_should_rotate_when_the_segment_holds_max_events(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_events=2)
    writer.append(LINE)
    before = writer.should_rotate(1)
    writer.append(LINE)
    assert (before, writer.should_rotate(1)) == (False, True)


def test_no_limits_never_rotate(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN")
    for _ in range(50):
        writer.append(LINE)
    assert not writer.should_rotate(10**9)


def test_rotate_names_segments_in_order(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN")
    writer.rotate()
    writer.rotate()
    assert [p.name for p in writer.paths] == ["RUN.0000.jsonl", "RUN.0001.jsonl"]


def test_rotate_resets_the_segment_counters(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_events=1)
    writer.append(LINE)
    writer.rotate()
    assert not writer.should_rotate(1)


def test_rotate_flushes_buffered_lines_into_the_old_segment(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=100)
    writer.append(b'{"seq":0}\n')
    writer.rotate()
    writer.append(b'{"seq":1}\n')
    writer.close()
    assert [p.read_bytes() for p in writer.paths] == [b'{"seq":0}\n', b'{"seq":1}\n']


def test_rotate_creates_the_directory(tmp_path):
    writer = RotatingJsonlWriter(tmp_path / "a" / "b", "RUN")
    assert writer.rotate().is_file()


def test_max_files_keeps_the_newest_segments(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_files=2)
    for _ in range(4):
        writer.rotate()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RUN.0002.jsonl", "RUN.0003.jsonl"]
    assert [p.name for p in writer.paths] == ["RUN.0002.jsonl", "RUN.0003.jsonl"]


def test_max_files_records_the_deleted_segments(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN", max_files=2)
    for _ in range(4):
        writer.rotate()
    assert [p.name for p in writer.deleted] == ["RUN.0000.jsonl", "RUN.0001.jsonl"]


def test_max_files_zero_keeps_every_segment(tmp_path):
    writer = RotatingJsonlWriter(tmp_path, "RUN")
    for _ in range(3):
        writer.rotate()
    assert len(list(tmp_path.iterdir())) == 3 and writer.deleted == []


def test_failed_writes_keep_lines_up_to_a_limit_then_drop_and_count_them(tmp_path, monkeypatch):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=2)
    writer.rotate()
    monkeypatch.setattr(writer_module, "MAX_BUFFER_BYTES", 10 * len(LINE))

    def full_disk(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer_module.os, "write", full_disk)
    failures = 0
    for _ in range(40):
        try:
            writer.append(LINE)
        except OSError:
            failures += 1
    assert failures < 40 and writer.discarded_events > 0
    assert len(writer._buffer) <= 12 * len(LINE)


def test_every_line_lost_to_a_full_disk_is_counted(tmp_path, monkeypatch):
    writer = RotatingJsonlWriter(tmp_path, "RUN", buffer_size=2)
    writer.rotate()
    monkeypatch.setattr(writer_module, "MAX_BUFFER_BYTES", 10 * len(LINE))
    monkeypatch.setattr(writer_module.os, "write", lambda fd, data: (_ for _ in ()).throw(OSError(28, "full")))
    for _ in range(40):
        try:
            writer.append(LINE)
        except OSError:
            pass
    assert writer.discarded_events + writer._buffer.count(b"\n") == 40  # dropped, or still waiting: none unaccounted
