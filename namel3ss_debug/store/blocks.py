"""Reading a trace file as blocks of whole lines: big reads, line numbers and offsets kept, `.gz` and stdin."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator, Protocol, cast

from ..model.errors import TraceError
from . import newlines
from . import remote
from .line_ahead import LineAhead
from .packed import inflated

BOM = b"\xef\xbb\xbf"
MAX_LINE = 256 << 20  # a longer line would take more memory than any event is worth (the tracer truncates)
BLOCK_SIZE = 1 << 20  # a block decoded right after it is read is still in the CPU cache: 1 MB beats 8 MB by 1.8x
_ZEROS = bytes(BLOCK_SIZE)  # what a long line's buffer grows by before a read fills it
MIN_BLOCK = 1 << 12


class ReadsInto(Protocol):
    """What blocks are read from: a file `open_trace` opened, or `streams.Guarded` over one (`typing.BinaryIO`
    declares no `readinto`, which each of them has)."""

    def readinto(self, buffer: memoryview, /) -> int: ...


@dataclass
class Block:
    """Whole lines of `path` (each ending in a newline), or with `tail` the unterminated rest of the file.

    The lines are `buffer[:size]`; with `reuse` (see `iter_blocks`) the buffer is overwritten two
    blocks later.
    """

    path: str
    buffer: bytes | bytearray
    size: int
    first_line: int
    offset: int
    tail: bool = False
    lines: int | None = None  # newlines in the block, once counted (`newlines()`)

    def newlines(self) -> int:
        """The newlines in the block, counted the first time they are asked for."""
        if self.lines is None:
            self.lines = newlines.count(self.buffer, 0, self.size)
        return self.lines

    @property
    def view(self) -> memoryview:
        """The block's bytes without a copy, for the decoder."""
        return memoryview(self.buffer)[: self.size]

    @property
    def data(self) -> bytes:
        """The block's bytes as a copy, for the slow paths that split lines."""
        return bytes(self.buffer[: self.size])


def block_size(file_size: int | None) -> int:
    """The block to read a file of `file_size` bytes in (None: unknown, a stream): BLOCK_SIZE, or for a smaller
    file the least power of two past its size (at least MIN_BLOCK). A fresh megabyte buffer for a 10 KB run
    costs more system time than reading it (the run index reads thousands: 300 runs took 1.31 s of system time
    with 1 MB blocks, 0.10 s with blocks their size); a file that grows meanwhile is read on, a block at a time."""
    if file_size is None or file_size >= BLOCK_SIZE:
        return BLOCK_SIZE
    size = MIN_BLOCK
    while size <= file_size:
        size <<= 1
    return size


