"""Reading runs: v1 events as typed records in blocks (for analysis), typed records that can say the line and
offset they came from (`line_blocks`: replay, check and diff, which also look at the lines), or dicts with
their place (inspect, report, export). What makes one line an event is in `line_events.py`.

Foreign formats (the legacy namel3ss debug format, the `n3` runtime's step records) are recognised
from a file's first event and mapped onto v1 on the way in. Every problem goes to `ReadProblems`:
a torn last line is a warning, an invalid line is skipped and counted (an error under `strict`), a
trace written by a newer schema version is an error, and a file with no event at all is an error.
"""

from __future__ import annotations

import gzip
import os
import zlib
from bisect import bisect_right
from dataclasses import KW_ONLY, dataclass
from itertools import islice
from typing import BinaryIO, Callable, Generic, Iterator, Sequence, Sized, TypeVar

import msgspec

from ..model.errors import TraceError
from ..model.events import is_known_event_type
from ..model.text_keys import text_key
from ..model.json_types import JsonEvent
from .blocks import Block, ReadsInto, block_size, iter_blocks, lines_of, open_trace
from .index import MIN_FILE_BYTES, IndexBuilder
from .line_blocks import LineBlock, Made, line_starts
from .line_ahead import LineAhead, line_ahead
from .line_events import envelope_problem, first_object, parse_line
from .located import Located, Mapper, Placed, placed_events
from .problems import ReadProblems
from .records import BLOCK_DECODER, EventRecord, odd_fields, record_from_dict
from .sources import RunSource, seekable, unreadable
from .streams import Bounded, Guarded, probed

_BAD_GZIP = (gzip.BadGzipFile, EOFError, zlib.error)
_HEAD = 1 << 16  # the bytes a JSON document over many lines is recognised by
_MAPPED_BLOCK = 4096  # the events a mapper gives out at the end of a file go on a block at a time
# What msgspec raises for a line it cannot make a record of: bad JSON, a wrong type, bad UTF-8 (which it
# checks itself), nesting deeper than its recursion allows.
_UNDECODABLE = (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError)
# What a sink makes of a block: records, a LineBlock, or dicts with their places.
Items = TypeVar("Items", bound=Sized)


__all__ = ["Located", "LineRange", "TraceReader"]


@dataclass(frozen=True)
class LineRange:
    """The lines of a file from byte `start` (the start of line number `line`) to byte `end` (a line's start, or
    the file's end)."""

    start: int
    end: int
    line: int


