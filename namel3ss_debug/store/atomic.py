"""Writing a file whole or not at all: a reader (a CI step, a browser) never sees half a file.

The whole file is written to a temporary beside it (`.NAME.XXXXXXXX.tmp`), then put in its place. A writer
ended by SIGTERM or SIGKILL runs no cleanup and leaves its temporary behind; `remove_stale_temporaries`,
called by the next writer of the same path that wants it (`export`), removes those whose writer is gone.
Gone is told by a lock, not a process id (which another namespace or a reused number would get wrong):
each writer holds an exclusive `flock` on its temporary from creation to the rename, and the kernel lets
it go when the process ends, however it ends.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no locks, so no temporary can be told abandoned; none is removed
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
# `tempfile.mkstemp`'s eight characters; a temporary younger than this is left alone whatever its lock
# says, since its writer takes the lock just after creating it.
_RANDOM = "[a-z0-9_]{8}"
STALE_AFTER_S = 10.0


def replace_file(path: Path | str, write: Callable[[BinaryIO], T]) -> T:
    """Call `write` on a temporary file beside `path`, then put it in `path`'s place, with the permissions
    the umask gives; if `write` raises, `path` is untouched. A symlink, a device or a pipe (`/dev/null`,
    `/dev/stdout`) is written through, never replaced. Raises OSError as `open` does."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        with open(path, "wb") as stream:
            return write(stream)
    import tempfile  # noqa: PLC0415 - 4 ms to import (shutil, random): only a write pays it

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_directory(path))
    held = _lock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB) if fcntl is not None else False
    try:
        with os.fdopen(handle, "wb") as stream:
            done = write(stream)
            if held:  # renamed under the lock: no sweeper ever finds it without its writer
                stream.flush()
                _put(temporary, path)
        if not held:
            _put(temporary, path)
        return done
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path: Path | str, *, now: float | None = None) -> list[Path]:
    """Remove the temporaries `replace_file` left beside `path` when its writer was killed, and return them.

    Only ours: a name `.NAME.XXXXXXXX.tmp`, a regular file (not a link), owned by this user, unchanged for
    `STALE_AFTER_S`, whose lock no process holds (a live writer's lock, in any namespace, keeps it). Where
    locks cannot be taken (no `fcntl`, a file system without them) nothing is removed. Never raises."""
    path = Path(path)
    if fcntl is None:
        return []
    shape = re.compile(rf"\.{re.escape(path.name)}\.{_RANDOM}\.tmp")
    directory = _directory(path)
    try:
        names = [entry.name for entry in os.scandir(directory) if shape.fullmatch(entry.name)]
    except OSError:
        return []
    clock = time.time() if now is None else now
    return [directory / name for name in names if _remove_if_abandoned(directory / name, clock)]


def _remove_if_abandoned(candidate: Path, now: float) -> bool:
    try:
        fd = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # a link (ELOOP), gone, or unreadable
        return False
    try:
        found = os.fstat(fd)
        if not (stat.S_ISREG(found.st_mode) and found.st_uid == os.getuid()
                and now - found.st_mtime >= STALE_AFTER_S and _lock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)):
            return False
        named = os.lstat(candidate)  # still the file that was judged
        if (named.st_dev, named.st_ino) != (found.st_dev, found.st_ino):
            return False
        os.unlink(candidate)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _lock(fd: int, how: int) -> bool:
    """Whether `fd` is now locked: False when another holds it, or the file system has no locks."""
    try:
        fcntl.flock(fd, how)
    except OSError:
        return False
    return True


def _put(temporary: str, path: Path) -> None:
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, path)


def _directory(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
