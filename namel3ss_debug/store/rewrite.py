"""Rewriting a trace file line by line, atomically: a crash at any moment leaves the old file whole, or the new one.

The new text goes to a temporary file in the same directory (a rename never crosses file systems), is
flushed to the disk, and only then takes the old file's name (`os.replace`); the directory is synced so
the rename itself survives a power cut. Lines the change leaves alone are copied byte for byte, and a file
in which nothing changes is not touched at all. A `.gz` file is written compressed again. The file's
offset index (`index.py`) describes the old bytes, so it is removed with them.

The trace's directory is opened once (followed: the user named the trace, through a link too) and the
temporary is made in it through `model/fs.py`: at a name nobody can guess, made exclusively, renamed relative to
the directory held, so nothing planted beside the trace is written through. It is locked (`flock`) for as long
as it is being written. A rewrite killed on the way (SIGKILL, a power cut) leaves its temporary behind, unlocked
then: the next rewrite of the same file removes every such one (of this file's temporaries' shape, a regular file
of ours, unlocked: `Folder.remove_abandoned`) before it starts, so none piles up beside
the trace, and nothing else is ever removed: a link, a FIFO or another user's file at such a name is left.
"""

from __future__ import annotations

import bisect
import gzip
import os
import re
import stat
from dataclasses import dataclass
from itertools import compress
from typing import BinaryIO, Callable, Collection, Optional

from ..model.errors import TraceError
from ..model.fs import PRIVATE_FILE, Folder
from .blocks import BOM, Block, ReadsInto, iter_blocks, open_trace
from .index import drop_index
from .lines import line_at

Change = Callable[[bytes], bytes]  # one line in, one line out (without the newline, and holding none)
Test = Callable[[bytes], bool]
Write = Optional[Callable[[bytes], object]]
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Lines:
    """Which lines go through the change: those `test` says yes to, or those starting at the offsets `at`
    (known from an earlier read, so no line is looked at), or with neither every line."""

    change: Change
    test: Optional[Test] = None
    at: Optional[list[int]] = None


def rewrite_lines(path: str, change: Change, test: Optional[Test] = None, *, at: Optional[Collection[int]] = None,
                  write: bool = True) -> int:
    """Pass the lines of `path` through `change` and put the result in the file's place: every line, or
    those `test` says yes to (a cheap test that spares most lines the call), or those starting at the
    byte offsets `at` (of the decompressed text, as a reader placed them). Returns how many lines changed;
    with `write` false, how many would: nothing is written.

    A file that changed while it was read (a run still writing it) is left as it was: `TraceError`.
    """
    lines = _Lines(change, test, sorted(at) if at is not None else None)
    target = os.path.realpath(path)  # through a symlink: the file it names is rewritten, the link stays
    before = _regular_file(path, target)
    if not write:
        with open_trace(target, None)[0] as stream:
            return _copy(stream, path, lines, None)
    directory, name = os.path.split(target)
    try:
        with Folder.open(directory, follow=True) as folder:
            # no age to wait for: rewrites of one file take turns under its writer's lock (`model/writing.py`),
            # so an unlocked temporary of its shape is a killed rewrite's, however new
            folder.remove_abandoned(_temporaries(name), older_than_s=0)
            # the copy at a name nobody can guess, renamed into place only once it is whole and synced
            changed = folder.replace(name, lambda out: _written(out, target, path, lines, before), PRIVATE_FILE)
            _sync_directory(folder)
    except _NothingChanged:
        return 0
    except OSError as error:
        raise _named(error, directory) from None
    for named in {path, target}:  # the offset index describes the old bytes
        drop_index(named)
    return changed


class _NothingChanged(Exception):
    """No line changed: the copy is thrown away and the file left as it is (its mtime too)."""


def _written(out: BinaryIO, target: str, path: str, lines: _Lines, before: os.stat_result) -> int:
    """The changed copy written to `out` with the old file's owner and mode, and synced to the disk; how many
    lines changed. Raises _NothingChanged for none, TraceError when the file changed meanwhile."""
    changed = _write_copy(target, path, lines, out)
    if not changed:
        raise _NothingChanged
    _keep_owner_and_mode(out, before)
    out.flush()
    os.fsync(out.fileno())
    _unchanged_since(path, target, before)
    return changed


def _named(error: OSError, directory: str) -> OSError:
    """`error` naming the directory where it named a temporary in it (a name relative to the directory held,
    which means nothing to the user): a directory that is not writable is the usual cause."""
    if error.filename is None or os.sep in os.fspath(error.filename):
        return error
    return OSError(error.errno, error.strerror, directory)  # of the errno's subclass (PermissionError, ...)


def _temporaries(name: str) -> re.Pattern[str]:
    """The names the temporaries of rewrites of `name` have: `Folder.temporary`'s, and `mkstemp`'s of earlier
    versions."""
    return re.compile(rf"\.{re.escape(name)}\.(?:[0-9a-f]{{16}}|[a-z0-9_]{{8}})\.tmp")


