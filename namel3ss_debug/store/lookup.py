"""Finding one event by seq without reading the whole run: the offset index, then a short forward read.

For each file of the run, the sidecar index (written the first time a big file is read in full) says
which seqs the file holds and where the line at or before a seq starts; the file is read from there,
line by line, until that seq. A file without a usable index is read in full, which writes its index
for the next time.

An index is checked against the file before it is believed: its first seq is the file's first event's, its
last seq the greatest from its last entry to the end, and each entry used starts a line holding the event it
names. One that fails is said once (`FILE.idx: ...`), removed and rebuilt by a full read, which gives the
answer: a wrong sidecar costs time, never a wrong event or a wrong "no event". What cannot be read as a sidecar
(a link, a FIFO, a device, a directory, more than an index of the file can hold: `index.read_sidecar`) is said
once too, and the file read in full; it is left as it is unless it is a regular file of ours.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Iterator

import orjson

from .blocks import open_trace
from .index import BadIndex, OffsetIndex, drop_index, index_path, load_index
from .line_events import envelope_problem, parse_line
from .reader import Located, TraceReader
from .sources import RunSource, is_stream, seekable
from ..model.fs import Refused
from ..model.json_types import JsonEvent

_SCAN_LIMIT = 1 << 24  # past an entry, a forward read never needs more than a stride; give up well after


class _TooFar(Exception):
    """What the index says could not be checked within `_SCAN_LIMIT` bytes: the file is read in full."""


@dataclass
class SeqRange:
    """The lowest and highest seq met while looking, for a "the run has seq 0..M" message."""

    first: int | None = None
    last: int | None = None

    def add(self, first: int | None, last: int | None) -> None:
        if first is not None:
            self.first = first if self.first is None else min(self.first, first)
        if last is not None:
            self.last = last if self.last is None else max(self.last, last)


def find_event(source: RunSource, seq: int, reader: TraceReader, seen: SeqRange | None = None) -> Located | None:
    """The event with this seq in the run, with its place; None if the run has no such event.

    `seen`, when given, learns the seq range of every file looked at (all of them when None is returned).
    """
    seen = seen if seen is not None else SeqRange()
    for path in source.files:
        found, settled = _indexed(path, seq, reader, seen)
        if found is not None:
            return found
        if settled:  # read past where it would be: an index is written only when seqs ascend
            continue
        found = _scan(path, seq, reader, source, seen)
        if found is not None:
            return found
    return None


def _indexed(path: str, seq: int, reader: TraceReader, seen: SeqRange) -> tuple[Located | None, bool]:
    """`_seek` through the file's index: `(None, False)` when it has no index, or one found wrong."""
    if not seekable(path):
        return None, False
    try:
        index = load_index(path)
        if index is None:
            return None, False
        _check_ends(path, index)
        seen.add(index.first_seq, index.last_seq)
        if not index.covers(seq):
            return None, True
        return _seek(path, index, seq, reader)
    except _TooFar:
        return None, False
    except BadIndex as bad:
        reader.problems.notice(f"{index_path(path)}: the offset index does not match {path} ({bad}): ignored, "
                               "and rebuilt as the file is read")
        drop_index(path)
        return None, False
    except Refused as refused:
        reader.problems.notice(f"{refused.path}: the offset index {refused.why}: ignored, and {path} read in full")
        drop_index(path)
        return None, False


def _check_ends(path: str, index: OffsetIndex) -> None:
    """The index's seq range is the file's: its first event has `first_seq`, and from the last entry on (a
    stride's worth) the greatest seq is `last_seq`. Raises `BadIndex`."""
    first = next(_events_from(path, 1, 0), None)
    if first is not None and first[0]["seq"] != index.first_seq:
        raise BadIndex(f"it says the first seq is {index.first_seq}, the file's first event has {first[0]['seq']}")
    line, offset = (1, 0) if not index.entries else index.entries[-1][1:]
    expected = index.entries[-1][0] if index.entries else None
    greatest = None
    for event, _, _ in _events_from(path, line, offset, expected):
        greatest = event["seq"] if greatest is None else max(greatest, event["seq"])
    if greatest is not None and greatest != index.last_seq:
        raise BadIndex(f"it says the last seq is {index.last_seq}, the file's is {greatest}")


