"""The project a run belongs to, so that a recording names its app and directory portably.

The project root is the top of the git checkout the run's working directory is in (the nearest
directory upwards holding `.git`), else the workspace root (the directory holding `.namel3ss/debug.json`,
as `load_settings` finds it), else none: the working directory stands in and the recording says it found
no marker. `run_start` records the working directory relative to that root (`attrs.project.cwd`) and the
entry's file relative to it (`attrs.entry.project_path`), beside the absolute paths, which stay as hints.
A rerun looks for the same marker from the trace file upwards (`launch/recorded.py`): a repository cloned
elsewhere finds its recordings' app in the clone.

    located(Path("/home/me/repo/examples"), {"kind": "script", "path": "/home/me/repo/examples/a.py"}, [...])
    # ({"kind": "script", ..., "project_path": "examples/a.py"},
    #  {"root": "/home/me/repo", "marker": ".git", "cwd": "examples"})
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from ..config import WORKSPACE_FILE
from ..config.trust import GIT, project_root
WORKSPACE = str(WORKSPACE_FILE)  # `.namel3ss/debug.json`
MARKERS = (GIT, WORKSPACE)  # in order of precedence: a checkout's top wins over a workspace inside it


def find_root(start: Path, markers: Sequence[str] = MARKERS) -> tuple[Path, str] | None:
    """The project root above `start` (itself included) and the marker that found it, or None. `.git`
    may be a directory or a file (a worktree, a submodule); the workspace marker is a file."""
    start = Path(start).absolute()
    for marker in markers:
        found = project_root(start) if marker == GIT else _holding_file(start, marker)
        if found is not None:
            return found, marker
    return None


def _holding_file(start: Path, name: str) -> Path | None:
    """The nearest directory from `start` upwards holding the file `name`, else None."""
    for directory in (start, *start.parents):
        if (directory / name).is_file():
            return directory
    return None


def relative_in(path: Path, root: Path) -> str | None:
    """`path` relative to `root` in POSIX form (`examples/app.py`, `.` for the root), or None when it is
    not inside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return None


def located(cwd: Path, entry: dict[str, Any], argv: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entry with its `project_path` (when its file is inside the project) and `run_start`'s
    `project` record: the root (a hint), the marker that found it (None: no marker, the working
    directory stands in) and the working directory relative to the root."""
    cwd = Path(cwd).resolve()
    found = find_root(cwd)
    root, marker = found if found is not None else (cwd, None)
    project = {"root": str(root), "marker": marker, "cwd": relative_in(cwd, root) or "."}
    file = _entry_file(cwd, entry, argv)
    inside = relative_in(file, root) if file is not None else None
    return ({**entry, "project_path": inside} if inside is not None else entry), project


def _entry_file(cwd: Path, entry: dict[str, Any], argv: Sequence[str]) -> Path | None:
    """The file the run started from: a script's or `.ai` app's recorded path, or, for a run started
    as `python app.py` with tracing enabled, the file its `argv[0]` names. None for a module or `-c`."""
    kind = entry.get("kind")
    if kind in ("script", "namel3ss") and isinstance(entry.get("path"), str):
        return Path(entry["path"]).resolve()
    typed = argv[0] if kind == "python" and argv else ""
    if typed and not typed.startswith("-") and (cwd / typed).is_file():
        return (cwd / typed).resolve()
    return None


def run_project(entry: dict[str, Any], argv: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """`located` for this process's working directory; the entry as given and no project record when
    the directory cannot be looked at (the tracer never raises into the app)."""
    try:
        return located(Path(os.getcwd()), entry, argv)
    except (OSError, ValueError):
        return entry, None
