"""What the reader reads a file through, so that no input can make it wait, spin or fill memory for nothing.

- A read that fails (`/proc/self/mem`, a disk error, a file that became a directory) is a `TraceError`
  naming the file and what the system said, exit 3, as a file that cannot be opened is.
- A source whose length is not known before it is read (standard input, a named pipe, a device such as
  `/dev/urandom`, a `.gz` file, a kernel file that says it is empty) may never end. Such a source must show an
  event within its first `PROBE` bytes, else it is not a trace: a stream of random bytes has newlines, so the
  256 MiB line bound (`blocks.MAX_LINE`) alone would never stop it. No read goes past the probe until an event
  has been seen, so memory stays within it too.
"""

from __future__ import annotations

import gzip
import io
import os
from typing import Callable

from ..model.errors import TraceError
from . import remote
from .blocks import ReadsInto
from .sources import STDIN, is_stream, unreadable

PROBE = 16 << 20  # 16 MiB: thousands of events of any real trace; a megabyte-sized first event fits many times


def probed(path: str, stream: io.IOBase) -> bool:
    """Whether `path`'s length is unknown before it is read, so it must show an event within `PROBE` bytes."""
    if path == STDIN or path.endswith(".gz") or is_stream(path):
        return True
    if remote.is_url(path):
        return False  # its size was said by the store, and a read past it is refused (`remote_read._Reading`)
    try:
        return os.fstat(stream.fileno()).st_size == 0  # /proc and /sys files say 0 and hold what they hold
    except (OSError, ValueError):
        return True


class Guarded:
    """`stream` read for the reader: a failing read is a `TraceError`; with `has_events`, the first `PROBE`
    bytes must give the reader an event (`has_events()` says whether they did)."""

    def __init__(self, stream: ReadsInto, path: str, has_events: Callable[[], bool] | None = None):
        self.stream, self.path, self.has_events = stream, path, has_events
        self.given = 0

    def readinto(self, buffer: memoryview) -> int:
        if self.has_events is not None:
            if self.given >= PROBE:
                self._probe()
            else:
                buffer = buffer[: PROBE - self.given]  # no byte past the probe before an event is seen
        try:
            count = self.stream.readinto(buffer)
        except gzip.BadGzipFile:
            raise  # the reader says it is not a readable gzip file
        except OSError as error:
            raise unreadable(self.path, error) from None
        self.given += count
        return count

    def _probe(self) -> None:
        assert self.has_events is not None
        if not self.has_events():
            raise TraceError(f"not a trace: no event in its first {PROBE >> 20} MiB", where=self.path,
                             hint="it is read as a stream (a pipe, a device, standard input or a .gz file), "
                                  "so no further: give a trace file")
        self.has_events = None


class Bounded:
    """`stream` read no further than `size` bytes from where it is: a part of a file (`TraceReader.span_records`)."""

    def __init__(self, stream: ReadsInto, size: int):
        self.stream, self.left = stream, size

    def readinto(self, buffer: memoryview) -> int:
        if self.left <= 0:
            return 0
        count = self.stream.readinto(buffer[: self.left])
        self.left -= count
        return count
