"""A buffered JSONL writer with rotation into numbered segment files.

Segments of run `R` are `R.0000.jsonl`, `R.0001.jsonl`, ...; the caller writes a `segment_start` event
first in each. Lines are appended to one reused bytearray and written with whole-line `os.write` calls,
so a crash leaves at most a torn last line and loses at most the unflushed buffer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..model.files import segment_name
from ..model.writing import open_for_writing

MAX_BUFFER_BYTES = 16 * 1024 * 1024


def segment_path(directory: Path, run_id: str, index: int) -> Path:
    return directory / segment_name(run_id, index)


class RotatingJsonlWriter:
    """Appends serialized lines; `should_rotate` and `rotate` are separate, as in `logging.handlers`.

    Not thread-safe by itself: the recorder calls it under its lock.
    """

    def __init__(
        self,
        directory: Path,
        run_id: str,
        *,
        buffer_size: int = 256,
        max_bytes: int = 0,
        max_events: int = 0,
        max_files: int = 0,
    ):
        self.directory = directory
        self.run_id = run_id
        self.buffer_size = buffer_size
        self.max_bytes = max_bytes
        self.max_events = max_events
        self.max_files = max_files
        # 0 means no limit: as limits that are never reached, so the per-line test is two comparisons.
        self._byte_limit = max_bytes or sys.maxsize
        self._event_limit = max_events or sys.maxsize
        self.index = -1
        self.path: Path | None = None
        self.paths: list[Path] = []
        self.deleted: list[Path] = []
        self.deleted_events = 0  # events in deleted segments: lost, leaving a gap in seq
        self.discarded_events = 0  # events dropped after writes kept failing
        self._segment_sizes: dict[Path, int] = {}
        self._fd: int | None = None
        self._buffer = bytearray()
        self._pending = 0
        self._segment_bytes = 0
        self._segment_events = 0

    def should_rotate(self, line_length: int) -> bool:
        """True when a line of `line_length` bytes belongs in a new segment: none is open yet, or it would
        overflow the current one (never for an empty one)."""
        events = self._segment_events
        if events == 0:
            return self._fd is None
        return events >= self._event_limit or self._segment_bytes + line_length > self._byte_limit

    def rotate(self) -> Path:
        """Flush and start the next segment; drop the oldest ones beyond `max_files`."""
        self.flush()
        self.index += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = segment_path(self.directory, self.run_id, self.index)
        new_fd = open_for_writing(path)  # locked while open, the next before the last is closed: see model/writing
        old_fd, self._fd = self._fd, new_fd  # swap before closing: a signal handler may flush meanwhile
        if old_fd is not None:
            os.close(old_fd)
        if self.path is not None:
            self._segment_sizes[self.path] = self._segment_events
        self.paths.append(path)
        self.path = path
        self._segment_bytes = self._segment_events = 0
        self._prune()
        return path

    def append(self, line: bytes) -> None:
        """Buffer one serialized line (newline included); flush when `buffer_size` lines wait."""
        if self._fd is None:  # no segment open yet: the first one
            self.rotate()
        self._buffer += line
        self._pending += 1
        self._segment_bytes += len(line)
        self._segment_events += 1
        if self._pending >= self.buffer_size:
            self.flush()

    def flush(self) -> None:
        # The bytearray itself goes to os.write, never a memoryview of it: a view kept alive (by a signal
        # handler's frame, say) would make the buffer impossible to resize afterwards.
        buffer = self._buffer
        try:
            while buffer and self._fd is not None:
                written = os.write(self._fd, buffer)
                del buffer[:written]
        except OSError:
            self._give_up_if_full()
            raise
        self._pending = 0

    def _give_up_if_full(self) -> None:
        """After a failed write (a full disk), keep the lines for the next try, up to MAX_BUFFER_BYTES;
        past that, drop them and count them, rather than grow without end."""
        if len(self._buffer) > MAX_BUFFER_BYTES:
            # Every line kept since the first failed write, not only those of the last try: one newline each.
            self.discarded_events += self._buffer.count(b"\n")
            self._buffer.clear()
        self._pending = 0  # try again after another buffer's worth of lines, not on every line

    def close(self) -> None:
        self.flush()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def _prune(self) -> None:
        while self.max_files and len(self.paths) > self.max_files:
            oldest = self.paths.pop(0)
            try:
                oldest.unlink()
            except OSError:
                pass
            self.deleted.append(oldest)
            self.deleted_events += self._segment_sizes.pop(oldest, 0)
