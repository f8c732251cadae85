"""What the user named on the command line, resolved to runs: each a list of files read in order.

A TRACE argument is a file, any segment of a run (the run's other segments are found), a run id
(looked up in the trace directory), a directory (its newest run, or every run with `all_runs`), or
`-` for standard input. A URL of a store (`s3://bucket/key`, `s3://bucket/prefix/`: `remote.py`) is a file or a
folder in it, resolved the same way by listing the folder: a remote run's files are its objects' URLs. Files
ending in `.gz` are read decompressed. A named pipe or a character device is a stream, as standard input is:
read once, front to back (`is_stream`).

A name that cannot be looked at is said here, before any reading: a symbolic link loop or a socket is a
usage error (exit 2), a directory or file the user may not read a `TraceError` (exit 3, as for a file
that cannot be opened).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..model.errors import TraceError, UsageError
from . import remote

STDIN = "-"
_SEGMENT = re.compile(r"^(?P<run>.+)\.(?P<index>\d{4,})\.jsonl(?:\.gz)?$")
TRACE_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")  # a trace file that is no segment


@dataclass(frozen=True)
class RunSource:
    """One run to read: its files in order (`-` is standard input) and a label for messages."""

    label: str
    files: tuple[str, ...]
    run_id: str | None = None


def resolve_sources(specs: Sequence[str], *, all_runs: bool = False, trace_dir: Path | None = None) -> list[RunSource]:
    """Each TRACE argument becomes one run (a directory with `all_runs`, every run in it)."""
    sources: list[RunSource] = []
    for spec in specs:
        sources.extend(_resolve(spec, all_runs, trace_dir))
    return _once(sources)


def seekable(path: str) -> bool:
    """Whether a byte offset in the file is a place in it: a regular file, not standard input, a pipe or a
    device, not a `.gz` file (whose offsets are in the decompressed stream). Only such files get an offset
    index, a result cache key (a pipe's head is its data) or are read in parts or twice."""
    return path != STDIN and not path.endswith(".gz") and not remote.is_url(path) and not is_stream(path)


def is_stream(path: str) -> bool:
    """Whether the file can only be read once, front to back: standard input, a named pipe (`<(command)`),
    a character device. A name that cannot be looked at is not one (opening it says why), nor is an object in a
    store (read again by another request)."""
    if path == STDIN:
        return True
    if remote.is_url(path):
        return False
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _once(sources: list[RunSource]) -> list[RunSource]:
    """A run named twice (a segment and its directory, say) is read once: its events would count twice."""
    seen: set[tuple[str, ...]] = set()
    unique = []
    for source in sources:
        key = tuple(file if file == STDIN or remote.is_url(file) else os.path.realpath(file) for file in source.files)
        if key not in seen:
            seen.add(key)
            unique.append(source)
    return unique


def _resolve(spec: str, all_runs: bool, trace_dir: Path | None) -> list[RunSource]:
    if spec == STDIN:
        return [RunSource("<stdin>", (STDIN,))]
    if remote.is_url(spec):
        return _remote(spec, all_runs)
    path = Path(spec)
    mode = _mode(spec)
    if mode is not None:
        return _of_kind(path, mode, all_runs)
    found = _run_id(spec, trace_dir) if trace_dir is not None and "/" not in spec else None
    if found is not None:
        return [found]
    where = f" (and no run with that id in {trace_dir})" if trace_dir is not None else ""
    raise UsageError(f"no such trace file: {spec}{where}",
                     hint="give a .jsonl file, a run's segment, a run id or a trace directory")


def _mode(spec: str) -> int | None:
    """The file type bits of what `spec` names; None when nothing has that name (it may be a run id)."""
    try:
        return os.stat(spec).st_mode
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            return None
        if error.errno == errno.ELOOP:
            raise UsageError(f"{spec} is a symbolic link that leads back to itself (a loop)",
                             hint="point the link at a trace file") from None
        raise unreadable(spec, error) from None


def is_directory(path: Path) -> bool:
    """Whether `path` is a directory; one that cannot be looked at is a `TraceError`, not "no"."""
    mode = _mode(str(path))
    return mode is not None and stat.S_ISDIR(mode)


def is_folder(spec: str) -> bool:
    """Whether a TRACE argument names a folder of runs: a directory, or a folder in a store (a URL ending in `/`, or
    one that names no object but has objects under it)."""
    if not remote.is_url(spec):
        return is_directory(Path(spec))
    return spec.endswith("/") or (remote.exists(spec) is None and bool(remote.listing(spec)))


def _of_kind(path: Path, mode: int, all_runs: bool) -> list[RunSource]:
    if stat.S_ISDIR(mode):
        return _directory(path, all_runs)
    if stat.S_ISREG(mode):
        return [_run_of(path)]
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):  # a named pipe, `<(command)`, a device: read once, as `-`
        return [RunSource(str(path), (str(path),))]
    kind = "a socket" if stat.S_ISSOCK(mode) else "a block device" if stat.S_ISBLK(mode) else "not a file"
    raise UsageError(f"not a regular file but {kind}: {path}", hint="give a trace file, a directory or a run id")


