"""Writing a file the user named (`report -o`, `export`, `check --junit`, a golden run): whole or not at all, and
never through a link to another file.

The folder is the user's (followed); the name is theirs too, but what is at it may not be: a link a clone or a
tarball left, a FIFO, another user's file. `write_output` decides by what is there (its docstring), and writes
through `model/fs.py` (`Folder.replace`) otherwise.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from .fs import CLOEXEC, NONBLOCK, TOKEN_BYTES, Folder, Refused, refusal

try:
    import fcntl
except ImportError:  # Windows: no F_SETFL
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

_DESCRIPTORS = re.compile(r"/proc/[^/]+(/task/[^/]+)?/fd")  # where `/dev/stdout` and `/dev/fd/N` lead on Linux


def write_output(path: os.PathLike[str] | str, write: Callable[[BinaryIO], T]) -> T:
    """Write a file the user named (`report -o`, `export`, `check --junit`, a golden run): whole or not at all,
    by `Folder.replace` in its folder (followed: the user named it), with the umask's mode.

    What is at the name decides: nothing, a regular file of this user, or a link to a regular file (or to
    nowhere) is replaced, the link itself and never its target; a FIFO or a character device (`/dev/null`, a
    pipe, `/dev/stdout`: a descriptor of this process, whatever it leads to) is written through, opened
    without waiting and then written as usual; a directory, another user's file or a FIFO nobody reads is
    `Refused`, and so is anything else. The temporaries an earlier write to the same name left when it was
    killed are removed first (`Folder.remove_abandoned`)."""
    path = Path(path)
    if _names_a_descriptor(path):
        return _write_through(path, write, regular=True)
    with Folder.open(path.parent, follow=True) as folder:
        named = folder.stat(path.name)
        found = _followed(path) if named is not None and stat.S_ISLNK(named.st_mode) else named
        if found is not None and (stat.S_ISFIFO(found.st_mode) or stat.S_ISCHR(found.st_mode)):
            return _write_through(path, write, regular=False)
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise Refused(path, "is a directory")
        if found is not None and not stat.S_ISREG(found.st_mode):
            raise Refused(path, "is not a file, a pipe or a character device")
        if named is not None and stat.S_ISREG(named.st_mode) and named.st_uid != os.geteuid():
            raise Refused(path, f"belongs to another user (uid {named.st_uid})")
        folder.remove_abandoned(output_temporaries(path.name))
        return folder.replace(path.name, write, output_mode())


def output_temporaries(name: str) -> re.Pattern[str]:
    """The names of the temporaries a write of `name` makes (`Folder.temporary`'s, and the eight characters of
    `tempfile.mkstemp` an earlier version used)."""
    return re.compile(rf"\.{re.escape(name)}\.([0-9a-f]{{{2 * TOKEN_BYTES}}}|[a-z0-9_]{{8}})\.tmp")


def _names_a_descriptor(path: Path) -> bool:
    """Whether `path` leads through `/proc/PID/fd` (`/dev/stdout`, `/dev/fd/3`): a file this process has open,
    which the user means to be written where it is, whatever it is (a file the shell opened with `>`)."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit of links followed
        folder = os.path.realpath(os.path.dirname(current))
        if _DESCRIPTORS.fullmatch(folder):
            return True
        try:
            target = os.readlink(os.path.join(folder, os.path.basename(current)))
        except OSError:
            return False
        current = os.path.abspath(os.path.join(folder, target))
    return False


def _followed(path: Path) -> os.stat_result | None:
    """What a link at `path` leads to; None when it leads nowhere (replaced like a missing file)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise refusal(path, error) from None


def _write_through(path: Path, write: Callable[[BinaryIO], T], *, regular: bool) -> T:
    """`write` into the FIFO or character device at `path` (or, with `regular`, the file a descriptor name leads
    to, added to as `>>` and `>` both mean), opened without waiting for a reader, then written as usual."""
    try:
        fd = os.open(path, os.O_WRONLY | NONBLOCK | CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise Refused(path, "has no reader (a pipe nothing reads yet, or a socket): name a file") from None
        raise refusal(path, error) from None
    try:
        found = os.fstat(fd)
        if not (stat.S_ISFIFO(found.st_mode) or stat.S_ISCHR(found.st_mode) or regular and stat.S_ISREG(found.st_mode)):
            raise Refused(path, "is not a file, a pipe or a character device")
        if fcntl is not None:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL) & ~NONBLOCK
            fcntl.fcntl(fd, fcntl.F_SETFL, flags | (os.O_APPEND if stat.S_ISREG(found.st_mode) else 0))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "wb") as stream:
        return write(stream)


def output_mode() -> int:
    """The mode of a file made for the user (an output, a table): what the umask leaves of 0666."""
    return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
