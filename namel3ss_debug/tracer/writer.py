"""A buffered JSONL writer with rotation into numbered segment files.

Segments of run `R` are `R.0000.jsonl`, `R.0001.jsonl`, ...; the caller writes a `segment_start` event
first in each. Lines are appended to one reused bytearray and written with whole-line `os.write` calls,
so a crash leaves at most a torn last line and loses at most the unflushed buffer.

A write that fails (a full disk) leaves its lines in the buffer for the next try, and no new segment is
started until a write succeeds again. Past `MAX_BUFFER_BYTES` waiting, the lines in the middle are dropped
and counted: the oldest (the segment's `segment_start`, the run's `run_start`) and the newest stay. The run's
end tries its last writes again for up to `END_RETRY_SECONDS`, so that a disk full for a moment still gets
`run_end`. A write that still fails then (a disk that stays full, a file-size limit such as `RLIMIT_FSIZE`)
ends the run with what could be written: the lines still waiting are dropped and counted (`settle`), and if
even `run_end` does not fit, whole lines are cut from the end of the segment, counted too, until it does
(`close`): the trace then ends with `run_end`, its `dropped` equal to the seq numbers missing.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import time
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Callable

from ..model.files import segment_name
from ..model.fs import READ_FLAGS, Folder
from ..model.seals import Seals, Sealing
from ..model.writing import open_for_writing

MAX_BUFFER_BYTES = 16 * 1024 * 1024
END_RETRY_SECONDS = 2.0
RETRY_PAUSE_SECONDS = 0.02
ROOM_TRIES = 6  # each cuts four times as much as the last: from 8 KB up to 8 MB
FIRST_ROOM_BYTES = 8192  # more than a file system's block, so that cutting frees one on a full disk
TAIL_READ_BYTES = 1 << 20
# A disk that is full, or a quota that is used up, may have room again a moment later; other errors stay.
PASSING_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT})


def segment_path(directory: Path, run_id: str, index: int) -> Path:
    return directory / segment_name(run_id, index)


@dataclass(eq=False)
class RotatingJsonlWriter:
    """Appends serialized lines; `should_rotate` and `rotate` are separate, as in `logging.handlers`.

    Not thread-safe by itself: the recorder calls it under its lock.
    """

    directory: Path
    run_id: str
    _: KW_ONLY
    buffer_size: int = 256
    max_bytes: int = 0
    max_events: int = 0
    max_files: int = 0
    seals: Seals | None = None  # each segment's bytes are digested, and noted as written here when it is closed

    def __post_init__(self) -> None:
        self._set_limits()
        self.index = -1
        self.path: Path | None = None
        self.paths: list[Path] = []
        self.deleted: list[Path] = []
        self.deleted_events = 0  # events in deleted segments: lost, leaving a gap in seq
        self.discarded_events = 0  # events dropped while writes kept failing
        self._segment_sizes: dict[Path, int] = {}
        self._fd: int | None = None
        self._buffer = bytearray()
        self._pending = 0
        self._segment_bytes = 0
        self._segment_events = 0
        self._failing = False  # the last write failed: no rotation until one succeeds
        self._closed = False
        self._gave_up = False  # settle could not write what waited
        self._sealing: Sealing | None = None  # the open segment's; None once it was cut (or without seals)

    def _set_limits(self) -> None:
        # 0 means no limit: as limits that are never reached, so the per-line test is two comparisons.
        self._byte_limit = self.max_bytes or sys.maxsize
        self._event_limit = self.max_events or sys.maxsize

    def should_rotate(self, line_length: int) -> bool:
        """True when a line of `line_length` bytes belongs in a new segment: none is open yet, or it would
        overflow the current one (never for an empty one, nor while writes fail)."""
        events = self._segment_events
        if events == 0:
            return self.path is None
        return events >= self._event_limit or self._segment_bytes + line_length > self._byte_limit

    def rotate(self) -> Path:
        """Flush and start the next segment; drop the oldest ones beyond `max_files`.

        When the current segment's lines cannot be written, or the next file cannot be opened (a full disk),
        raises OSError with nothing changed: the lines go on waiting in the segment they belong to. The
        first segment is opened by the next flush when it cannot be now, its lines waiting meanwhile."""
        self.flush()
        path = segment_path(self.directory, self.run_id, self.index + 1)
        try:
            new_fd: int | None = self._open(path)  # locked while open, the next before the last is closed
        except OSError:
            if self.path is not None:
                self._start_failing()
                raise
            new_fd = None
        old_fd, self._fd = self._fd, new_fd  # swap before closing: a signal handler may flush meanwhile
        old_sealing, self._sealing = self._sealing, self.seals.sealing() if self.seals is not None else None
        if old_fd is not None:
            os.close(old_fd)
            if old_sealing is not None:
                old_sealing.note()
        if self.path is not None:
            self._segment_sizes[self.path] = self._segment_events
        self.index += 1
        self.paths.append(path)
        self.path = path
        self._segment_bytes = self._segment_events = 0
        self._prune()
        return path

    def append(self, line: bytes) -> None:
        """Buffer one serialized line (newline included); flush when `buffer_size` lines wait."""
        if self.path is None:  # no segment yet: the first one
            self.rotate()
        self._buffer += line
        self._pending += 1
        self._segment_bytes += len(line)
        self._segment_events += 1
        if self._pending >= self.buffer_size:
            self.flush()

    def flush(self) -> None:
        """Write what waits. A failed write raises OSError, its lines kept for the next try (see the module's
        docstring for the limit)."""
        try:
            self._write_out()
        except OSError:
            self._start_failing()
            if len(self._buffer) > MAX_BUFFER_BYTES:
                self._drop_middle()
            self._pending = 0  # try again after another buffer's worth of lines, not on every line
            raise
        self._pending = 0
        if self._failing:
            self._failing = False
            self._set_limits()

    def settle(self) -> None:
        """Before the run's last line: write what waits (a full disk tried again for up to END_RETRY_SECONDS).
        What still cannot be written is dropped and counted, and a line written in part is cut from the file,
        so that the counts `run_end` reports, built next, are final; the OSError is raised then."""
        try:
            self._write_retrying()
        except OSError:
            self._gave_up = True  # the run's last line is not tried for as long again
            dropped = self._buffer.count(b"\n")  # the rest of a line written in part ends in one of these
            self._count_dropped(dropped, len(self._buffer))
            self._buffer.clear()
            self._cut_back(0)
            raise

    def close(self, last: Callable[[], bytes] | None = None) -> None:
        """Write what waits (the run's last line) and close the file. A full disk is tried again for up to
        END_RETRY_SECONDS. With `last` (the last line, built again with the counts as they then are), a write
        that still fails cuts whole lines from the end of the segment until it fits; they are counted as
        dropped. What cannot be written even so is lost with the OSError raised."""
        try:
            try:
                self._write_retrying()
            except OSError:
                if last is None or not self._end_in_room(last):
                    raise
        finally:
            self._closed = True
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)
                if self._sealing is not None:
                    self._sealing.note()

    def _write_retrying(self) -> None:
        deadline = time.monotonic() + (0 if self._gave_up else END_RETRY_SECONDS)
        while True:
            try:
                self._write_out()
                return
            except OSError as failure:
                if failure.errno not in PASSING_ERRORS or time.monotonic() >= deadline:
                    raise
                time.sleep(RETRY_PAUSE_SECONDS)

    def _end_in_room(self, last: Callable[[], bytes]) -> bool:
        """Cut whole lines from the segment's end, four times as many bytes each try, until `last` fits."""
        room = max(FIRST_ROOM_BYTES, 2 * len(self._buffer))
        for _ in range(ROOM_TRIES):
            self._buffer.clear()  # the last line, or what of it was not written: cut from the file next
            if not self._cut_back(room):
                return False
            self._buffer += last()
            try:
                self._write_out()
                return True
            except OSError:
                room *= 4
        return False

    def _cut_back(self, room: int) -> bool:
        """Cut the segment back to the end of a whole line at least `room` bytes before its end (with 0, just
        the part of a line written in part), counting the whole lines cut as dropped; that part was counted
        with what waited. False when no such line end is found but the file's start (Windows, which has no
        `pread`, never cuts)."""
        fd = self._fd
        if fd is None or self.path is None or not hasattr(os, "pread"):
            return False
        size = os.fstat(fd).st_size
        start = max(0, size - room - TAIL_READ_BYTES)
        tail = _read_back(self.path, fd, start, size - start)
        if tail is None:
            return False  # another file is at the segment's name now: nothing of it is ours to read
        end = tail.rfind(b"\n") + 1  # just after the last whole line
        cut = tail.rfind(b"\n", 0, max(0, len(tail) - room)) + 1 if room else end
        if cut == 0 and (start > 0 or room):
            return False  # nothing whole to cut back to, or it would take the segment's first line
        lines = tail.count(b"\n", cut, end)
        os.ftruncate(fd, start + cut)
        self._sealing = None  # the digest holds what was cut: the file is not noted as written here
        self._count_dropped(lines, len(tail) - cut)
        return True

    def _count_dropped(self, lines: int, nbytes: int) -> None:
        self.discarded_events += lines
        self._segment_events -= lines  # not counted again if the segment is deleted later
        self._segment_bytes -= nbytes

    def _write_out(self) -> None:
        # The bytearray itself goes to os.write, never a memoryview of it: a view kept alive (by a signal
        # handler's frame, say) would make the buffer impossible to resize afterwards.
        buffer = self._buffer
        if buffer and self._fd is None and self.path is not None and not self._closed:
            self._fd = self._open(self.path)  # the first segment, which could not be opened when it began
        while buffer and self._fd is not None:
            written = os.write(self._fd, buffer)
            if self._sealing is not None:
                self._sealing.update(buffer if written == len(buffer) else buffer[:written])
            del buffer[:written]

    def _open(self, path: Path) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        return open_for_writing(path)  # locked while open: see model/writing

    def _start_failing(self) -> None:
        """No new segment while writes fail: a rotation would only try (and fail) again on every line."""
        self._failing = True
        self._byte_limit = self._event_limit = sys.maxsize

    def _drop_middle(self) -> None:
        """Drop the whole lines in the middle of the buffer, keeping a quarter of MAX_BUFFER_BYTES at each end:
        the oldest (the segment's `segment_start`, the run's `run_start`, and the rest of a line written in
        part) and the newest. Each drop is counted, and takes the buffer down to half the limit, so that
        lines are dropped once in a while, not on every try."""
        buffer, keep = self._buffer, MAX_BUFFER_BYTES // 4
        head = buffer.find(b"\n", keep - 1) + 1  # whole lines up to at least `keep` bytes
        tail = buffer.find(b"\n", len(buffer) - keep - 1) + 1  # the first line within the last `keep` bytes
        if head == 0 or tail <= head:  # a line longer than the limit: nothing whole to drop around it
            return
        dropped = buffer.count(b"\n", head, tail)
        del buffer[head:tail]
        self._count_dropped(dropped, tail - head)

    def _prune(self) -> None:
        while self.max_files and len(self.paths) > self.max_files:
            oldest = self.paths.pop(0)
            _remove_segment(oldest, self.run_id)
            self.deleted.append(oldest)
            self.deleted_events += self._segment_sizes.pop(oldest, 0)


def _read_back(path: Path, fd: int, start: int, count: int) -> bytes | None:
    """`count` bytes from `start` of the segment we hold open as `fd` (to append only, so it is opened again to
    read): read only if what is at its name is still that file (no link followed, no FIFO waited on)."""
    try:
        reader = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        held, found = os.fstat(fd), os.fstat(reader)
        if (held.st_dev, held.st_ino) != (found.st_dev, found.st_ino):
            return None
        return os.pread(reader, count, start)
    finally:
        os.close(reader)


def _remove_segment(path: Path, run_id: str) -> None:
    """Remove a segment of this run dropped by `max_files`: a regular file of ours of this run's segment shape,
    whatever else is at its name now is left (`Folder.remove`). Never raises: the tracer goes on."""
    try:
        with Folder.open(path.parent, follow=True) as folder:
            folder.remove(path.name, re.compile(rf"{re.escape(run_id)}\.\d{{4,}}\.jsonl"))
    except OSError:
        pass