def unreadable(path: str, error: OSError) -> TraceError:
    """The error for a file or directory that cannot be read: exit 3, with what the system said."""
    why = error.strerror or str(error)
    hint = "check its permissions (ls -ld)" if error.errno in (errno.EACCES, errno.EPERM) else None
    return TraceError(f"cannot read {path}: {why}", hint=hint)


def segment_of(path: Path) -> tuple[str, int] | None:
    """`(run id, segment number)` of a segment's name, or None for any other file."""
    return segment_named(path.name)


def segment_named(name: str) -> tuple[str, int] | None:
    """`segment_of` a file's name (the run index looks at thousands: no `Path` made for each)."""
    match = _SEGMENT.match(name)
    return (match.group("run"), int(match.group("index"))) if match else None


def _run_of(path: Path) -> RunSource:
    """A segment brings its whole run along, in segment order; any other file is a run of one."""
    segment = segment_of(path)
    if segment is None:
        return RunSource(str(path), (str(path),))
    run = segment[0]
    siblings = [(p, s[1]) for p in _listing(path.parent) if (s := segment_of(p)) is not None and s[0] == run]
    return run_of_segments(run, siblings)


def run_of_segments(run: str, segments: Sequence[tuple[Path | str, int]]) -> RunSource:
    """The run of `segments`, each a file (a path, or an object's URL) and its segment number (the run index groups a
    directory's too)."""
    ordered = sorted(segments, key=lambda segment: (segment[1], str(segment[0]).endswith(".gz")))
    unique: dict[int, Path | str] = {}
    for p, index in ordered:  # R.0003.jsonl and R.0003.jsonl.gz: the plain file wins
        unique.setdefault(index, p)
    files = tuple(str(p) for p in unique.values())
    return RunSource(f"run {run}" if len(files) > 1 else files[0], files, run)


def _listing(directory: Path) -> list[Path]:
    """The regular files in a directory (a pipe or a directory named like a segment is no segment); a
    directory that cannot be listed is a `TraceError`."""
    try:
        with os.scandir(directory) as entries:
            return [Path(entry.path) for entry in entries if _is_file(entry)]
    except OSError as error:
        raise unreadable(str(directory), error) from None


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:  # gone since it was listed, or not ours to look at
        return False


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _runs_in(directory: Path) -> dict[str, list[tuple[Path, int]]]:
    """Run id -> its segments: each file and its segment number."""
    runs: dict[str, list[tuple[Path, int]]] = {}
    for p in _listing(directory):
        segment = segment_of(p)
        if segment is not None:
            runs.setdefault(segment[0], []).append((p, segment[1]))
    return runs


