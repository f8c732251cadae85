"""A sparse offset index beside a trace file: `seq` -> (line, byte offset) every ~64 KB.

`inspect --event N` seeks to the nearest entry instead of reading the whole run. The sidecar
`<file>.idx` records the size and mtime of the file it describes; any change makes it stale, and it
is rebuilt the next time the file is read in full. One that still describes the file is left as it is
(a read changes nothing beside the trace that it need not). Writing it is best effort: a read-only
directory just means no index; a reader told to keep nothing (`--no-cache`) writes none.

A sidecar is anyone's file: it is checked before it is believed. `index_problem` says what makes one that
claims to describe the file wrong in itself (fields of the wrong type, seqs, lines or offsets that do not
ascend, an offset past the end of the file, a seq outside the range it states); `lookup.py` then checks what
it says against the file itself before using it. A wrong one is ignored, said once, and rebuilt.

What is at the sidecar's name is anyone's too (a tarball or a clone of a folder of traces keeps links), so it is
read, written and removed only through `model/fs.py`: the trace's folder is followed (the user named it), the
sidecar's name is not. A link, a FIFO, a device or a directory there is `Refused` (never read through, never
waited on), and left as it is: no index is written over it, and the trace is read in full. A read never takes
more than `sidecar_limit(size)` bytes, the most a true index of a trace of that size can hold. The sidecar is
written to a new temporary at a name nobody can guess and renamed into place (0600), and only a regular file of
ours of the `.idx` shape is ever removed.
"""

from __future__ import annotations

import bisect
import os
import re
import stat as modes
from dataclasses import dataclass
from pathlib import Path

import orjson

from ..model.fs import PRIVATE_FILE, Refused, read_beside, remove_beside, replace_beside
from ..model.json_types import JsonObject

INDEX_VERSION = 1
STRIDE = 64 << 10
MIN_FILE_BYTES = 1 << 20  # smaller files are read in a blink: no sidecar for them
INDEX_FILE = re.compile(r".+\.idx")  # the only names `drop_index` removes
# An entry as written, `[seq,line,offset],`: three whole numbers of at most 20 digits (up to 2**64), 5 bytes more.
ENTRY_BYTES = 3 * 20 + len("[,,],")
HEAD_BYTES = 4096  # the fields around the entries, with room to spare


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
        entry = self.entry_for(seq)
        return (1, 0) if entry is None else (entry[1], entry[2])

    def entry_for(self, seq: int) -> tuple[int, int, int] | None:
        """The last entry at or before `seq`, or None."""
        position = bisect.bisect_right(self.entries, (seq, float("inf"), float("inf"))) - 1
        return self.entries[position] if position >= 0 else None


def index_path(trace: str) -> Path:
    return Path(trace + ".idx")


class BadIndex(ValueError):
    """A sidecar that claims to describe its trace and is wrong: why, in words."""


