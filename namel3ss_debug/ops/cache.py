"""What a read command worked out from a trace, kept so that reading the same trace again is immediate.

Users open the same run many times (`analyze`, then `diff` against it in CI, then `analyze` again), and a
big run takes seconds to read. So the result of a read (`analyze`'s report, one side of a `diff`) is kept
in the cache directory (`$XDG_CACHE_HOME/namel3ss-debug/results`, else `~/.cache/...`), under a key made of
everything the answer depends on:

- each run as it was named (the answer shows those names), and each of its files: its path, size,
  modification time, inode and device, and a hash of its first and last 64 KiB (all of a small file), so a
  file that grew, shrank or was rewritten is a new key;
- the question: the command, its options, the prices it was given, the installed genai-prices data;
- this package's version and the cache's own format.

A result is kept as msgpack of its typed record followed by the CRC-32 of those bytes (msgspec checks every
field as it decodes: nothing in a cache file is run). It is not compressed: the big results are arrays of
numbers (a replay timeline, a diff side's calls), which zlib shrank 3.7-4.9x but took 0.1-0.2 s to inflate,
most of a second read; the CRC (about 7 GB/s) still tells a damaged file from a whole one. Only a clean read
is kept: one that met an invalid or torn line, a gap, a dropped field or an unknown event type is read again
next time, so its warnings are printed again. A cache file
that is missing, damaged or of another format is a miss; one that cannot be written costs only the speed.
Standard input is never cached. The newest `KEEP` results are kept, `KEEP_BYTES` at most.
"""

from __future__ import annotations

import os
import zlib  # its crc32
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import msgspec

from .._version import __version__
from ..config import cache_directory
from ..model.digest import blake2b
from ..store.atomic import replace_file
from ..store.problems import ReadProblems
from ..store.sources import RunSource, seekable

T = TypeVar("T")
FORMAT = 4  # 1: zlib-compressed msgpack; 2: before calls without usage were unpriced (`no_usage`), not $0;
# 3: before the overview said the start-up apart (`startup_ms`, `work_ms`) and the critical path left it out
KEEP = 200
KEEP_BYTES = 1 << 30  # 1 GiB; the newest result is kept whatever its size
_EDGE = 64 * 1024  # bytes hashed at each end of a file
_CHECK = 4  # bytes of the CRC-32 after the msgpack


class ResultCache:
    """Results by key in `directory` (None: no cache, every read is a first read)."""

    def __init__(self, directory: Path | None):
        self.directory = directory

    def key(self, kind: str, sources: Sequence[RunSource], question: Any) -> str | None:
        """The key of a result of `kind` about `sources` for `question` (JSON-able); None when a file cannot
        be identified (standard input, a pipe, a file that went away): such reads are not cached."""
        if self.directory is None:
            return None
        parts: list[Any] = [FORMAT, __version__, kind, question]
        for source in sources:
            parts.append([source.label, list(source.files), source.run_id])  # as named: the answer shows them
            for path in source.files:
                identity = _identity(path)
                if identity is None:
                    return None
                parts.append(identity)
        return blake2b(msgspec.json.encode(parts), digest_size=20).hexdigest()

    def get(self, key: str | None, kind: type[T]) -> T | None:
        """The result kept under `key`, or None."""
        if key is None or self.directory is None:
            return None
        try:
            data = memoryview((self.directory / key).read_bytes())
        except OSError:
            return None
        if len(data) < _CHECK:
            return None
        body, check = data[:-_CHECK], data[-_CHECK:]
        if zlib.crc32(body) != int.from_bytes(check, "little"):
            return None
        try:
            return msgspec.msgpack.decode(body, type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None

    def put(self, key: str | None, value: Any, problems: ReadProblems) -> None:
        """Keep `value` under `key`, if the read that made it was clean (see the module's docstring)."""
        if key is None or self.directory is None or problems.any or problems.unknown_types:
            return
        body = msgspec.msgpack.encode(value)

        def write(stream: BinaryIO) -> None:
            stream.write(body)
            stream.write(zlib.crc32(body).to_bytes(_CHECK, "little"))

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            replace_file(self.directory / key, write)
            _prune(self.directory)
        except OSError:
            pass  # a cache that cannot be written costs only the speed


def results_directory(environ: Mapping[str, str]) -> Path | None:
    """`results` in the cache directory (`config.cache_directory`); None without one."""
    directory = cache_directory(environ)
    return directory / "results" if directory is not None else None


def _identity(path: str) -> list[Any] | None:
    if not seekable(path):
        return None
    try:
        with open(path, "rb") as stream:
            status = os.fstat(stream.fileno())
            head = stream.read(_EDGE)
            if status.st_size > 2 * _EDGE:
                stream.seek(status.st_size - _EDGE)
            tail = stream.read(_EDGE)
    except OSError:
        return None
    digest = blake2b(head + b"\0" + tail, digest_size=16).hexdigest()
    return [os.path.realpath(path), status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev, digest]


def _prune(directory: Path) -> None:
    """Keep the newest KEEP results, and of those no more than KEEP_BYTES in all."""
    entries = sorted(((entry.stat(), entry) for entry in directory.iterdir()), key=lambda item: -item[0].st_mtime_ns)
    total = 0
    for number, (status, entry) in enumerate(entries):
        total += status.st_size
        if number >= KEEP or (number and total > KEEP_BYTES):
            entry.unlink(missing_ok=True)