def _directory(directory: Path, all_runs: bool) -> list[RunSource]:
    """Run ids start with their UTC start time, so the newest run sorts last; other traces go by mtime."""
    runs = _runs_in(directory)
    if runs:
        names = sorted(runs) if all_runs else [max(runs)]
        return [run_of_segments(name, runs[name]) for name in names]
    dated = [(mtime, p.name, p) for p in _listing(directory)
             if p.name.endswith(TRACE_SUFFIXES) and (mtime := _mtime(p)) is not None]
    others = [p for _, _, p in sorted(dated)]
    if not others:
        raise UsageError(f"no traces in {directory}",
                         hint="run `namel3ss-debug trace app.py` first, or name a .jsonl file")
    return [RunSource(str(p), (str(p),)) for p in (others if all_runs else others[-1:])]


def _run_id(spec: str, trace_dir: Path) -> RunSource | None:
    """A run id, or a unique prefix of one, in the trace directory."""
    if not is_directory(trace_dir):
        return None
    runs = _runs_in(trace_dir)
    if spec in runs:
        return run_of_segments(spec, runs[spec])
    matches = [name for name in runs if name.startswith(spec)]
    if len(matches) > 1:
        raise UsageError(f"run id prefix {spec} matches {len(matches)} runs in {trace_dir}",
                         hint="give more of the id: " + ", ".join(sorted(matches)[:3]))
    return run_of_segments(matches[0], runs[matches[0]]) if matches else None


def _remote(url: str, all_runs: bool) -> list[RunSource]:
    """A URL: an object (a segment brings its run, found by listing its folder), else a folder (its newest run, or
    every run with `all_runs`), as a local path is. A segment's name is looked for in its folder's listing alone
    (the listing finds its run too: one request, not two)."""
    if not url.endswith("/") and segment_named(url.rpartition("/")[2]) is not None:
        listed = {found.url: found for found in remote.listing(remote.folder_url(url))}
        if url in listed:
            return [_remote_run_of(listed[url], list(listed.values()))]
    if not url.endswith("/"):
        found = remote.exists(url)
        if found is not None:
            return [_remote_run_of(found)]
    objects = remote.listing(url)
    folder = url if url.endswith("/") else url + "/"
    if not objects and not url.endswith("/"):
        raise UsageError(f"no such object or folder: {url}",
                         hint=f"check the bucket and key ({remote.kind_of(remote.scheme(url)).lists})")
    runs: dict[str, list[tuple[Path | str, int]]] = {}
    for found in objects:
        segment = segment_named(found.name)
        if segment is not None:
            runs.setdefault(segment[0], []).append((found.url, segment[1]))
    if runs:
        names = sorted(runs) if all_runs else [max(runs)]
        return [run_of_segments(name, runs[name]) for name in names]
    others = [found.url for found in sorted(objects, key=lambda item: (item.modified, item.name))
              if found.name.endswith(TRACE_SUFFIXES)]
    if not others:
        raise UsageError(f"no traces in {folder}",
                         hint="name a folder the traces are in, or a .jsonl object "
                              f"({remote.kind_of(remote.scheme(url)).lists})")
    return [RunSource(other, (other,)) for other in (others if all_runs else others[-1:])]


def _remote_run_of(found: remote.RemoteObject, listed: list[remote.RemoteObject] | None = None) -> RunSource:
    """The run of an object: a segment's, its siblings in the folder (`listed`, else listed now); another's alone."""
    segment = segment_named(found.name)
    if segment is None:
        return RunSource(found.url, (found.url,))
    siblings: list[tuple[Path | str, int]] = [
        (other.url, s[1]) for other in (listed if listed is not None else remote.listing(remote.folder_url(found.url)))
        if (s := segment_named(other.name)) is not None and s[0] == segment[0]]
    return run_of_segments(segment[0], siblings or [(found.url, segment[1])])
