"""Counting a block's newlines and finding where its lines start: in C where the optional extension
`_lines` was built (16 bytes a step), else with bytes methods. The answers are the same either way (tests
compare the two on generated blocks); `ACCELERATED` says which is used.

    lines = count(buffer, 0, size)           # newlines in buffer[0:size]
    offsets = starts(buffer, size, base)     # array("q"): base + where each line of buffer[:size] starts
"""

from __future__ import annotations

from array import array
from typing import Union

Buffer = Union[bytes, bytearray, memoryview]


def count_py(buffer: Buffer, start: int, end: int) -> int:
    """The newlines in `buffer[start:end]`: the reference."""
    _check(buffer, start, end)
    return bytes(buffer[start:end]).count(b"\n") if isinstance(buffer, memoryview) else buffer.count(b"\n", start, end)


def starts_py(buffer: Buffer, end: int, base: int) -> array[int]:
    """`base` plus the offset of each line of `buffer[:end]` (a line starts at 0 and after each newline
    that is not the last byte): the reference."""
    _check(buffer, 0, end)
    data = bytes(buffer[:end]) if isinstance(buffer, memoryview) else buffer
    found, position = array("q"), 0
    add = found.append
    while position < end:
        add(base + position)
        position = data.find(b"\n", position, end) + 1
        if not position:
            break
    return found


def _check(buffer: Buffer, start: int, end: int) -> None:
    if start < 0 or end < start or end > len(buffer):
        raise ValueError(f"stretch [{start}, {end}) is not within a buffer of {len(buffer)} bytes")


try:
    from . import _lines  # type: ignore[attr-defined]  # a C extension: no types to read
except ImportError:  # no compiler at install time: the reference
    count = count_py
    starts = starts_py
    ACCELERATED = False
else:
    count = _lines.count

    def starts(buffer: Buffer, end: int, base: int) -> array[int]:
        """`starts_py`, in C."""
        found = array("q")
        found.frombytes(_lines.starts(buffer, end, base))
        return found

    ACCELERATED = True
