"""How far a line goes, found before it is held: a line longer than a block is looked along in its file first
(`pread`, which leaves the stream where it is), so a line past the line limit (`blocks.MAX_LINE`) is refused
having held a block or two, not the limit's worth (a 2 GB file without a newline: 290 MB at its peak before).

Only for a regular file read from a byte offset the reader knows (a whole file, a part of one): standard input,
a pipe or a `.gz` file cannot be read twice, so such a stream holds a line up to the limit before it is refused
(and must show an event within its first `streams.PROBE` bytes before any line may grow past them).
"""

from __future__ import annotations

import os
import stat

SCRATCH = 1 << 20  # one buffer, read into again and again, whatever the line's length


class LineAhead:
    """Looks along a file at `descriptor` from a byte offset for the end of a line, up to `end` (a part's end;
    None: the file's)."""

    def __init__(self, descriptor: int, end: int | None = None):
        self.descriptor, self.end = descriptor, end

    def ends_within(self, position: int, room: int) -> bool:
        """Whether the line going on at `position` ends (a newline, or the end of what is read) within `room`
        more bytes. A file that cannot be read here says nothing: True, and the read itself meets the error."""
        stop = position + room + 1  # room + 1 bytes without a newline: longer than the room
        limit = stop if self.end is None else min(stop, self.end)
        scratch = bytearray(min(SCRATCH, room + 1))
        view = memoryview(scratch)
        while position < limit:
            try:
                count = os.preadv(self.descriptor, [view[: min(len(scratch), limit - position)]], position)
            except OSError:
                return True
            if not count or scratch.find(b"\n", 0, count) >= 0:
                return True
            position += count
        return limit < stop


def line_ahead(descriptor: int, end: int | None = None) -> LineAhead | None:
    """A `LineAhead` over `descriptor` when it is a regular file with a length (not a pipe, a device, or a
    kernel file that says it is empty and holds what it holds); None otherwise."""
    try:
        status = os.fstat(descriptor)
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode) or status.st_size == 0 or not hasattr(os, "preadv"):
        return None
    return LineAhead(descriptor, end)
