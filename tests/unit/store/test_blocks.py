"""Reading blocks of lines: a "line" with no end (/dev/zero, a binary file) is refused, not read into memory."""

from __future__ import annotations

import io

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store import blocks


class Zeros(io.RawIOBase):
    """/dev/zero as a stream: bytes without a newline, for ever."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def test_a_line_longer_than_the_limit_is_an_invalid_trace_naming_where(monkeypatch):
    monkeypatch.setattr(blocks, "MAX_LINE", 4 << 20)
    with pytest.raises(TraceError) as caught:
        list(blocks.iter_blocks(Zeros(), "zeros.jsonl"))
    assert (caught.value.where, "longer than 4 MiB" in caught.value.message) == ("zeros.jsonl:1", True)


def test_a_long_line_under_the_limit_is_read_whole(monkeypatch):
    monkeypatch.setattr(blocks, "MAX_LINE", 4 << 20)
    line = b'{"x": "' + b"a" * (3 << 20) + b'"}\n'
    read = list(blocks.iter_blocks(io.BytesIO(line + b"{}\n"), "long.jsonl"))
    assert b"".join(block.data for block in read) == line + b"{}\n"


def _lines(count: int, width: int) -> bytes:
    return b"".join(b'{"n": %d, "x": "%s"}\n' % (n, b"a" * (n * 37 % width)) for n in range(count))


@pytest.mark.parametrize("reuse", [False, True])
def test_a_small_file_is_read_in_buffers_its_size_with_the_same_lines_and_places(reuse):
    data = _lines(200, 90) + b'{"tail": 1}'  # about 14 KB, its last line unterminated
    size = blocks.block_size(len(data))
    assert size == 16384 and blocks.block_size(None) == blocks.block_size(5 << 20) == blocks.BLOCK_SIZE
    small = [(block.data, block.first_line, block.offset, block.tail, len(block.buffer))
             for block in blocks.iter_blocks(io.BytesIO(data), "run.jsonl", reuse=reuse, read_size=size)]
    big = [(block.data, block.first_line, block.offset, block.tail)
           for block in blocks.iter_blocks(io.BytesIO(data), "run.jsonl", reuse=reuse)]
    assert [found[:4] for found in small] == big
    assert max(found[4] for found in small) <= 2 * size


@pytest.mark.parametrize("reuse", [False, True])
def test_a_file_longer_than_its_read_size_said_is_read_on_whole(reuse):
    data = _lines(3000, 700)  # a file that grew to about 1 MB after its size was taken as 5 KB
    read = [(block.data, block.newlines()) for block in  # each taken as it comes: `reuse` overwrites a block
            blocks.iter_blocks(io.BytesIO(data), "run.jsonl", reuse=reuse, read_size=blocks.block_size(5000))]
    assert b"".join(part for part, _ in read) == data
    assert sum(lines for _, lines in read) == 3000 and len(read) > 100
