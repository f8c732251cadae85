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
