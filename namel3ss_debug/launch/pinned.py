"""A path resolved once and the file or directory it named then, so a rerun uses what consent checked.

A rerun judges the app a trace names by its paths (`consent.py`), then runs it. Were the launcher to look
the paths up again, a link on the way (the recorded directory, a package folder, a link in a folder
anyone can write to) could be turned elsewhere between the check and the run. So each path is opened
once here: its name is the kernel's for the opened object (links followed), and its device and inode
are kept. Consent judges that name; the launcher opens it again and goes on only when it finds the
same device and inode, reading code from, or changing into, the descriptor it checked.

    where = pin(Path("/proj/link"))       # Pinned(path=Path('/proj/agents'), device=..., inode=...)
    enter(where)                          # fchdir to /proj/agents, or Changed if it is no longer that folder
    read_pinned(pin(Path("app.py")))   # its bytes, or Changed if app.py is now another file
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import UsageError
from .shown import shown

_LOOK = getattr(os, "O_PATH", os.O_RDONLY) | os.O_CLOEXEC  # O_PATH: a file we may not read can still be named


@dataclass(frozen=True)
class Pinned:
    """A resolved path (no links) and the device and inode it named when it was resolved."""

    path: Path
    device: int
    inode: int


@dataclass(frozen=True)
class PinnedModule:
    """A file a run executes: the module it runs as (`__main__` for a script), its origin as found (a path,
    or `built-in`, `frozen`), whether it is a package's `__init__`, and the file pinned (None when its code
    is no file that opens)."""

    name: str
    origin: str
    package: bool
    pinned: Pinned | None


class Changed(UsageError):
    """A path consent judged names another file or directory by the time it is used."""

    def __init__(self, pinned: Pinned) -> None:
        super().__init__(f"{shown(str(pinned.path))} changed after the rerun checked it (it is no longer the file "
                         "or folder judged): not running it",
                         hint="something is moving links or folders in the project; stop it, then rerun")


def pin(path: Path) -> Pinned:
    """`path` opened once: the kernel's name for what it reached (links followed) and its identity.
    OSError when it cannot be opened."""
    fd = os.open(path, _LOOK)
    try:
        status = os.fstat(fd)
        return Pinned(_name_of(fd, path), status.st_dev, status.st_ino)
    finally:
        os.close(fd)


def _name_of(fd: int, path: Path) -> Path:
    """The opened object's absolute name, from the descriptor where the system says it (Linux's
    /proc/self/fd); elsewhere the path resolved, a second lookup the identity check at use covers."""
    try:
        name = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return Path(os.path.realpath(path))
    return Path(name) if name.startswith("/") and not name.endswith(" (deleted)") else Path(os.path.realpath(path))


def _check(fd: int, pinned: Pinned) -> None:
    status = os.fstat(fd)
    if (status.st_dev, status.st_ino) != (pinned.device, pinned.inode):
        os.close(fd)
        raise Changed(pinned)


def read_pinned(pinned: Pinned) -> bytes:
    """The file's bytes, read from a descriptor found to be the pinned file (Changed otherwise)."""
    try:
        fd = os.open(pinned.path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise Changed(pinned) from error
    _check(fd, pinned)
    with open(fd, "rb") as handle:
        return handle.read()


def enter(pinned: Pinned) -> None:
    """Change into the pinned directory through a descriptor found to be it (Changed otherwise)."""
    try:
        fd = os.open(pinned.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise Changed(pinned) from error
    _check(fd, pinned)
    try:
        os.fchdir(fd)
    finally:
        os.close(fd)