def sidecar_limit(size: int) -> int:
    """The most bytes the sidecar of a trace of `size` bytes can hold: an entry starts at most once every STRIDE
    bytes of the trace (the first at its start), each at most ENTRY_BYTES of JSON, and the fields around them
    take less than HEAD_BYTES. A 1 GiB trace's is at most 1.1 MB; anything larger at the name is no index of ours."""
    return HEAD_BYTES + ENTRY_BYTES * (size // STRIDE + 2)


def read_sidecar(trace: str, size: int) -> bytes | None:
    """The bytes at `trace`'s sidecar (of a trace of `size` bytes), None when there is none. Raises `Refused`
    (an OSError) for a link, anything but a regular file, or more than `sidecar_limit(size)` bytes, and OSError
    when it cannot be read."""
    return read_beside(index_path(trace), limit=sidecar_limit(size))


def load_index(trace: str) -> OffsetIndex | None:
    """The sidecar's index if it exists and still describes `trace`; None when there is none or it is stale.
    One that claims to describe the file but is wrong in itself raises `BadIndex`; one that cannot be read as
    a sidecar (a link, a FIFO, a device, too large: `read_sidecar`) raises `Refused`."""
    try:
        stat = os.stat(trace)
        found = read_sidecar(trace, stat.st_size)
        data = orjson.loads(found) if found is not None else None
    except Refused:
        raise
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or (data.get("v"), data.get("size"), data.get("mtime_ns")) != (
            INDEX_VERSION, stat.st_size, stat.st_mtime_ns):
        return None  # not ours, an older version, or stale: rebuilt by the next full read, nothing to say
    problem = index_problem(data, stat.st_size)
    if problem is not None:
        raise BadIndex(problem)
    entries = tuple((seq, line, offset) for seq, line, offset in data["entries"])
    return OffsetIndex(stat.st_size, stat.st_mtime_ns, data["first_seq"], data["last_seq"], entries)


def index_problem(data: JsonObject, size: int) -> str | None:
    """What is wrong in a sidecar's body for a file of `size` bytes, or None."""
    # Any: a JSON document read from disk, whatever it holds; this function is what checks it
    first, last, entries = data.get("first_seq"), data.get("last_seq"), data.get("entries")
    if (first is None) != (last is None) or not all(_integer(n) for n in (first, last) if n is not None):
        return "`first_seq` and `last_seq` are not both whole numbers"
    if first is not None and not 0 <= first <= last:
        return f"`first_seq` {first} is past `last_seq` {last}"
    if not isinstance(entries, list) or (entries and first is None):
        return "`entries` is not a list of a file with events"
    previous = (-1, 0, -1)
    for number, entry in enumerate(entries):
        problem = _entry_problem(entry, previous, first, last, size)
        if problem is not None:
            return f"entry {number}: {problem}"
        previous = tuple(entry)
    return None


def _entry_problem(entry: object, previous: tuple[int, ...], first: int | None, last: int | None,
                   size: int) -> str | None:
    if not isinstance(entry, list) or len(entry) != 3 or not all(_integer(n) for n in entry):
        return "not three whole numbers (seq, line, offset)"
    seq, line, offset = entry
    if not 0 <= offset < size:
        return f"offset {offset} is outside the file ({size} bytes)"
    if first is None or last is None or not first <= seq <= last:
        return f"seq {seq} is outside the range the index states"
    if seq <= previous[0] or line <= previous[1] or offset <= previous[2]:
        return "seq, line and offset do not all go up"
    if line - previous[1] > offset - previous[2]:
        return f"line {line} cannot start at offset {offset}"  # every line takes a byte at least
    return None


def _integer(value: object) -> bool:
    return type(value) is int


def drop_index(trace: str) -> None:
    """Remove a sidecar found wrong, so that the next full read writes a true one: only a regular file of ours
    (a link or another user's file is left). Never raises."""
    remove_beside(index_path(trace), INDEX_FILE)


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

    def write(self, size_before: int, mtime_before: int) -> None:
        """Write the sidecar, unless the file changed while it was read or is small."""
        try:
            stat = os.stat(self.trace)
            if (stat.st_size, stat.st_mtime_ns) != (size_before, mtime_before) or stat.st_size < self.min_bytes:
                return
            if not self._sorted or not _ours_or_none(index_path(self.trace)) or _describes(self.trace, stat):
                return
            body = orjson.dumps({"v": INDEX_VERSION, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                 "first_seq": self.first_seq, "last_seq": self.last_seq, "entries": self.entries})
            replace_beside(index_path(self.trace), lambda out: out.write(body), mode=PRIVATE_FILE)
        except OSError:
            pass


def _ours_or_none(sidecar: Path) -> bool:
    """Whether the sidecar's name holds nothing, or a regular file of ours: only then is it written, so that a
    link, a FIFO, a device, a directory or another user's file put there is left as it is."""
    try:
        found = os.lstat(sidecar)
    except FileNotFoundError:
        return True
    return modes.S_ISREG(found.st_mode) and found.st_uid == os.geteuid()


def _describes(trace: str, stat: os.stat_result) -> bool:
    """Whether the sidecar there already describes the file as it is now, and is sound in itself: then it is
    not written again."""
    try:
        data = orjson.loads(read_sidecar(trace, stat.st_size) or b"null")
        return (data.get("v"), data.get("size"), data.get("mtime_ns")) == (
            INDEX_VERSION, stat.st_size, stat.st_mtime_ns) and index_problem(data, stat.st_size) is None
    except (OSError, ValueError, AttributeError):
        return False
