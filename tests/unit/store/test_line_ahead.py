"""A line past the line limit is refused while it is read, not held first: in a plain file the reader looks along
a long line (`store/line_ahead.py`) and gathers no more than a block or two of it; a stream, which cannot be read
twice, holds no more than the limit and a block. The limit is made small here, so each case is quick."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest
from support.tracehelpers import refused_peak

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store import blocks, lines, lookup
from namel3ss_debug.store.line_ahead import LineAhead, line_ahead
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import LineRange, TraceReader
from namel3ss_debug.store.sources import RunSource

LIMIT = 16 << 20  # many blocks, so holding it and not holding it differ
HEAD = b'{"v": 1, "seq": 0, "event_type": "segment_start"}\n'


class Counted:
    """A stream that counts the bytes it hands out: what the reader gathered."""

    def __init__(self, stream: io.RawIOBase | io.BufferedIOBase):
        self.stream, self.given = stream, 0

    def readinto(self, buffer: memoryview) -> int:
        count = self.stream.readinto(buffer) or 0
        self.given += count
        return count


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(blocks, "MAX_LINE", LIMIT)
    return LIMIT


def _sparse(path: Path, head: bytes, size: int) -> Path:
    """`head`, then zeros (no newline) up to `size` bytes: a sparse file, no disk."""
    path.write_bytes(head)
    os.truncate(path, size)
    return path


def _blocks(path: Path, ahead: bool) -> tuple[list[bytes], int]:
    """The blocks of `path` as iter_blocks reads them (with or without looking ahead), and what it gathered."""
    with open(path, "rb", buffering=0) as file:
        stream = Counted(file)
        found = []
        try:
            for block in blocks.iter_blocks(stream, str(path), ahead=line_ahead(file.fileno()) if ahead else None):
                found.append(block.data)
        finally:
            given = stream.given
    return found, given


def test_a_line_past_the_limit_in_a_file_is_refused_having_gathered_a_block_or_two(small_limit, tmp_path):
    path = _sparse(tmp_path / "zeros.jsonl", HEAD, 40 * LIMIT)
    with pytest.raises(TraceError) as caught:
        _blocks(path, ahead=True)
    assert caught.value.where == f"{path}:2" and "a line longer than 16 MiB" in caught.value.message
    with open(path, "rb", buffering=0) as file:
        stream = Counted(file)
        with pytest.raises(TraceError):
            list(blocks.iter_blocks(stream, str(path), ahead=line_ahead(file.fileno())))
    # the head's block, then a read of twice what it left: without looking ahead, the whole limit
    assert stream.given <= 3 * blocks.BLOCK_SIZE


def test_a_stream_holds_no_more_than_the_limit_and_a_block_before_it_refuses(small_limit):
    stream = Counted(io.BytesIO(HEAD + b"[" * (3 * LIMIT)))
    with pytest.raises(TraceError, match="a line longer than 16 MiB"):
        list(blocks.iter_blocks(stream, "stream.jsonl"))
    assert LIMIT < stream.given <= LIMIT + blocks.BLOCK_SIZE + len(HEAD)


def test_the_reader_refuses_a_line_past_the_limit_within_a_few_blocks_of_memory(small_limit, tmp_path):
    path = _sparse(tmp_path / "zeros.jsonl", HEAD, 10 * LIMIT)
    peak = refused_peak(path, "zeros.jsonl:2: a line longer than 16 MiB")
    assert peak < 8 * blocks.BLOCK_SIZE  # it held the limit (16 MiB, and more) before it refused


def test_a_part_of_a_file_is_refused_the_same_way(small_limit, tmp_path):
    path = _sparse(tmp_path / "zeros.jsonl", HEAD + HEAD, 10 * LIMIT)
    reader = TraceReader(ReadProblems(), write_index=False)
    with pytest.raises(TraceError, match="zeros.jsonl:3: a line longer than 16 MiB"):
        list(reader.span_records(str(path), LineRange(len(HEAD), 10 * LIMIT, 2)))


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
def test_looking_ahead_refuses_exactly_the_lines_holding_them_refuses(small_limit, tmp_path, extra):
    """A line of the limit's length ends within it, one byte more does not: the same answer either way, for a
    line with a newline and for a last line without one."""
    for end in (b"\n", b""):
        path = _sparse(tmp_path / f"line{extra}{len(end)}.jsonl", HEAD, len(HEAD) + LIMIT + extra)
        with open(path, "ab") as out:
            out.write(end + b"{}\n" * bool(end))
        outcomes = []
        for ahead in (True, False):
            try:
                outcomes.append(b"".join(_blocks(path, ahead)[0]) == path.read_bytes())
            except TraceError:
                outcomes.append(False)
        assert outcomes == [extra <= 0] * 2, (extra, end)


def test_looking_ahead_ends_at_a_newline_a_parts_end_or_the_files_end(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"a" * 1000 + b"\n" + b"a" * 1000)
    with open(path, "rb") as file:
        assert LineAhead(file.fileno(), end=100).ends_within(0, 500)  # the part ends within the room
        assert not LineAhead(file.fileno(), end=900).ends_within(0, 500)  # 501 bytes and no newline
        assert LineAhead(file.fileno()).ends_within(0, 1000)  # the newline is the 1001st byte
        assert not LineAhead(file.fileno()).ends_within(0, 999)
        assert LineAhead(file.fileno()).ends_within(1001, 1000)  # the file's end


def test_a_pipe_or_a_closed_descriptor_is_not_looked_along():
    read, write = os.pipe()
    try:
        assert line_ahead(read) is None
    finally:
        os.close(read)
        os.close(write)
    assert line_ahead(write) is None


def test_reading_a_line_again_stops_at_the_limit(small_limit, tmp_path):
    path = _sparse(tmp_path / "zeros.jsonl", b"", 10 * LIMIT)
    with open(path, "rb") as file:
        assert len(lines.line_at(file.fileno(), 0)) == LIMIT + 1


def test_the_runs_head_is_not_read_on_past_a_line_without_end(tmp_path):
    """run_start_of reads a run's first lines: a first line without end is not read eight times 16 MiB."""
    path = _sparse(tmp_path / "zeros.jsonl", b"", 10 * lookup._FIRST_LINE)
    tracemalloc.start()
    try:
        assert lookup.run_start_of(RunSource(str(path), (str(path),))) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * lookup._FIRST_LINE  # 8 lines of it, and orjson's error about one: 218 MiB


def test_an_index_lookup_reads_no_line_past_its_scan_limit(monkeypatch):
    monkeypatch.setattr(lookup, "_SCAN_LIMIT", 1000)
    stream = io.BytesIO(b"{}\n" + b"a" * 5000)
    found = lookup._lines(stream)
    assert next(found) == b"{}\n"
    with pytest.raises(lookup._TooFar):
        next(found)
    assert stream.tell() == 3 + 1001
