"""What the user named on the command line, resolved to runs: each a list of files read in order.

A TRACE argument is a file, any segment of a run (the run's other segments are found), a run id
(looked up in the trace directory), a directory (its newest run, or every run with `all_runs`), or
`-` for standard input. Files ending in `.gz` are read decompressed.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..model.errors import UsageError

STDIN = "-"
_SEGMENT = re.compile(r"^(?P<run>.+)\.(?P<index>\d{4,})\.jsonl(?:\.gz)?$")
_TRACE_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


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
    """Whether a byte offset in the file is a place in it: not standard input, not a `.gz` file (whose
    offsets are in the decompressed stream). Only such files get an offset index or are read in parts."""
    return path != STDIN and not path.endswith(".gz")


def _once(sources: list[RunSource]) -> list[RunSource]:
    """A run named twice (a segment and its directory, say) is read once: its events would count twice."""
    seen: set[tuple[str, ...]] = set()
    unique = []
    for source in sources:
        key = tuple(os.path.realpath(file) if file != STDIN else file for file in source.files)
        if key not in seen:
            seen.add(key)
            unique.append(source)
    return unique


def _resolve(spec: str, all_runs: bool, trace_dir: Path | None) -> list[RunSource]:
    if spec == STDIN:
        return [RunSource("<stdin>", (STDIN,))]
    path = Path(spec)
    if path.is_dir():
        return _directory(path, all_runs)
    if path.is_file():
        return [_run_of(path)]
    if path.exists():
        if _is_stream(path):  # a named pipe or `<(command)`: read once, like standard input
            return [RunSource(spec, (spec,))]
        raise UsageError(f"not a regular file: {spec}", hint="give a trace file, a directory or a run id")
    found = _run_id(spec, trace_dir) if trace_dir is not None and "/" not in spec else None
    if found is not None:
        return [found]
    where = f" (and no run with that id in {trace_dir})" if trace_dir is not None else ""
    raise UsageError(f"no such trace file: {spec}{where}",
                     hint="give a .jsonl file, a run's segment, a run id or a trace directory")


def _is_stream(path: Path) -> bool:
    mode = path.stat().st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def segment_of(path: Path) -> tuple[str, int] | None:
    """`(run id, segment number)` of a segment's name, or None for any other file."""
    match = _SEGMENT.match(path.name)
    return (match.group("run"), int(match.group("index"))) if match else None


def _run_of(path: Path) -> RunSource:
    """A segment brings its whole run along, in segment order; any other file is a run of one."""
    segment = segment_of(path)
    if segment is None:
        return RunSource(str(path), (str(path),))
    run = segment[0]
    siblings = [p for p in path.parent.iterdir() if (s := segment_of(p)) is not None and s[0] == run]
    return _run_source(run, siblings)


def _run_source(run: str, paths: list[Path]) -> RunSource:
    ordered = sorted(paths, key=lambda p: (segment_of(p)[1], p.name.endswith(".gz")))  # type: ignore[index]
    unique: dict[int, Path] = {}
    for p in ordered:  # R.0003.jsonl and R.0003.jsonl.gz: the plain file wins
        unique.setdefault(segment_of(p)[1], p)  # type: ignore[index]
    files = tuple(str(p) for p in unique.values())
    return RunSource(f"run {run}" if len(files) > 1 else files[0], files, run)


def _runs_in(directory: Path) -> dict[str, list[Path]]:
    runs: dict[str, list[Path]] = {}
    for p in directory.iterdir():
        segment = segment_of(p)
        if segment is not None and p.is_file():
            runs.setdefault(segment[0], []).append(p)
    return runs


def _directory(directory: Path, all_runs: bool) -> list[RunSource]:
    """Run ids start with their UTC start time, so the newest run sorts last; other traces go by mtime."""
    runs = _runs_in(directory)
    if runs:
        names = sorted(runs) if all_runs else [max(runs)]
        return [_run_source(name, runs[name]) for name in names]
    others = sorted((p for p in directory.iterdir() if p.is_file() and p.name.endswith(_TRACE_SUFFIXES)),
                    key=lambda p: (p.stat().st_mtime_ns, p.name))
    if not others:
        raise UsageError(f"no traces in {directory}",
                         hint="run `namel3ss-debug trace app.py` first, or name a .jsonl file")
    return [RunSource(str(p), (str(p),)) for p in (others if all_runs else others[-1:])]


def _run_id(spec: str, trace_dir: Path) -> RunSource | None:
    """A run id, or a unique prefix of one, in the trace directory."""
    if not trace_dir.is_dir():
        return None
    runs = _runs_in(trace_dir)
    if spec in runs:
        return _run_source(spec, runs[spec])
    matches = [name for name in runs if name.startswith(spec)]
    if len(matches) > 1:
        raise UsageError(f"run id prefix {spec} matches {len(matches)} runs in {trace_dir}",
                         hint="give more of the id: " + ", ".join(sorted(matches)[:3]))
    return _run_source(matches[0], runs[matches[0]]) if matches else None
