"""Whether a trace file is still being written: the lock its writer holds, and the test a rewriter makes.

A trace file is rewritten by putting a new file in its place (`redact`); a writer that still has the old
file open goes on appending to it after the rename, and every line it writes then is lost with it. So the
tracer's writer holds an exclusive advisory lock (`flock`) on each segment for as long as it has it open
(`open_for_writing`), and at a rotation locks the next segment before it closes the last: a run being
written always has a locked file. A rewriter takes the same lock without waiting (`hold`) on each file of
the run, in order, before it reads any: a file it cannot lock is being written, and it leaves the run
alone. The locks are the kernel's, released when the writer closes the file or its process ends however
it ends (killed, crashed): a run whose writer died is not being written, and can be rewritten.

A writer waits for the lock only when a rewriter took a file it had just created and not locked yet (an
empty file, which a rewrite leaves as it is); it then checks that the path still names its file, and opens
the path again if it does not, so that it never writes to a file that was replaced.

What this does not cover, said where it is documented: a writer that does not take the lock (a tracer of an
older version, another program); a file system without `flock` (some network and FUSE file systems),
where no file looks locked; Windows, which has no `flock`: there a file that another process has open
cannot be replaced (the rename fails, and the old file stays whole).
"""

from __future__ import annotations

import os
from typing import Iterable, Optional

from .errors import Namel3ssDebugError
from .fs import CLOEXEC, NOFOLLOW, NONBLOCK, UNWAITED, check_regular, refusal

try:
    import fcntl
except ImportError:  # Windows: see the module's docstring
    fcntl = None  # type: ignore[assignment]

# A segment's name is the tracer's (`model/files.py`): a link or a FIFO found at it was put there by somebody else,
# and is refused (O_NOFOLLOW; O_NONBLOCK, then `_regular`), never written through or waited on.
WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | NOFOLLOW | NONBLOCK | CLOEXEC
WRITE_MODE = 0o600
_REOPENS = 3  # a path replaced again and again while its writer waits: write to the last file opened


class StillWriting(Namel3ssDebugError):
    """A file of the run is held by its writer: the run is still being written."""


def open_for_writing(path: os.PathLike[str] | str) -> int:
    """A descriptor to append to `path` (created with mode 0600 if missing), locked for as long as it stays
    open. Raises OSError as `os.open` does; a lock that cannot be taken (no `flock` here) is done without."""
    for _ in range(_REOPENS):
        fd = _regular(path)
        if _lock_for_writing(fd) and not _same_file(fd, path):
            os.close(fd)  # replaced while we waited: the lines belong in the file now at the path
            continue
        return fd
    return _regular(path)


def _regular(path: os.PathLike[str] | str) -> int:
    """`path` opened with WRITE_FLAGS, a regular file of this user's (`fs.Refused` otherwise)."""
    try:
        fd = os.open(path, WRITE_FLAGS, WRITE_MODE)
    except OSError as error:
        raise refusal(path, error) from None
    try:
        check_regular(path, os.fstat(fd), own=True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _lock_for_writing(fd: int) -> bool:
    """Lock `fd`; True when that meant waiting for a rewriter (which may have replaced the file)."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        pass
    except OSError:
        return False  # no locks on this file system: written without
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a rewriter holds the file it has just seen created: not for long
    except OSError:
        return False
    return True


def _same_file(fd: int, path: os.PathLike[str] | str) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


class HeldFiles:
    """Files locked as their writer locks them, so that none of them is written while they are rewritten.
    Released by `release` (or the `with` block's end); closing the descriptors releases the locks."""

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}

    def __enter__(self) -> HeldFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self._fds)

    def hold(self, paths: Iterable[str], *, wait: bool = False) -> None:
        """Lock each of `paths` not held yet, in order. A file its writer holds raises `StillWriting`, or with
        `wait` is waited for. A file that cannot be opened or locked (gone, no `flock` here) is passed over:
        the rewrite itself then says what is wrong with it."""
        for path in paths:
            if path not in self._fds:
                fd = _locked(path, wait)
                if fd is not None:
                    self._fds[path] = fd

    def check(self, paths: Iterable[str], *, wait: bool = False) -> None:
        """As `hold`, letting go of each file at once: for the segments a writer has closed, which it never
        opens again (only a run's newest two can be open in it), so that a run of thousands of segments does
        not take a descriptor each."""
        for path in paths:
            if path not in self._fds:
                fd = _locked(path, wait)
                if fd is not None:
                    os.close(fd)

    def release(self) -> None:
        fds, self._fds = self._fds, {}
        for fd in fds.values():
            os.close(fd)


def _locked(path: str, wait: bool) -> Optional[int]:
    if fcntl is None:
        return None
    try:
        fd = os.open(path, UNWAITED)  # a FIFO is not waited on
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        raise StillWriting("the file is still being written: its run has not ended", where=path,
                           hint="wait for the app to end") from None
    except OSError:
        os.close(fd)
        return None  # no locks on this file system
    except BaseException:  # Ctrl-C while waiting
        os.close(fd)
        raise
    return fd
