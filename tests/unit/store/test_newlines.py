"""Counting newlines and finding line starts (store/newlines.py): the C extension gives the reference's answers."""

from __future__ import annotations

import random
from array import array

import pytest

from namel3ss_debug.store import newlines
from namel3ss_debug.store.blocks import iter_blocks

needs_c = pytest.mark.skipif(not newlines.ACCELERATED, reason="the C extension was not compiled on this install")
if newlines.ACCELERATED:
    from namel3ss_debug.store import _lines


def random_block(rng: random.Random) -> bytes:
    """Lines of random lengths (none, a few bytes, past the 16-byte steps), newlines back to back, sometimes
    no newline at the end, and bytes of every value."""
    lines = [bytes(rng.choice((10, 32, 65, 123, 200, 255, 0)) if rng.random() < 0.05 else rng.randrange(11, 256)
                   for _ in range(rng.choice((0, 1, 5, 15, 16, 17, 33, rng.randrange(0, 300)))))
             for _ in range(rng.randrange(0, 40))]
    data = b"\n".join(lines)
    return data + b"\n" if rng.random() < 0.7 else data


@needs_c
@pytest.mark.parametrize("seed", range(40))
def test_the_compiled_count_and_starts_are_the_reference_s(seed):
    rng = random.Random(seed)
    data = random_block(rng)
    for buffer in (data, bytearray(data), memoryview(data)):
        start = rng.randrange(0, len(data) + 1)
        end = rng.randrange(start, len(data) + 1)
        expected = data.count(b"\n", start, end)
        assert _lines.count(buffer, start, end) == newlines.count_py(buffer, start, end) == expected
        base = rng.randrange(0, 1 << 40)
        assert newlines.starts(buffer, end, base) == newlines.starts_py(buffer, end, base)


def test_starts_are_where_each_line_begins():
    for starts in (newlines.starts, newlines.starts_py):
        assert starts(b'{"a":1}\n{"b":2}\n', 16, 100) == array("q", [100, 108])
        assert starts(b"a\n\nbc", 5, 0) == array("q", [0, 2, 3])  # a blank line starts too; so does a last one
        assert starts(b"abc\n", 0, 7) == array("q")


@pytest.mark.parametrize("count", [newlines.count, newlines.count_py])
def test_a_stretch_outside_the_buffer_is_refused(count):
    for start, end in ((-1, 2), (3, 2), (0, 6)):
        with pytest.raises(ValueError, match="not within a buffer of 5 bytes"):
            count(b"a\nb\nc", start, end)
    with pytest.raises(ValueError):
        newlines.starts(b"abc", 4, 0)


def test_blocks_number_their_lines_by_the_newlines_they_hold(tmp_path):
    path = tmp_path / "run.jsonl"
    lines = [b'{"seq": %d, "pad": "%s"}' % (n, b"x" * (n * 37 % 3000)) for n in range(2000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    with path.open("rb") as stream:
        blocks = list(iter_blocks(stream, str(path)))
    assert len(blocks) > 1
    line = 1
    for block in blocks:
        assert block.first_line == line and block.lines == bytes(block.view).count(b"\n")
        line += block.lines
    assert line == 2001


@pytest.mark.parametrize("size", [4079, 4080, 4081, 4096, 10_000, 70_001])
def test_a_long_stretch_of_newlines_is_counted_whole(size):
    """Every byte a newline, past the 255 steps of 16 bytes the compiled count adds up at a time."""
    data = b"\n" * size
    assert newlines.count(data, 0, size) == newlines.count(data, 1, size) + 1 == size
    assert list(newlines.starts(data, size, 0)) == list(range(size))
