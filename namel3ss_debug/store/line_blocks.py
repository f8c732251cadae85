"""A block of records with what they were read from, for readers that look at the raw text first.

`check --forbid-secrets` runs the tracer's pre-scan over each line's bytes and decodes only the lines it
flags; the records go to `analyze` and the other rules as usual. Places and lines are made only when
asked for, so a reader that wants neither pays nothing for them.
"""

from __future__ import annotations

from array import array
from typing import Callable, Iterable, Iterator, Sequence

import orjson

from . import newlines
from .blocks import Block
from .lines import decode_line
from .located import Located
from .records import EventRecord
from ..model.json_types import JsonEvent

# (record, line number, byte offset, what it was made from: its line's bytes, or a mapped format's event dict)
Made = tuple[EventRecord, int, int, "bytes | JsonEvent"]
_RUN = 16 * 1024  # bytes of lines `picked` tests at once


def line_starts(block: Block, base: int) -> array[int]:
    """`base` plus where each line of `block` starts: a pass over the block's bytes."""
    return newlines.starts(block.buffer, block.size, base)


class LineBlock:
    """The records of one block of a file (`file`: its index in the run), and where each came from.

    Either `block` is given, and record k is line k of it (the fast path: no blank or bad line), or `made`
    holds each record with its place and source (a v1 line read alone, or the event a mapped format made).
    `mapped`: the file is in a foreign format, so an event is not the text of the line it is placed at.
    The block's buffer must be read before the reader moves two blocks on (see `iter_blocks`' reuse).
    """

    def __init__(self, file: int, path: str, records: Sequence[EventRecord], block: Block | None = None,
                 made: Sequence[Made] | None = None, mapped: bool = False):
        self.file, self.path, self.records, self.mapped = file, path, records, mapped
        self._block, self._made = block, made

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[EventRecord]:
        return iter(self.records)

    def line_numbers(self) -> Sequence[int]:
        """Each record's line number (0 for an event a mapper made at the end)."""
        block = self._block
        if block is None:
            return [number for _, number, _, _ in self._made or ()]
        return range(block.first_line, block.first_line + len(self.records))

    def offsets(self) -> array[int]:
        """Each record's byte offset: a pass over the block's lines, so asked for only when needed."""
        block = self._block
        if block is None:
            return array("q", [offset for _, _, offset, _ in self._made or ()])
        return line_starts(block, block.offset)

    def numbered(self) -> Iterable[tuple[EventRecord, int]]:
        """`(record, line number)` for each record."""
        return zip(self.records, self.line_numbers())

    @property
    def decoded(self) -> bool:
        """Whether record k is line k of the block, decoded whole by the typed decoder: every field the
        record names (its raw `inputs` and `outputs` too) is the line's own, of the type the format says."""
        return self._block is not None

    def events(self) -> list[Located]:
        """Each event of a block that is not `decoded`, as a dict with its place: its line decoded again, or
        the event a mapped format made (for readers that take an event as it was written, such as a line one
        field of which the typed decoder would not take)."""
        assert self._made is not None, "a decoded block's records are its events"
        found = []
        for _, number, offset, source in self._made:
            event = decode_line(source) if type(source) is bytes else source
            if isinstance(event, dict):
                found.append(Located(event, self.path, number, offset))
        return found

    def picked(self, pick: Callable[[bytes], bool]) -> list[Located]:
        """The events whose JSON text `pick` says yes to, as dicts with their place.

        `pick` looks for bytes within a line: given several lines, it says yes when it would to one of them
        (the tracer's pre-scan and a search for `"error"` do), which lets it pass a run of lines at once.

        The text is the line as written; an event a mapped format made has no line of its own, so its
        JSON is made for the test (one that cannot be serialized is picked: the test must not miss it).
        """
        if self._block is not None:
            return self._picked_lines(pick, self._block)
        found = []
        for _, number, offset, source in self._made or ():
            event = _chosen(source, pick)
            if event is not None:
                found.append(Located(event, self.path, number, offset))
        return found

    def _picked_lines(self, pick: Callable[[bytes], bool], block: Block) -> list[Located]:
        """`pick` is asked first of a run of lines at once (about `_RUN` bytes, in one C call for the
        pre-scan), then of each line of a run it said yes to: a test of bytes that holds for a line holds
        for any run of lines around it (see `picked`), so a run it passes holds no line it would pick."""
        data = bytes(block.view)
        size, found = len(data), []
        start, number, counted = 0, block.first_line, 0
        while start < size:
            cut = data.find(b"\n", start + _RUN) if start + _RUN < size else -1
            end = size if cut < 0 else cut + 1  # the block ends with a newline: so does each run
            run = data[start:end]
            if pick(run):
                number += newlines.count(data, counted, start)
                counted = start
                found.extend(self._picked_in_run(pick, run, block.offset + start, number))
            start = end
        return found

    def _picked_in_run(self, pick: Callable[[bytes], bool], run: bytes, offset: int, number: int) -> list[Located]:
        found = []
        for line in run.split(b"\n")[:-1]:
            if pick(line):
                event = decode_line(line)
                if isinstance(event, dict):
                    found.append(Located(event, self.path, number, offset))
            offset += len(line) + 1
            number += 1
        return found


def _chosen(source: bytes | JsonEvent, pick: Callable[[bytes], bool]) -> JsonEvent | None:
    """The event of a line, or a mapped event, if `pick` says yes to its JSON."""
    if type(source) is bytes:
        event = decode_line(source) if pick(source) else None
    else:
        try:
            event = source if pick(orjson.dumps(source)) else None
        except TypeError:  # orjson's JSONEncodeError: nested past its depth, an integer past 64 bits
            event = source
    return event if isinstance(event, dict) else None
