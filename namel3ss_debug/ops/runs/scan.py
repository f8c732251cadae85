"""What a sync must do: a directory's trace files now, against the files the index last read; what reads the runs
it must read again (`Reads`), and what it did (`SyncResult`).

One `scandir` and one stat a file (size, mtime, inode); a run's segments are grouped by the run id their names
carry (`store.sources.segment_named`), any other trace file (`*.jsonl`, ...) is a run of one file, keyed by its
name. A run is read again when any of its files is new, grown, shrunk, rewritten (another mtime or inode) or gone,
or a new segment appeared (rotation); a run none of whose files is left is removed.

A folder in a store (`s3://bucket/prefix/`, a `str` where a local directory is a `Path`) is one listing: an object's
identity is its size and its version (`store/remote.py`), so a rewritten object is read again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ...analysis.run_row import IndexedRun
from ...model.digest import blake2b
from ...model.errors import Namel3ssDebugError
from ...store import remote
from ...store.sources import TRACE_SUFFIXES, RunSource, run_of_segments, segment_named, unreadable

Identity = tuple[int, int, int]  # a file's size, mtime (ns) and inode; an object's size, version (hashed) and 0
Where = Path | str  # a directory, or a folder in a store by its URL


@dataclass
class SyncPlan:
    """The runs to read (new, then changed) and the runs whose files are gone, by their key in the index."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    unchanged: int = 0
    files: dict[str, dict[str, Identity]] = field(default_factory=dict)  # run key -> its files now

    def source(self, directory: Where, key: str) -> RunSource:
        """The run to read for `key`, its files in the order `analyze` reads them."""
        numbered: list[tuple[Path | str, int]] = [(file_in(directory, name), found[1]) for name in self.files[key]
                                                  if (found := segment_named(name)) is not None]
        if not numbered:  # a file of one run, keyed by its name
            return RunSource(str(file_in(directory, key)), (str(file_in(directory, key)),))
        return run_of_segments(key, numbered)


class Reads(Protocol):
    """What reads runs for the index (`indexing.RunReading`): each run, in order, or the error that kept it from
    being read."""

    def each(self, sources: Sequence[RunSource]) -> Iterator[IndexedRun | Namel3ssDebugError | OSError]: ...


@dataclass(frozen=True)
class SyncResult:
    """What one `sync` did."""

    added: int = 0
    updated: int = 0  # grown, rotated, rewritten
    removed: int = 0
    unchanged: int = 0
    failed: int = 0  # runs that could not be read (each one in `notes`)
    notes: list[str] = field(default_factory=list)  # "index rebuilt: ...", "cannot read run R: ..."
    version: int = 0  # the index's version after the sync (goes up whenever a row changes)


def file_in(directory: Where, name: str) -> Path | str:
    """The file `name` in a directory, or the object `name` in a store's folder."""
    return f"{directory.rstrip('/')}/{name}" if isinstance(directory, str) else directory / name


def scan(directory: Where) -> dict[str, dict[str, Identity]]:
    """Run key -> its trace files (name -> identity) in `directory`. A directory that cannot be listed is a
    `TraceError`; a file gone or unreadable since it was listed is passed over (it is read at the next sync)."""
    if isinstance(directory, str):
        return _scan_folder(directory)
    runs: dict[str, dict[str, Identity]] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(TRACE_SUFFIXES):
                    continue
                identity = _identity(entry)
                if identity is not None:
                    segment = segment_named(name)
                    runs.setdefault(segment[0] if segment is not None else name, {})[name] = identity
    except OSError as error:
        raise unreadable(str(directory), error) from None
    return runs


def plan(now: dict[str, dict[str, Identity]], known: dict[str, dict[str, Identity]]) -> SyncPlan:
    """What changed from `known` (run key -> its files as last indexed) to `now`."""
    found = SyncPlan(files=now)
    for key, files in now.items():
        kept = known.get(key)
        if kept is None:
            found.new.append(key)
        elif kept != files:
            found.changed.append(key)
        else:
            found.unchanged += 1
    found.gone = [key for key in known if key not in now]
    return found


def _identity(entry: os.DirEntry[str]) -> Identity | None:
    try:
        if not entry.is_file():  # a directory or a pipe named like a trace is none
            return None
        info = entry.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def _scan_folder(url: str) -> dict[str, dict[str, Identity]]:
    """`scan` of a folder in a store: one listing (a store that cannot be listed raises its one-line error)."""
    runs: dict[str, dict[str, Identity]] = {}
    for found in remote.listing(url):
        if found.name.endswith(TRACE_SUFFIXES):
            segment = segment_named(found.name)
            key = segment[0] if segment is not None else found.name
            runs.setdefault(key, {})[found.name] = object_identity(found)
    return runs


def object_identity(found: remote.RemoteObject) -> Identity:
    """An object's identity as the index keeps it: its size, its version hashed to a number, and 0."""
    return found.size, int.from_bytes(blake2b(found.version.encode(), digest_size=7).digest(), "big"), 0


def file_identity(path: Path) -> Identity | None:
    """A file's identity as `scan` finds it (None: gone, or not a regular file), so that the next sync of its
    directory finds it unchanged."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino) if stat.S_ISREG(info.st_mode) else None