def _events_from(path: str, line: int, offset: int, expected: int | None = None,
                 ) -> Iterator[tuple[JsonEvent, int, int]]:
    """`(event, line, offset)` of each line from `offset` (an index entry's, which must start a line that holds
    the event with seq `expected`) that is a v1 event, quietly: what the file says, not what is wrong with it.
    Raises `BadIndex` for an entry that does not hold, `_TooFar` past `_SCAN_LIMIT` bytes."""
    try:
        with open(path, "rb") as stream:
            if offset:
                stream.seek(offset - 1)
                if stream.read(1) != b"\n":
                    raise BadIndex(f"offset {offset} is in the middle of a line")
            start = offset
            for raw in _lines(stream):
                if offset - start > _SCAN_LIMIT:
                    raise _TooFar
                event = _quiet(raw)
                if expected is not None and (event is None or event["seq"] != expected):
                    raise BadIndex(f"line {line} at offset {start} does not hold seq {expected}")
                expected = None
                if event is not None:
                    yield event, line, offset
                line, offset = line + 1, offset + len(raw)
    except OSError:
        return


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of `stream` from where it is, none gathered past `_SCAN_LIMIT`: a longer one raises `_TooFar`
    (the full read that follows refuses it if it is past the line limit, without holding it)."""
    while raw := stream.readline(_SCAN_LIMIT + 1):
        if len(raw) > _SCAN_LIMIT:
            raise _TooFar
        yield raw


def _quiet(raw: bytes) -> JsonEvent | None:
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and envelope_problem(event) is None else None


def _seek(path: str, index: OffsetIndex, seq: int, reader: TraceReader) -> tuple[Located | None, bool]:
    """Read forward from the index entry at or before `seq`: `(event, True)`, `(None, True)` when the file
    has no such seq, `(None, False)` when the read gave up (the caller then reads the file in full). An entry
    that does not start a line holding its seq raises `BadIndex`."""
    entry = index.entry_for(seq)
    line, offset = index.start_for(seq)
    try:
        checked = next(_events_from(path, line, offset, entry[0] if entry else None), None)
        if checked is None and entry is not None:
            raise BadIndex(f"offset {offset} holds no event")
        with open(path, "rb") as stream:
            stream.seek(offset)
            return _forward(stream, path, line, offset, seq, reader)
    except OSError:
        return None, False


def _forward(stream: BinaryIO, path: str, line: int, offset: int, seq: int,
             reader: TraceReader) -> tuple[Located | None, bool]:
    start = offset
    for raw in _lines(stream):
        if offset - start > _SCAN_LIMIT:
            return None, False
        here, line, offset = (line, offset), line + 1, offset + len(raw)
        event = _parse(raw, f"{path}:{here[0]}", reader, tail=not raw.endswith(b"\n"))
        if event is None:
            continue
        if event["seq"] == seq:
            return Located(event, path, here[0], here[1]), True
        if event["seq"] > seq:
            return None, True
    return None, True


def _parse(raw: bytes, where: str, reader: TraceReader, tail: bool) -> JsonEvent | None:
    """A line as an event dict, problems reported as a full read would report them."""
    if not raw.strip():
        return None
    event = parse_line(raw, where, reader.problems, tail)
    if event is None:
        return None
    problem = envelope_problem(event)
    if problem is not None:
        reader.problems.invalid_line(where, problem)
        return None
    return event


def _scan(path: str, seq: int, reader: TraceReader, source: RunSource, seen: SeqRange) -> Located | None:
    """Read the whole file (so its index gets written), keeping the event asked for."""
    return scan_for(seq, reader.events(RunSource(source.label, (path,), source.run_id)), seen)


def scan_for(seq: int, events: Iterable[Located], seen: SeqRange) -> Located | None:
    """The first of `events` with this seq, read to the end so that `seen` learns their whole range."""
    found = None
    for located in events:
        number = located.event["seq"]
        seen.add(number, number)
        if found is None and number == seq:
            found = located
    return found


_FIRST_LINE = 1 << 24  # a first line longer than this is no run's first event


def first_event(source: RunSource) -> JsonEvent | None:
    """The first non-blank line of the run's first file as an event (it knows when the run started, and
    which run the file begins with); None if it is not one."""
    path = source.files[0]
    if is_stream(path):  # standard input, a pipe: read once, by the reader, and not again here
        return None
    try:
        stream, _ = open_trace(path, None)
        with stream:
            line = stream.readline(_FIRST_LINE)
            while line.endswith(b"\n") and not line.strip():
                line = stream.readline(_FIRST_LINE)
        event = orjson.loads(line) if _whole(line) else None
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    return event if isinstance(event, dict) else None


_HEAD_LINES = 8  # a v1 run's run_start follows its first segment_start: it is among the first lines


def run_start_of(source: RunSource) -> JsonEvent | None:
    """The run's `run_start` event, read from the first lines of its first file (what a listing needs
    to know of a run, such as which run it reruns, without reading the run); None when it is not there
    or the file is a stream."""
    path = source.files[0]
    if is_stream(path):
        return None
    try:
        stream, _ = open_trace(path, None)
        with stream:
            lines = _head_lines(stream)
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    for line in lines:
        try:
            event = orjson.loads(line) if line.strip() else None
        except ValueError:
            return None
        if isinstance(event, dict) and event.get("event_type") == "run_start":
            return event
    return None


def _head_lines(stream: io.BufferedIOBase) -> list[bytes]:
    """The file's first `_HEAD_LINES` whole lines; they stop before one longer than `_FIRST_LINE`, which is not
    read on (8 reads of 16 MiB of a line without end took 128 MiB) nor parsed (orjson's error about 16 MiB of
    zeros took 208 MiB)."""
    lines: list[bytes] = []
    while len(lines) < _HEAD_LINES and (not lines or lines[-1].endswith(b"\n")):
        line = stream.readline(_FIRST_LINE)
        if not _whole(line):
            break
        lines.append(line)
    return lines


def _whole(line: bytes) -> bool:
    """Whether a line read with `_FIRST_LINE` as its bound is all of the line (its newline, or the file's end)."""
    return line.endswith(b"\n") or len(line) < _FIRST_LINE


_TAIL = 1 << 20  # a run_end line is far shorter than this


def run_end_of(source: RunSource) -> JsonEvent | None:
    """The `run_end` event on the last line of the run's last file (what a header needs to know of the run's
    end, such as where a rerun parted, without reading the run; the caller checks its run id); None when that
    line is no `run_end` (an unfinished run), or the file is a stream or compressed (read front to back only)."""
    path = source.files[-1]
    if is_stream(path) or path.endswith(".gz"):
        return None
    try:
        with open(path, "rb") as stream:
            stream.seek(max(0, stream.seek(0, 2) - _TAIL))
            lines = [line for line in stream.read().splitlines() if line.strip()]
        event = orjson.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None
    return event if isinstance(event, dict) and event.get("event_type") == "run_end" else None
