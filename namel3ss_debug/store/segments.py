"""Find a run's segment files and read their events in order.

A run `R` is written as `R.0000.jsonl`, `R.0001.jsonl`, ...; given any one of them (or a directory,
meaning its newest run), the reader finds the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..model.errors import TraceError
from ..model.files import SEGMENT_FILE

SEGMENT = SEGMENT_FILE


def run_id_of(path: Path) -> str | None:
    match = SEGMENT.match(path.name)
    return match.group("run") if match else None


def run_segments(path: Path) -> list[Path]:
    """Every segment of the run `path` belongs to, oldest first; a plain file is a run of one."""
    if path.is_dir():
        return newest_run(path)
    if not path.exists():
        raise TraceError(f"no such trace file: {path}", hint="give a .jsonl file, a run's segment or a trace directory")
    run = run_id_of(path)
    if run is None:
        return [path]
    return _in_order(p for p in path.parent.glob(f"{glob_escape(run)}.*.jsonl") if run_id_of(p) == run)


def _in_order(paths: Iterable[Path]) -> list[Path]:
    """Segments by their number, not their name: `R.10000` comes after `R.9999`."""
    return sorted(paths, key=lambda p: int(SEGMENT.match(p.name).group("index")))  # type: ignore[union-attr]


def newest_run(directory: Path) -> list[Path]:
    runs = sorted({run_id_of(p) for p in directory.glob("*.jsonl")} - {None})
    if not runs:
        raise TraceError(f"no traces in {directory}", hint="run `namel3ss-debug trace app.py` first")
    return run_segments(next(iter(sorted(directory.glob(f"{glob_escape(runs[-1])}.*.jsonl")))))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


@dataclass
class ReadProblems:
    """What the reader skipped: invalid lines (with `file:line`) and whether the last line was torn."""

    invalid: list[str]
    torn_last_line: str | None = None


def iter_events(paths: list[Path], problems: ReadProblems | None = None) -> Iterator[dict[str, Any]]:
    """Events of all `paths` in order. A torn last line is noted, not raised; so are invalid lines."""
    problems = problems if problems is not None else ReadProblems(invalid=[])
    for path in paths:
        yield from _read_file(path, problems)


def _read_file(path: Path, problems: ReadProblems) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        lineno = 0
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                if not line.endswith(b"\n"):
                    problems.torn_last_line = f"{path}:{lineno}"
                else:
                    problems.invalid.append(f"{path}:{lineno}")
                continue
            if isinstance(event, dict):
                yield event
            else:
                problems.invalid.append(f"{path}:{lineno}")