@dataclass(eq=False)
class TraceReader:
    """Reads the files of a run in order, telling `problems` about anything that is not a clean event."""

    problems: ReadProblems
    _: KW_ONLY
    stdin: BinaryIO | None = None
    write_index: bool = True
    progress: Callable[[int], None] | None = None
    index_min_bytes: int = MIN_FILE_BYTES
    reuse_buffers: bool = False

    def records(self, source: RunSource) -> Iterator[Sequence[EventRecord]]:
        """Sequences of records, one per block of lines, in the run's order: each block decoded by msgspec at
        once, or read line by line when that raises.

        With `reuse_buffers`, the raw fields (`inputs`, `attrs`) of a block's records are valid only
        until the block after next is read: use them, do not keep them.
        """
        for path in source.files:
            yield from self._file(path, _RecordSink(self.problems))

    def line_blocks(self, source: RunSource) -> Iterator[LineBlock]:
        """The run's records a block at a time, each block able to say where each record is and to hand out
        the events whose line passes a cheap test (`LineBlock.picked`), in the run's order. A block read whole
        holds msgspec's records of it, as `records` says."""
        for index, path in enumerate(source.files):
            yield from self._file(path, _LinedSink(self.problems, index))

    def span_records(self, path: str, span: LineRange) -> Iterator[Sequence[EventRecord]]:
        """The records of the lines of `path` between two byte offsets (a part of a v1 run: `analysis/split_run`),
        as `records` gives them; the file is known to be a trace, so a span without an event is no error."""
        return self._span(path, span, _RecordSink(self.problems))

    def span_line_blocks(self, path: str, span: LineRange) -> Iterator[LineBlock]:
        """The same, as `line_blocks` gives them (each record's line number and byte offset)."""
        return self._span(path, span, _LinedSink(self.problems, 0))

    def events(self, source: RunSource) -> Iterator[Located]:
        """Every event of the run as a dict with its place."""
        next_seq: dict[str, int] = {}  # across the run's files: a lost segment is a gap in seq
        for path in source.files:
            for located_events in self._file(path, _DictSink(self.problems, next_seq)):
                yield from located_events

    def _file(self, path: str, sink: "_Sink[Items]") -> Iterator[Items]:
        try:
            stream, position = open_trace(path, self.stdin)
        except OSError as error:
            raise unreadable(path, error) from None
        with stream:
            stat = os.fstat(stream.fileno()) if seekable(path) else None
            builder = self._builder(path) if stat is not None else None
            source: ReadsInto = Guarded(stream, path, sink.has_events if probed(path, stream) else None)
            ahead = line_ahead(stream.fileno()) if stat is not None else None
            try:
                yield from self._blocks(path, source, position, sink, builder,
                                        block_size(stat.st_size if stat is not None else None), ahead=ahead)
            except _BAD_GZIP as error:
                raise TraceError(f"{path}: not a readable gzip file ({error})",
                                 hint="decompress it by hand to see what is left") from None
        if builder is not None and stat is not None and sink.count and sink.mapper is None:
            builder.write(stat.st_size, stat.st_mtime_ns)

    def _span(self, path: str, span: LineRange, sink: "_Sink[Items]") -> Iterator[Items]:
        try:
            stream = open(path, "rb")
        except OSError as error:
            raise unreadable(path, error) from None
        with stream:
            try:
                stream.seek(span.start)
            except OSError as error:
                raise unreadable(path, error) from None
            bounded = Bounded(Guarded(stream, path), span.end - span.start)
            yield from self._blocks(path, bounded, None, sink, None, block_size(span.end - span.start), span,
                                    line_ahead(stream.fileno(), span.end))

    def _builder(self, path: str) -> IndexBuilder | None:
        if not self.write_index:
            return None
        return IndexBuilder(path, self.index_min_bytes)

    def _blocks(self, path: str, stream: ReadsInto, position: Callable[[], int] | None, sink: "_Sink[Items]",
                builder: IndexBuilder | None, size: int, span: LineRange | None = None,
                ahead: LineAhead | None = None) -> Iterator[Items]:
        """`stream`'s blocks made items by `sink`: a whole file's, or with `span` the lines of a part of a file
        known to be a trace (from its line and offset; a part without an event is no error). `ahead` looks
        along a long line in the file before it is held (`line_ahead.py`)."""
        sink.start(path)
        line, offset = (span.line, span.start) if span is not None else (1, 0)
        for block in iter_blocks(stream, path, self.progress, position, self.reuse_buffers, size, line, offset,
                                 ahead):
            if not sink.sniffed:
                sink.sniff(block)
            items = sink.block(block, builder)
            if sink.has_events():
                self.problems.release()
            if items:
                yield items
        for tail in sink.finish():
            self.problems.release()
            yield tail
        if span is None:
            sink.check_file(path)
        self.problems.release()


def _not_a_trace_hint(path: str) -> str:
    """A script or an .ai app named where a trace was wanted: the command that records one."""
    if path.endswith((".py", ".ai")):
        return f"did you mean `namel3ss-debug trace {path}`? It runs the app and records a trace"
    return "a trace is the JSON Lines file `namel3ss-debug trace` writes"


