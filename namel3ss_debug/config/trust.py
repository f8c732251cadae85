"""Whether a workspace file found by looking upwards may be believed, as git's `safe.directory` decides for a
repository: a `.namel3ss/debug.json` can turn redaction off and send a run's events to a receiver, so one that
a stranger could have written is ignored, with one line that names it and says how to trust it.

A file found from the working directory upwards is believed when all of these hold:
- it lies inside the project: the nearest directory from the working directory upwards that holds `.git` (a
  directory or a file: a worktree, a submodule) is the project root, and the file's workspace (the directory
  holding `.namel3ss/`) is that root or below it. With no `.git` above, the project is the working directory
  alone: only its own `.namel3ss/debug.json` is believed, not a parent's (a checkout-less home or /tmp is where
  a planted file waits);
- the file and its `.namel3ss/` directory are owned by the current user or by root;
- neither is writable by others, nor by a group other than the user's own (the group named after the user, as
  Debian's user private groups with `umask 002` make them).

`NAMEL3SS_DEBUG_TRUST` lists what the user trusts anyway (paths separated by `:`; a workspace directory or the
file itself; `*` for any), and `--config PATH` names a file explicitly: both are the user's own choice, so the
checks do not apply to them. Stdlib only, like the settings (`config/__init__.py`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Mapping

TRUST_ENV = "NAMEL3SS_DEBUG_TRUST"
GIT = ".git"


def project_root(cwd: Path) -> Path | None:
    """The nearest directory from `cwd` upwards holding `.git` (a directory, or a file: a worktree, a
    submodule), else None. The one lookup of a checkout's top (`tracer/project.py` uses it too)."""
    for directory in (cwd, *cwd.parents):
        candidate = directory / GIT
        if candidate.is_dir() or candidate.is_file():
            return directory
    return None


def distrust(path: Path, cwd: Path, environ: Mapping[str, str]) -> str | None:
    """Why the workspace file `path` (found from `cwd` upwards) is not believed, or None when it is."""
    workspace = path.parent.parent
    if _trusted(workspace, path, environ):
        return None
    root = project_root(cwd)
    if root is None and workspace != cwd:
        return "it lies above the working directory, and no .git makes them one project"
    if root is not None and workspace != root and root not in workspace.parents:
        return f"it lies above the project root {root}"
    for item in (path.parent, path):
        problem = _owner_problem(item)
        if problem:
            return problem
    return None


def stranger_problem(status: os.stat_result, what: str = "it") -> str | None:
    """Whose `status` is, and who may write it, as a reason to distrust it; None for the user's own."""
    if status.st_uid not in (os.geteuid(), 0):
        return f"{what} is owned by uid {status.st_uid}, not by you"
    if status.st_mode & stat.S_IWOTH:
        return f"{what} is writable by others (mode {stat.S_IMODE(status.st_mode):o})"
    if status.st_mode & stat.S_IWGRP and not _own_group(status.st_gid):
        return f"{what} is writable by group {status.st_gid} (mode {stat.S_IMODE(status.st_mode):o})"
    return None


def trust_hint(path: Path) -> str:
    """How to believe the file anyway."""
    return f"to trust it: {TRUST_ENV}={path.parent.parent} or --config {path}"


def _owner_problem(item: Path) -> str | None:
    try:
        status = item.stat()
    except OSError as error:
        return f"{item} cannot be looked at ({error.strerror or error})"
    return stranger_problem(status, "its directory" if item.is_dir() else "it")


def _own_group(gid: int) -> bool:
    """Whether `gid` is the user's private group: the group named as the user is (root's own group too)."""
    if gid == 0:
        return os.geteuid() == 0
    try:
        import grp  # noqa: PLC0415 - POSIX only, and only a group-writable file needs it
        import pwd  # noqa: PLC0415 - as grp

        return grp.getgrgid(gid).gr_name == pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return False


def _trusted(workspace: Path, path: Path, environ: Mapping[str, str]) -> bool:
    listed = [entry.strip() for entry in environ.get(TRUST_ENV, "").split(os.pathsep) if entry.strip()]
    if "*" in listed:
        return True
    chosen = {_resolved(workspace), _resolved(path)}
    return any(_resolved(Path(entry).expanduser()) in chosen for entry in listed)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