def _write_copy(target: str, path: str, lines: _Lines, out: BinaryIO) -> int:
    """The changed copy into `out`, compressed again for a `.gz` file."""
    if lines.at is not None and not target.endswith(".gz"):
        return _splice(target, lines, out.fileno())
    with open_trace(target, None)[0] as stream:
        if not target.endswith(".gz"):
            return _copy(stream, path, lines, out.write)
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6) as packed:
            return _copy(stream, path, lines, packed.write)


def _splice(target: str, lines: _Lines, out: int) -> int:
    """The lines at the chosen offsets of a plain file changed in place: the text between them is copied by
    the kernel (`copy_file_range`), never passing through Python; each chosen line is read on its own."""
    changed, done = 0, 0
    source = os.open(target, os.O_RDONLY)
    try:
        size = os.fstat(source).st_size
        for offset in lines.at or []:
            line = line_at(source, offset)
            new = lines.change(line)
            if new != line:
                _copy_range(source, out, done, offset)
                _write_all(out, new)
                done = offset + len(line)
                changed += 1
        _copy_range(source, out, done, size)
    finally:
        os.close(source)
    return changed


def _copy_range(source: int, out: int, start: int, end: int) -> None:
    """Bytes `start` to `end` of `source` appended to `out`: by the kernel where it can, else read and written."""
    while start < end:
        try:
            count = os.copy_file_range(source, out, end - start, start)
        except (AttributeError, OSError):  # not on this system, or not between these two files
            count = _write_all(out, os.pread(source, min(end - start, _CHUNK), start))
        if not count:
            return  # the file is shorter than it was: the check before the rename says so
        start += count


def _write_all(out: int, data: bytes) -> int:
    view = memoryview(data)
    while view:
        view = view[os.write(out, view):]
    return len(data)


def _copy(stream: ReadsInto, path: str, lines: _Lines, write: Write) -> int:
    changed = 0
    for block in iter_blocks(stream, path):
        if write is not None and block.first_line == 1 and block.offset == len(BOM):
            write(BOM)  # the block reader leaves a byte order mark out; the copy keeps it
        data = bytes(block.view)
        count, text = _at_offsets(block, data, lines) if lines.at is not None else _tested(block, data, lines)
        changed += count
        if write is not None:
            write(text)
    return changed


def _tested(block: Block, data: bytes, lines: _Lines) -> tuple[int, bytes]:
    """How many lines of the block changed, and its text with them (the very bytes if none did)."""
    texts = data.split(b"\n")
    if not block.tail:
        texts.pop()  # after the block's last newline
    chosen = range(len(texts)) if lines.test is None else compress(range(len(texts)), map(lines.test, texts))
    count = 0
    for index in chosen:
        new = lines.change(texts[index])
        if new != texts[index]:
            texts[index] = new
            count += 1
    return (count, b"\n".join(texts) + (b"" if block.tail else b"\n")) if count else (0, data)


def _at_offsets(block: Block, data: bytes, lines: _Lines) -> tuple[int, bytes]:
    """The same for the lines starting at the chosen offsets: the text between them is copied as it is."""
    at = lines.at or []
    pieces, done = [], 0
    for offset in at[bisect.bisect_left(at, block.offset): bisect.bisect_left(at, block.offset + block.size)]:
        start = offset - block.offset
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        new = lines.change(data[start:end])
        if new != data[start:end]:
            pieces += [data[done:start], new]
            done = end
    return (len(pieces) // 2, b"".join([*pieces, data[done:]])) if pieces else (0, data)


def _regular_file(path: str, target: str) -> os.stat_result:
    try:
        status = os.stat(target)
    except OSError as error:
        raise TraceError(f"cannot read {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise TraceError(f"{path} is not a regular file: only a file can be rewritten in place")
    return status


def _keep_owner_and_mode(out: BinaryIO, before: os.stat_result) -> None:
    """The new file gets the old one's permissions (and owner, where we may set it)."""
    os.fchmod(out.fileno(), stat.S_IMODE(before.st_mode))
    try:
        os.fchown(out.fileno(), before.st_uid, before.st_gid)
    except OSError:
        pass  # not ours to give away: the file is ours now, with the same permissions


def _unchanged_since(path: str, target: str, before: os.stat_result) -> None:
    """Lines appended while the file was read would be lost by the rename: leave such a file alone."""
    now = os.stat(target)
    if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
        raise TraceError(f"{path} changed while it was being rewritten: left as it is",
                         hint="is a run still writing it? try again once it has ended")


def _sync_directory(folder: Folder) -> None:
    """The rename made durable: the directory's entry synced too."""
    try:
        os.fsync(folder.fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