def iter_blocks(stream: ReadsInto, path: str, progress: Callable[[int], None] | None = None,
                position: Callable[[], int] | None = None, reuse: bool = False,
                read_size: int = BLOCK_SIZE, first_line: int = 1, first_offset: int = 0,
                ahead: LineAhead | None = None) -> Iterator[Block]:
    """Blocks of whole lines, read into large buffers.

    Without `reuse` each block has a fresh buffer, so records decoded from it (which may point into it)
    stay valid. With `reuse` two buffers take turns: no page of fresh memory per block, which makes
    reading a large file about a third faster, but a record must not be kept past the next block.
    A line longer than a block is read until it ends, in one buffer grown in place a block at a time: it
    is held in little more than its length, and a line past MAX_LINE is refused before a buffer past it is
    made. With `ahead` (a regular file, read from `first_offset`) such a line is first looked along in the
    file, and one past MAX_LINE refused having held a block or two (`line_ahead.py`); without, it is refused
    once MAX_LINE of it is held. `read_size` is the size of a read (`block_size`). A stream that starts at a
    line inside a file (a part of a run, `reader.TraceReader.span_records`) gives that line's number and byte
    offset.
    """
    rest: bytes | bytearray = b""  # the start of a line the last read did not finish (a bytearray: a long one)
    line, offset, seen = first_line, first_offset, 0
    measured = -1  # the offset of the long line `ahead` found to end within the limit
    spare: list[bytearray] = []  # with reuse: the two standard buffers, the older first
    while True:
        start = len(rest)
        standard = reuse and start < read_size
        buffer, want = _buffer_after(rest, standard, spare, read_size)
        count = stream.readinto(memoryview(buffer)[start: start + want])
        if not count:
            if rest is buffer:  # a long or lone last line: the room made for the read is not part of it
                del buffer[start:]
            break
        if progress is not None:
            now = position() if position is not None else seen + count
            progress(now - seen)
            seen = now
        end = start + count
        if offset == 0 and not rest and buffer.startswith(BOM):  # a UTF-8 byte order mark is not an event
            buffer[: end - len(BOM)] = buffer[len(BOM): end]
            end -= len(BOM)
            offset = len(BOM)
        cut = buffer.rfind(b"\n", start, end) + 1  # `rest` holds no newline: only what was read is looked at
        if not cut:  # /dev/zero, or a binary file without newlines: not a line of a trace
            if end > MAX_LINE or (ahead is not None and measured != offset
                                  and not ahead.ends_within(offset + end, MAX_LINE - end)):
                raise too_long(path, line)
            measured = offset  # looked along once; a file that grows meanwhile still stops at MAX_LINE
        if cut or standard:
            rest = bytes(memoryview(buffer)[cut:end])
        else:  # a line longer than a block: it grows in this buffer, which no block holds
            del buffer[end:]
            rest = buffer
        if standard:
            spare.append(buffer)
        if cut:
            block = Block(path, buffer, cut, line, offset)
            yield block
            line += block.newlines()  # before the next read: its buffer is not this one's
            offset += cut
    if rest:
        yield Block(path, bytes(rest), len(rest), line, offset, tail=True)


def too_long(path: str, line: int) -> TraceError:
    """The one refusal of a line past MAX_LINE, for every reader of trace lines."""
    return TraceError(f"a line longer than {MAX_LINE >> 20} MiB: this is not a trace", where=f"{path}:{line}",
                      hint="give a JSON Lines trace file")


def _buffer_after(rest: bytes | bytearray, standard: bool, spare: list[bytearray],
                  block: int) -> tuple[bytearray, int]:
    """The buffer the next read goes into, holding `rest` at its start, and how many bytes to read."""
    if isinstance(rest, bytearray):  # a long line: a block more, in place (realloc moves no byte twice)
        want = min(block, MAX_LINE + 1 - len(rest))
        rest += _ZEROS[:want]
        return rest, want
    want = max(block, 2 * len(rest))
    if standard and len(spare) == 2:
        buffer = spare.pop(0)
    else:
        buffer = bytearray(2 * block if standard else want + len(rest))
    memoryview(buffer)[: len(rest)] = rest  # a bytearray slice assignment would copy `rest` first
    return buffer, want


def open_trace(path: str, stdin: BinaryIO | None) -> tuple[io.BufferedIOBase, Callable[[], int] | None]:
    """The byte stream of a trace file (or of an object in a store, read front to back: `remote.open_object`), and
    for `.gz` how far into the compressed file it has read."""
    if path == "-":
        if stdin is None:
            raise OSError("standard input is not available")
        # `sys.stdin.buffer` is declared BinaryIO, but is a BufferedReader (a test's, a BytesIO): both buffered
        return cast(io.BufferedIOBase, stdin), None
    if path.endswith(".gz"):
        stream, raw = inflated(path)  # closed by the caller; bounded as `packed.py` says
        return stream, raw.packed.tell
    if remote.is_url(path):
        return remote.open_object(path), None  # closed by the caller
    return open(path, "rb"), None  # closed by the caller


def lines_of(block: Block) -> Iterator[tuple[int, int, bytes]]:
    """`(line number, byte offset, line)` for each non-blank line of a block."""
    offset = block.offset
    for number, line in enumerate(block.data.split(b"\n"), block.first_line):
        if line.strip():
            yield number, offset, line
        offset += len(line) + 1
