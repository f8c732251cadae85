"""`.gz` traces: decompressed as a stream, with a bound on what each compressed byte may become, and copied
decompressed to an unnamed temporary file when a reader must come back to events by their offsets (replay).

A trace compresses about 5 to 40 times (a run of identical tool calls, 37). Past its first `RATIO_FLOOR`
bytes out, a `.gz` file may give at most `MAX_RATIO` bytes for each byte read from it: a 1.4 MB gzip of one
repeated line (1.4 GB, a thousand times its size) stops after 16 MiB with an error, in time and memory that
grow with the compressed file, not with what it claims to hold.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import IO

from ..model.errors import TraceError
from . import remote

MAX_RATIO = 200  # bytes out per byte in: five times the most repetitive trace measured
RATIO_FLOOR = 16 << 20  # a file that gives no more than this is read whatever its ratio (as `streams.PROBE`)
_COPY = 1 << 20


class _Inflating(io.RawIOBase):
    """The decompressed bytes of `path`, refused once they outgrow the compressed bytes read `MAX_RATIO` times."""

    def __init__(self, path: str):
        self.path = path
        # closed by close(); an object in a store is read front to back, as a file is
        self.packed: IO[bytes] = remote.open_object(path) if remote.is_url(path) else open(path, "rb")
        self.gzip = gzip.GzipFile(filename="", mode="rb", fileobj=self.packed)
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # a RawIOBase's own signature
        count = self.gzip.readinto(buffer)
        self.given += count
        if self.given > RATIO_FLOOR and self.given > MAX_RATIO * max(self.packed.tell(), 1):
            raise too_packed(self.path, self.packed.tell(), self.given)
        return count

    def fileno(self) -> int:
        return self.packed.fileno()

    def close(self) -> None:
        if not self.closed:
            self.gzip.close()
            self.packed.close()
        super().close()


def too_packed(path: str, read: int, given: int) -> TraceError:
    return TraceError(f"its first {read:,} bytes decompress to {given:,}, more than {MAX_RATIO} times "
                      "their size: a gzip bomb, not a trace", where=path,
                      hint="if you trust the file, decompress it yourself (`gunzip -k FILE`) and give the .jsonl")


def inflated(path: str) -> tuple[io.BufferedReader, "_Inflating"]:
    """The decompressed stream of a `.gz` file (closed by the caller), and what it reads from (`packed.tell()`:
    how far into the compressed file it is)."""
    raw = _Inflating(path)
    return io.BufferedReader(raw, _COPY), raw


def spooled(path: str) -> IO[bytes]:
    """A `.gz` file decompressed into an unnamed temporary file (gone when closed or at exit), whose offsets
    are those the reader gave its lines: read by `pread` as a plain file is. On the disk of the temporary
    directory (`TMPDIR`): the decompressed size, which `MAX_RATIO` bounds."""
    import tempfile  # noqa: PLC0415 - only a replay of a .gz file needs it; it loads shutil and random at every start

    try:
        copy = tempfile.TemporaryFile(prefix="namel3ss-debug-")
    except OSError as error:
        raise _no_copy(path, error) from None
    try:
        _copy_into(path, copy)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:  # read whole once: it changed since
        copy.close()
        raise TraceError(f"not a readable gzip file any more ({error})", where=path,
                         hint="it changed since it was read: start again") from None
    except OSError as error:
        copy.close()
        raise _no_copy(path, error) from None
    except BaseException:
        copy.close()
        raise
    return copy


def _copy_into(path: str, copy: IO[bytes]) -> None:
    stream, _ = inflated(path)
    with stream:
        while True:
            chunk = stream.read(_COPY)
            if not chunk:
                break
            copy.write(chunk)
    copy.flush()


def _no_copy(path: str, error: OSError) -> TraceError:
    return TraceError(f"cannot decompress it into a temporary file ({error.strerror or error})", where=path,
                      hint="make room in the temporary directory, or set TMPDIR to one with room")
