"""A sparse offset index beside a trace file: `seq` -> (line, byte offset) every ~64 KB.

`inspect --event N` seeks to the nearest entry instead of reading the whole run. The sidecar
`<file>.idx` records the size and mtime of the file it describes; any change makes it stale, and it
is rebuilt the next time the file is read in full. One that still describes the file is left as it is
(a read changes nothing beside the trace that it need not). Writing it is best effort: a read-only
directory just means no index; a reader told to keep nothing (`--no-cache`) writes none.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from pathlib import Path

import orjson

INDEX_VERSION = 1
STRIDE = 64 << 10
MIN_FILE_BYTES = 1 << 20  # smaller files are read in a blink: no sidecar for them


@dataclass(frozen=True)
class OffsetIndex:
    size: int
    mtime_ns: int
    first_seq: int | None
    last_seq: int | None
    entries: tuple[tuple[int, int, int], ...]  # (seq, line, offset), seq ascending

    def covers(self, seq: int) -> bool:
        return self.first_seq is not None and self.last_seq is not None and self.first_seq <= seq <= self.last_seq

    def start_for(self, seq: int) -> tuple[int, int]:
        """`(line, offset)` of the last indexed line at or before `seq`; the file's start if none."""
        position = bisect.bisect_right(self.entries, (seq, float("inf"), float("inf"))) - 1
        if position < 0:
            return 1, 0
        _, line, offset = self.entries[position]
        return line, offset


def index_path(trace: str) -> Path:
    return Path(trace + ".idx")


def load_index(trace: str) -> OffsetIndex | None:
    """The sidecar's index if it exists and still describes `trace`; None otherwise."""
    try:
        stat = os.stat(trace)
        data = orjson.loads(index_path(trace).read_bytes())
        if data.get("v") != INDEX_VERSION or data["size"] != stat.st_size or data["mtime_ns"] != stat.st_mtime_ns:
            return None
        entries = tuple((int(s), int(n), int(o)) for s, n, o in data["entries"])
        return OffsetIndex(stat.st_size, stat.st_mtime_ns, data["first_seq"], data["last_seq"], entries)
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None


class IndexBuilder:
    """Collects entries while a reader goes through a file, then writes the sidecar if the file is big enough."""

    def __init__(self, trace: str, min_bytes: int = MIN_FILE_BYTES):
        self.trace = trace
        self.min_bytes = min_bytes
        self.stride = STRIDE
        self.entries: list[tuple[int, int, int]] = []
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self._next = 0
        self._sorted = True

    def wants(self, offset: int) -> bool:
        return offset >= self._next

    def add(self, seq: int, line: int, offset: int) -> None:
        if self.entries and seq <= self.entries[-1][0]:
            self._sorted = False  # seq going backwards: the index could mislead, so none is written
        self.entries.append((seq, line, offset))
        self._next = offset + self.stride

    def seen(self, first: int, last: int) -> None:
        """The seq range of some events of the file (each block's, or each event's)."""
        self.first_seq = first if self.first_seq is None else min(self.first_seq, first)
        self.last_seq = last if self.last_seq is None else max(self.last_seq, last)

    def absorb(self, later: "IndexBuilder") -> None:
        """Add the entries of the file's next part, read by another reader (a run read in two halves)."""
        for seq, line, offset in later.entries:
            self.add(seq, line, offset)
        self._sorted = self._sorted and later._sorted
        if later.first_seq is not None and later.last_seq is not None:
            self.seen(later.first_seq, later.last_seq)

    def write(self, size_before: int, mtime_before: int) -> None:
        """Write the sidecar, unless the file changed while it was read or is small."""
        try:
            stat = os.stat(self.trace)
            if (stat.st_size, stat.st_mtime_ns) != (size_before, mtime_before) or stat.st_size < self.min_bytes:
                return
            if not self._sorted or _describes(index_path(self.trace), stat):
                return
            body = {"v": INDEX_VERSION, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                    "first_seq": self.first_seq, "last_seq": self.last_seq, "entries": self.entries}
            target = index_path(self.trace)
            temporary = target.with_name(target.name + f".{os.getpid()}.tmp")
            temporary.write_bytes(orjson.dumps(body))
            os.replace(temporary, target)
        except OSError:
            pass


def _describes(sidecar: Path, stat: os.stat_result) -> bool:
    """Whether the sidecar there already describes the file as it is now: then it is not written again."""
    try:
        data = orjson.loads(sidecar.read_bytes())
        return (data.get("v"), data.get("size"), data.get("mtime_ns")) == (INDEX_VERSION, stat.st_size,
                                                                          stat.st_mtime_ns)
    except (OSError, ValueError, AttributeError):
        return False