class _Sink(Generic[Items]):
    """What a reader does with blocks: shared format detection, mapping and per-line fallback. Each block
    becomes `Items` (and so do the events a mapper gives out at the end of a file)."""

    def __init__(self, problems: ReadProblems):
        self.problems = problems
        self.sniffed = False  # the format is known (`mapper` None: v1) once the first block is looked at
        self.mapper: Mapper | None = None
        self.path = ""
        self.count = 0
        self.lines = 0
        self.invalid_before = 0  # the invalid lines of the files read before this one

    def start(self, path: str) -> None:
        self.sniffed, self.mapper, self.path, self.count, self.lines = False, None, path, 0, 0
        self.invalid_before = self.problems.invalid_count
        self.problems.hold()  # until the file gives an event: if it never does, its one error says all

    def sniff(self, block: Block) -> None:
        """The format of the file, from its first line that is a JSON object."""
        first = first_object(line for _, _, line in lines_of(block))
        if first is None or "v" not in first:
            from .formats import mapper_for  # noqa: PLC0415 - only foreign files need it

            self.mapper = mapper_for(first, self.path, head=bytes(block.view[:_HEAD]), problems=self.problems)
        self.sniffed = True

    def has_events(self) -> bool:
        """Whether the file gave an event so far (in a format whose events come at its end: a span)."""
        return self.count > 0 or bool(getattr(self.mapper, "holding", False))

    def check_file(self, path: str) -> None:
        """A file without a single event is not a trace; an empty one is said so (whatever the files read before it
        held: a reader of many files, or of each on its own, says the same of it)."""
        if self.count:
            return
        if self.lines == 0 and self.problems.invalid_count == self.invalid_before:
            self.problems.empty_file(path)
            return
        self.problems.discard()
        raise TraceError(f"{path}: not a trace: no line is a JSON event", hint=_not_a_trace_hint(path))

    def finish(self) -> Iterator[Items]:
        """The events a mapper gives out at the end of the file, a block at a time (an OTLP/JSON file's
        come from disk one by one: all at once would hold every event of the file in memory)."""
        if self.mapper is None:
            return
        placed = iter(placed_events(self.mapper))
        while chunk := list(islice(placed, _MAPPED_BLOCK)):
            items = self.mapped(chunk, self.path)
            if items:
                yield items

    def block(self, block: Block, builder: IndexBuilder | None) -> Items:
        raise NotImplementedError

    def mapped(self, placed: list[Placed], path: str) -> Items:
        """The events a mapper gave out at the end of the file, each at its own place."""
        raise NotImplementedError

    def parse_line(self, where: str, line: bytes, tail: bool, offset: int = 0) -> JsonEvent | None:
        # OTLP/JSON: the mapper reads its lines (or one document over many)
        if self.mapper is not None and hasattr(self.mapper, "feed"):
            self.mapper.feed(line, where, tail, offset)
            return None
        return parse_line(line, where, self.problems, tail, versioned=self.mapper is None)

    def map_line(self, event: JsonEvent, where: str) -> list[JsonEvent]:
        if self.mapper is None:
            return [event]
        try:
            return self.mapper.map(event)
        except ValueError as error:
            self.problems.invalid_line(where, str(error))
            return []


class _Records(_Sink[Items]):
    """Typed records: a whole block decoded by msgspec at once, or line by line when the block has a bad line;
    `_RecordSink` gives them out as they are, `_LinedSink` with their lines."""

    def _decoded(self, block: Block) -> Sequence[EventRecord] | None:
        """The whole block decoded by msgspec; None for a mapped file, a torn tail, or a bad line somewhere in the
        block (then it is read line by line)."""
        if self.mapper is not None or block.tail:
            return None
        try:
            decoded = BLOCK_DECODER.decode_lines(block.view)
        except _UNDECODABLE:
            return None
        return decoded

    def _note(self, block: Block, records: Sequence[EventRecord], builder: IndexBuilder | None) -> None:
        lines = block.newlines()
        self.count += len(records)
        self.lines += len(records)  # lines with something on them, as the line-by-line readers count
        if builder is not None and records:
            builder.seen(records[0].seq, records[-1].seq)
            if len(records) == lines:  # no blank lines, so line k of the block is record k
                _index_block(block, records, builder)

    def _made_by_line(self, block: Block) -> list[Made]:
        """Each record with the number and offset of its line and what it was made from: the line, or in a
        mapped format the event the mapper made (whose lines may give several, or none)."""
        made: list[Made] = []
        for number, offset, line in lines_of(block):
            self.lines += 1
            where = f"{block.path}:{number}"
            if self.mapper is None and not block.tail:
                try:
                    made.append((BLOCK_DECODER.decode(line), number, offset, line))
                    self.count += 1
                    continue
                except _UNDECODABLE:
                    pass
            event = self.parse_line(where, line, block.tail, offset)
            if event is not None:
                for record, source in self._made(self.map_line(event, where), block.path, number):
                    made.append((record, number, offset, line if self.mapper is None else source))
        return made

    def _made(self, events: list[JsonEvent], path: str, number: int) -> list[tuple[EventRecord, JsonEvent]]:
        """Each event that makes a record, with that record (`number` 0: events a mapper made at the end)."""
        made = []
        where = f"{path}:{number}" if number else path
        for event in events:
            try:
                record, dropped = record_from_dict(event)
            except ValueError as error:
                self.problems.invalid_line(where, str(error))
                continue
            if dropped:
                self.problems.dropped_field(where, dropped)
            made.append((record, event))
        self.count += len(made)
        return made


