"""Opening the run index's file without trusting what is at its name: a directory of traces may come from a
stranger (a tarball, a clone), and `tar` and `git` keep symbolic links.

The file is opened by us before SQLite opens it, with `O_NOFOLLOW` (a link, dangling or not, is refused, so nothing
is written through it and nothing made at its target) and `O_NONBLOCK` (a FIFO named like it never waits), made
0600 when missing (the rows hold the runs' questions, answers and error messages, as readable as the traces the
tracer writes 0600), and refused when it is not a regular file or another user owns it. Its `-wal` and `-shm`,
which SQLite opens by name beside it, are held to the same rule. A refused file is left as it is: the index is a
cache, so the runs are indexed in memory for the command (`RunIndex` says so in one note).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

SIDE_FILES = ("-wal", "-shm")  # what SQLite's write-ahead log keeps beside the file
PRIVATE = 0o600


class Refused(Exception):
    """The file at the index's name is not one to open (`str`: why, in a few words)."""


@dataclass(frozen=True)
class Claim:
    """The index's file, opened (and made when missing) as ours; `created` when this call made it."""

    path: Path
    device: int
    inode: int
    created: bool

    def still_there(self) -> bool:
        """Whether the name still holds the file claimed (not a link or another file put there since)."""
        try:
            found = os.lstat(self.path)
        except OSError:
            return False
        return stat.S_ISREG(found.st_mode) and (found.st_dev, found.st_ino) == (self.device, self.inode)


def claim(path: Path) -> Claim:
    """The index's file at `path`, its mode made 0600, made (empty, 0600) when missing. Raises `Refused` for a
    symbolic link, anything but a regular file, or a file of another user (at `path` or at a `-wal`/`-shm` beside
    it), and OSError when it cannot be opened or made (a directory that is not writable)."""
    for suffix in SIDE_FILES:
        _check_side(Path(f"{path}{suffix}"))
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    created = False
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        try:
            handle = os.open(path, flags | os.O_CREAT | os.O_EXCL, PRIVATE)
            created = True
        except FileExistsError:  # another process made it meanwhile: open theirs, as checked as any
            handle = _opened(path, flags)
    except OSError as error:
        raise _refused(error) from None
    try:
        return _checked(path, handle, created)
    finally:
        os.close(handle)


def _opened(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags)
    except OSError as error:
        raise _refused(error) from None


def _refused(error: OSError, what: str = "it") -> Exception:
    """A link (ELOOP under O_NOFOLLOW) or a directory (EISDIR) as `Refused`; any other error as it is."""
    if error.errno == errno.ELOOP:
        return Refused(f"{what} is a symbolic link")
    if error.errno in (errno.EISDIR, errno.ENXIO):  # ENXIO: a socket, or a FIFO with no reader
        return Refused(f"{what} is not a regular file")
    return error


def _checked(path: Path, handle: int, created: bool) -> Claim:
    found = os.fstat(handle)
    _check(found)
    if stat.S_IMODE(found.st_mode) & 0o077:  # made by an earlier version with the umask's mode
        os.fchmod(handle, PRIVATE)
    return Claim(path, found.st_dev, found.st_ino, created)


def _check_side(path: Path) -> None:
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as error:
        raise _refused(error, f"{path.name} beside it") from None
    try:
        found = os.fstat(handle)
        _check(found, f"{path.name} beside it")
        if stat.S_IMODE(found.st_mode) & 0o077:
            os.fchmod(handle, PRIVATE)
    finally:
        os.close(handle)


def _check(found: os.stat_result, what: str = "it") -> None:
    if not stat.S_ISREG(found.st_mode):
        raise Refused(f"{what} is not a regular file")
    if found.st_uid != os.geteuid():
        raise Refused(f"{what} belongs to another user (uid {found.st_uid})")
