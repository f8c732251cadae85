"""Where to cut a big run in two, so that its halves can be read side by side (`analysis/merge.py`).

A good cut is a quiet point: only the run's root span open, none of its children. In a run that serves
requests one after another, that is just after a child of the root ends, which is what `find_cut`
looks for from the middle of the run on. Whether it really was quiet is known only once the first
half is read; the merge checks, and the run is read in one pass if it was not.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from typing import Any

import orjson

from ...store import newlines
from ...store.reader import Part
from ...store.sources import RunSource, seekable

MIN_BYTES = 32 << 20  # below this a run is read in a quarter of a second: two processes would not pay
SCAN_BYTES = 8 << 20  # how far past the middle to look for a quiet point
_SCAN_STEP = 256 << 10
HEAD_LINES = 64  # how many first lines may come before run_start


@dataclass(frozen=True)
class Cut:
    first: Part
    second: Part
    root_id: str
    start_attrs: dict[str, Any] | None
    first_event: dict[str, Any]


# The first half's share of the bytes, so that both halves are done together: the second reader first counts the
# lines before its half (0.07 s before the second half of a 1 GiB run), then sends what it made. `analyze` sends
# a tally of about 10 MB for a 1 GiB run (0.07 s to pickle), so it gives the first half more (`ops/analyze`).
FIRST_SHARE = 0.52
_HEAD_LINE = 16 << 20  # a run_start longer than this is not looked for: the run is read in one pass
_WINDOW = 16 << 20  # bytes of a file mapped at once to count its lines (a multiple of the page size)


def halving_cut(sources: list[RunSource], share: float = FIRST_SHARE) -> Cut | None:
    """Where to cut the one run named so that its halves are read side by side (`analyze`, `check`, `replay`):
    a machine that can fork and has a second CPU, one run of MIN_BYTES or more, a quiet point near its middle
    (`share` of its bytes in the first half); None to read it in one pass."""
    if len(sources) != 1 or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return None
    return find_cut(sources[0], share=share)


def find_cut(source: RunSource, min_bytes: int = MIN_BYTES, share: float = FIRST_SHARE) -> Cut | None:
    """A quiet point just past `share` of a big run of plain v1 files, or None to read it in one pass (a run
    under `min_bytes` without reading a line of it)."""
    files = source.files
    if not all(seekable(file) for file in files):
        return None
    try:
        sizes = [os.stat(file).st_size for file in files]
        head = _head(files[0]) if sum(sizes) >= min_bytes else None
    except OSError:
        return None
    if head is None:
        return None
    first_event, root_id, attrs = head
    index, offset = _middle(sizes, share)
    found = _quiet_point(files[index], offset, root_id)
    if found is None:
        return None
    return Cut(Part((0, 0), (index, found)), Part((index, found)), root_id, attrs, first_event)


def numbered(cut: Cut, source: RunSource) -> Part:
    """The second half with the number of its first line (counting takes a moment: the second reader does it)."""
    index, offset = cut.second.begin
    return Part(cut.second.begin, None, _lines_before(source.files[index], offset) + 1)


def _head(path: str) -> tuple[dict[str, Any], str, dict[str, Any] | None] | None:
    """The run's first event, and its root span id and attrs from `run_start` (a v1 run only)."""
    first = None
    with open(path, "rb") as stream:
        for _ in range(HEAD_LINES):
            line = stream.readline(_HEAD_LINE)
            if not line or not line.endswith(b"\n"):  # the end, or a line too long to be a run's head
                return None
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                return None
            if not isinstance(event, dict) or event.get("v") != 1:
                return None
            first = first or event
            if event.get("event_type") == "run_start" and isinstance(event.get("span_id"), str):
                attrs = event.get("attrs")
                return first, event["span_id"], attrs if isinstance(attrs, dict) else None
    return None


def _middle(sizes: list[int], share: float) -> tuple[int, int]:
    """(file index, offset) of the byte `share` of the way into the run."""
    left = int(sum(sizes) * share)
    for index, size in enumerate(sizes):
        if left < size:
            return index, left
        left -= size
    return len(sizes) - 1, sizes[-1]


def _quiet_point(path: str, offset: int, root_id: str) -> int | None:
    """The offset just after the first end of a root child in the SCAN_BYTES past `offset`, read a step at a
    time: the first is usually a few lines on, and reading all of them took 5 ms before the first half began."""
    data, position = bytearray(), -1  # position: where the next whole line starts in data (-1: none yet)
    with open(path, "rb") as stream:
        stream.seek(offset)
        while len(data) < SCAN_BYTES:
            more = stream.read(min(_SCAN_STEP, SCAN_BYTES - len(data)))
            if not more:
                return None
            data += more
            if position < 0:
                position = data.find(b"\n") + 1 or -1
            while position >= 0:
                end = data.find(b"\n", position)
                if end < 0:
                    break
                if _ends_a_root_child(bytes(data[position:end]), root_id):
                    return offset + end + 1
                position = end + 1
    return None


def _ends_a_root_child(line: bytes, root_id: str) -> bool:
    if b'_end"' not in line:
        return False
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return (isinstance(event, dict) and str(event.get("event_type", "")).endswith("_end")
            and event.get("parent_id") == root_id)


def _lines_before(path: str, offset: int) -> int:
    """Newlines in the first `offset` bytes (at most the file's size): the line numbers of the second half start
    after them. Counted in the file's own pages, mapped `_WINDOW` bytes at a time: nothing is copied (reading
    them into a buffer took twice as long), and no more than a window is mapped at once, so the pages do not
    pile up in the process's resident memory as a whole mapping's would."""
    count = 0
    with open(path, "rb") as stream:
        offset = min(offset, os.fstat(stream.fileno()).st_size)
        for start in range(0, offset, _WINDOW):
            length = min(_WINDOW, offset - start)
            with mmap.mmap(stream.fileno(), length, access=mmap.ACCESS_READ, offset=start) as window, \
                    memoryview(window) as pages:
                count += newlines.count(pages, 0, length)
    return count