class _RecordSink(_Records[Sequence[EventRecord]]):
    """A block's records as they are: msgspec's list, or those of the lines read one by one."""

    def block(self, block: Block, builder: IndexBuilder | None) -> Sequence[EventRecord]:
        records = self._decoded(block)
        if records is not None:
            self._note(block, records, builder)
            return records
        records = self._by_line(block)
        if builder is not None and records and self.mapper is None:
            builder.seen(min(r.seq for r in records), max(r.seq for r in records))  # no entries, but the range
        return records

    def _by_line(self, block: Block) -> list[EventRecord]:
        return [record for record, _, _, _ in self._made_by_line(block)]

    def mapped(self, placed: list[Placed], path: str) -> list[EventRecord]:
        return [record for event, number, _ in placed for record, _ in self._made([event], path, number)]


class _LinedSink(_Records[LineBlock]):
    """Records that know their lines (a `LineBlock` a block), for readers that go back to one event later
    or look at the lines' text."""

    def __init__(self, problems: ReadProblems, file: int):
        super().__init__(problems)
        self.file = file

    def block(self, block: Block, builder: IndexBuilder | None) -> LineBlock:
        records = self._decoded(block)
        if records is not None and len(records) == block.newlines():  # no blank line: line k is record k
            self._note(block, records, builder)
            return LineBlock(self.file, block.path, records, block=block)
        made = self._made_by_line(block)
        return LineBlock(self.file, block.path, [record for record, _, _, _ in made], made=made,
                         mapped=self.mapper is not None)

    def mapped(self, placed: list[Placed], path: str) -> LineBlock:
        """The events the mapper gives out at the end, each at its place as the dict reader places them: the
        line it came from (OTLP/JSON), or line 0 for those of no line of their own (spans a legacy or n3 file
        left open, the run's end)."""
        made = [(record, number, offset, source) for event, number, offset in placed
                for record, source in self._made([event], path, number)]
        return LineBlock(self.file, path, [record for record, _, _, _ in made], made=made, mapped=True)


def _index_block(block: Block, records: Sequence[EventRecord], builder: IndexBuilder) -> None:
    """An entry at the start of the line holding every STRIDE-th byte (record k is line k: no blank lines)."""
    starts = line_starts(block, 0)
    for position in range(0, block.size, builder.stride):
        line = bisect_right(starts, position) - 1  # a long line holding several: the builder wants it once
        if builder.wants(block.offset + starts[line]):
            builder.add(records[line].seq, block.first_line + line, block.offset + starts[line])


class _DictSink(_Sink[list[Located]]):
    """Dicts with their place; the envelope is checked so that views can rely on it."""

    def __init__(self, problems: ReadProblems, next_seq: dict[str, int]):
        super().__init__(problems)
        self._next_seq = next_seq

    def block(self, block: Block, builder: IndexBuilder | None) -> list[Located]:
        located: list[Located] = []
        for number, offset, line in lines_of(block):
            self.lines += 1
            where = f"{block.path}:{number}"
            event = self.parse_line(where, line, block.tail, offset)
            if event is None:
                continue
            for mapped in self.map_line(event, where):
                if self._valid(mapped, where):
                    located.append(Located(mapped, block.path, number, offset))
                    self._index(builder, mapped["seq"], number, offset)
        self.count += len(located)
        return located

    def _index(self, builder: IndexBuilder | None, seq: int, number: int, offset: int) -> None:
        if builder is not None and self.mapper is None:
            builder.seen(seq, seq)
            if builder.wants(offset):
                builder.add(seq, number, offset)

    def _valid(self, event: JsonEvent, where: str) -> bool:
        """The envelope must be right; odd optional fields, unknown types and seq gaps are said, not fatal."""
        problem = envelope_problem(event)
        if problem is not None:
            self.problems.invalid_line(where, problem)
            return False
        odd = odd_fields(event)
        if odd:
            self.problems.dropped_field(where, odd)
        if not is_known_event_type(event["event_type"]):
            self.problems.unknown_type(text_key(event["event_type"]), where)
        self._check_seq(event, where)
        return True

    def _check_seq(self, event: JsonEvent, where: str) -> None:
        run = text_key(event["run_id"])
        expected = self._next_seq.get(run)
        if expected is not None and event["seq"] != expected:
            self.problems.seq_gap(where, expected, event["seq"])
        self._next_seq[run] = event["seq"] + 1

    def mapped(self, placed: list[Placed], path: str) -> list[Located]:
        located = [Located(event, path, number, offset) for event, number, offset in placed
                   if self._valid(event, f"{path}:{number}" if number else path)]
        self.count += len(located)  # a format whose events all come at the end (OTLP/JSON) has them counted
        return located
