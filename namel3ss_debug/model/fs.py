"""The one way the tool touches a file whose name it chose: a cache entry, an index and its side files, a sidecar,
a hand-off between processes, a temporary, an output put in its place.

What is at such a name may have been put there by somebody else (a tarball or a clone of a folder of traces keeps
links; `/tmp`, a shared `TMPDIR` or `XDG_CACHE_HOME` on a CI runner is everyone's), so nothing found there is
believed until it is checked (git's `safe.directory`, OpenSSH's `StrictModes`, CPython's `tempfile`):

- a directory is opened once (`Folder`) and every entry is opened, made, renamed and removed relative to it, so a
  directory swapped at its name afterwards changes nothing;
- no link is followed at a name the tool chose (`O_NOFOLLOW`, and `os.rename` replaces a link, never writes
  through it);
- only regular files are read or written there: a FIFO or a device is refused, never waited on (`O_NONBLOCK`);
- a directory the tool keeps private (a cache) is made 0700, and refused when another user owns it; a file it makes
  is 0600 unless asked otherwise, and a file of another user is refused where the tool's own are expected;
- a temporary has a name nobody can guess (`os.urandom`) and is made exclusively (`O_EXCL`);
- only names of the tool's own shape are ever removed (`Folder.remove` takes the shape), and only regular files
  this user owns: a link, even of our shape, is left as it is.

An output the user named (`write_output`: `report -o`, `export FILE`) is put in place the same way, a link at
its name replaced and never written through; only a pipe or a device they named is written where it is, opened
without waiting.

Each refusal is a `Refused`: one line that names the path and why. It is an `OSError` as well, so a cache that
cannot be used costs only the speed where the caller already passes over OSError, and a `UsageError` (exit 2) where
it reaches the user: the path is theirs to change.

    with Folder.open(cache, make=True, private=True) as folder:
        data = folder.read("entry", limit=1 << 20)            # None when missing
        folder.replace("entry", lambda out: out.write(data))  # written whole, or not at all
        folder.remove("entry", ENTRY_SHAPE)
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from .errors import UsageError

try:
    import fcntl
except ImportError:  # Windows: no locks
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
READ_FLAGS = os.O_RDONLY | NOFOLLOW | NONBLOCK | CLOEXEC
UNWAITED = os.O_RDONLY | NONBLOCK | CLOEXEC  # a file the user named, read without waiting on a FIFO
TOKEN_BYTES = 8  # bytes of randomness in a temporary's name (16 hex digits)
TEMPORARY = re.compile(r"\..+\.[0-9a-f]{16}\.tmp")  # `.NAME.RANDOM.tmp`: what `Folder.replace` writes first
ABANDONED_AFTER_S = 10.0  # a temporary younger than this is kept whatever its lock says: its writer may not hold it yet


class Refused(UsageError, OSError):
    """A file or directory at a name the tool chose that it will not use: `path`, and `why` in a few words."""

    def __init__(self, path: os.PathLike[str] | str, why: str):
        super().__init__(f"{os.fspath(path)}: {why}",
                         hint="remove it or name another place; the tool uses only files it made")
        self.path = os.fspath(path)
        self.why = why
        self.filename = self.path
        self.strerror = why  # a caller's `cannot write PATH: {error.strerror}` reads as one line


def refusal(path: os.PathLike[str] | str, error: OSError) -> OSError:
    """What an `os.open` with our flags raised, as a `Refused` where it is about what is at the name."""
    if error.errno == errno.ELOOP:
        return Refused(path, "is a symbolic link")
    if error.errno == errno.ENXIO:  # a FIFO with no writer or reader, a socket
        return Refused(path, "is not a regular file")
    if error.errno == errno.ENOTDIR and os.path.islink(path):  # O_DIRECTORY's answer to a link, before O_NOFOLLOW's
        return Refused(path, "is a symbolic link")
    if error.errno in (errno.EISDIR, errno.ENOTDIR):
        return Refused(path, "is not a regular file" if error.errno == errno.EISDIR else "is not a directory")
    return error


def check_regular(path: os.PathLike[str] | str, found: os.stat_result, *, own: bool) -> None:
    """Raise `Refused` unless `found` is a regular file (of this user, with `own`)."""
    if not stat.S_ISREG(found.st_mode):
        raise Refused(path, "is not a regular file")
    if own and found.st_uid != os.geteuid():
        raise Refused(path, f"belongs to another user (uid {found.st_uid})")


class Folder:
    """A directory opened once; its entries are opened relative to it. `with` it, or `close` it."""

    def __init__(self, fd: int, path: Path):
        self.fd = fd
        self.path = path

    @classmethod
    def open(cls, path: os.PathLike[str] | str, *, make: bool = False, private: bool = False,
             follow: bool = False) -> Folder:
        """The directory at `path`, made (0700 with `private`, else as the umask says) when missing and `make`.

        The last name is not followed when it is a link, unless `follow` (a folder the user named, such as the one
        a trace lies in). With `private`, it must be this user's, and is made 0700 if it is not yet. Raises
        `Refused` for what is at the name, OSError as `os.open` does otherwise (FileNotFoundError without `make`)."""
        path = Path(path)
        flags = os.O_RDONLY | _DIRECTORY | CLOEXEC | NONBLOCK | (0 if follow else NOFOLLOW)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            if not make:
                raise
            _make(path, private)
            fd = _opened(path, flags)
        except OSError as error:
            raise refusal(path, error) from None
        try:
            _check_folder(path, fd, private)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, path)

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def held(self, name: str) -> str:
        """A path to `name` in this directory that a reader opening by name reaches through the descriptor held
        here (`/proc/self/fd/N/NAME` on Linux), so that a directory swapped in at `path` is never read; the plain
        path where there is no `/proc` (such a directory must then be one nobody else can rename)."""
        through = f"/proc/self/fd/{self.fd}"
        return f"{through}/{name}" if os.path.isdir(through) else os.fspath(self.path / name)

    def folder(self, name: str, *, make: bool = False, private: bool = True) -> Folder:
        """The directory `name` in this one, made (0700 with `private`) when missing and `make`; never followed."""
        flags = os.O_RDONLY | _DIRECTORY | CLOEXEC | NONBLOCK | NOFOLLOW
        try:
            fd = os.open(name, flags, dir_fd=self.fd)
        except FileNotFoundError:
            if not make:
                raise
            try:
                os.mkdir(name, PRIVATE_FOLDER if private else 0o777, dir_fd=self.fd)
            except FileExistsError:
                pass  # another process made it meanwhile: opened and checked as any
            fd = _opened(name, flags, self.fd, self.path / name)
        except OSError as error:
            raise refusal(self.path / name, error) from None
        try:
            _check_folder(self.path / name, fd, private)
        except BaseException:
            os.close(fd)
            raise
        return Folder(fd, self.path / name)

    def reader(self, name: str, *, own: bool = True) -> BinaryIO:
        """The regular file `name`, open to read (of this user, with `own`). FileNotFoundError when missing."""
        try:
            fd = os.open(name, READ_FLAGS, dir_fd=self.fd)
        except FileNotFoundError:
            raise
        except OSError as error:
            raise refusal(self.path / name, error) from None
        try:
            check_regular(self.path / name, os.fstat(fd), own=own)
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "rb")

    def read(self, name: str, *, limit: int, own: bool = True) -> bytes | None:
        """The bytes of the regular file `name`, or None when there is none; `Refused` past `limit` bytes."""
        try:
            stream = self.reader(name, own=own)
        except FileNotFoundError:
            return None
        with stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise Refused(self.path / name, f"is larger than {limit} bytes")
        return data

    def stat(self, name: str) -> os.stat_result | None:
        """What is at `name`, the name itself (a link is not followed); None when there is nothing."""
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def names(self, shape: re.Pattern[str]) -> list[str]:
        """The names in this directory of `shape`, whatever is at them."""
        return [name for name in os.listdir(self.fd) if shape.fullmatch(name)]

    def create(self, name: str, mode: int = PRIVATE_FILE) -> BinaryIO:
        """A new file `name`, open to write; FileExistsError when anything is at the name already."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
        fd = os.open(name, flags, mode, dir_fd=self.fd)
        os.fchmod(fd, mode)  # the umask may have taken bits the caller asked for
        return os.fdopen(fd, "wb")

    def replace(self, name: str, write: Callable[[BinaryIO], T], mode: int = PRIVATE_FILE) -> T:
        """Call `write` on a new temporary here, then put it at `name` (a link there is replaced, not followed);
        if `write` raises, `name` is untouched and the temporary gone. A directory at `name` is `Refused`."""
        found = self.stat(name)
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise Refused(self.path / name, "is a directory")
        temporary, stream = self.temporary(name, mode)
        try:
            with stream:
                done = write(stream)
                stream.flush()  # renamed under its lock: a sweep never takes a finished temporary for abandoned
                os.rename(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            return done
        except BaseException:
            self._unlink_quietly(temporary)
            raise

    def temporary(self, name: str, mode: int = PRIVATE_FILE) -> tuple[str, BinaryIO]:
        """A new file here at a name nobody can guess (`.NAME.RANDOM.tmp`), open to write, locked while open so
        that `remove_abandoned` knows its writer lives; its name and stream."""
        for _ in range(16):
            temporary = f".{name}.{_token()}.tmp"
            try:
                stream = self.create(temporary, mode)
            except FileExistsError:
                continue
            if fcntl is not None:
                try:
                    fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    pass  # a file system without locks: such a temporary is never taken for abandoned
            return temporary, stream
        raise FileExistsError(errno.EEXIST, "no free temporary name", os.fspath(self.path / name))

    def remove(self, name: str, shape: re.Pattern[str]) -> bool:
        """Remove `name` if it is of `shape` and a regular file this user owns (a link, a directory, a FIFO or
        another user's file is left); whether it went. Never raises for what is at the name."""
        if not shape.fullmatch(name):
            raise ValueError(f"{name!r} is not a name of this shape: {shape.pattern}")
        try:
            found = self.stat(name)
            if found is None or not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid():
                return False
            os.unlink(name, dir_fd=self.fd)
            return True
        except OSError:
            return False

    def remove_abandoned(self, shape: re.Pattern[str] = TEMPORARY, *, older_than_s: float = ABANDONED_AFTER_S,
                         now: float | None = None) -> list[str]:
        """Remove the temporaries of `shape` whose writer is gone (no lock held on them, unchanged for
        `older_than_s`); their names. Where locks cannot be taken nothing is removed. Never raises."""
        if fcntl is None:
            return []
        import time  # noqa: PLC0415 - only a sweep reads the clock

        clock = time.time() if now is None else now
        try:
            names = self.names(shape)
        except OSError:
            return []
        return [name for name in names if self._abandoned(name, clock - older_than_s) and self.remove(name, shape)]

    def _abandoned(self, name: str, before: float) -> bool:
        try:
            fd = os.open(name, READ_FLAGS, dir_fd=self.fd)
        except OSError:
            return False
        try:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid() or found.st_mtime > before:
                return False
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def remove_tree(self, shape: re.Pattern[str]) -> None:
        """Remove every entry of `shape` (as `remove` does) and then this directory itself, if it is empty.
        Never raises."""
        try:
            for name in self.names(shape):
                self.remove(name, shape)
            held, named = os.fstat(self.fd), os.lstat(self.path)
            if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):  # not a directory put at its name since
                os.rmdir(self.path)
        except OSError:
            pass

    def _unlink_quietly(self, name: str) -> None:
        try:
            os.unlink(name, dir_fd=self.fd)
        except OSError:
            pass


def _token() -> str:
    """Randomness for a name nobody can guess (16 hex digits): `os.urandom`, as `secrets` is, without its import
    (a millisecond the tracer would pay at the app's start)."""
    return os.urandom(TOKEN_BYTES).hex()


def _make(path: Path, private: bool) -> None:
    """Make `path`'s missing parents as the umask says, and `path` itself (0700 with `private`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, PRIVATE_FOLDER if private else 0o777)
    except FileExistsError:
        pass  # another process made it meanwhile, or something else is there: opened and checked as any


def _opened(name: os.PathLike[str] | str, flags: int, dir_fd: int | None = None,
            shown: os.PathLike[str] | str | None = None) -> int:
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as error:
        raise refusal(shown if shown is not None else name, error) from None


def _check_folder(path: Path, fd: int, private: bool) -> None:
    found = os.fstat(fd)
    if not stat.S_ISDIR(found.st_mode):
        raise Refused(path, "is not a directory")
    if not private:
        return
    if found.st_uid != os.geteuid():
        raise Refused(path, f"belongs to another user (uid {found.st_uid})")
    if stat.S_IMODE(found.st_mode) & 0o077:  # ours, made by an earlier version with the umask's mode
        os.fchmod(fd, PRIVATE_FOLDER)


def private_temporary_folder(prefix: str, parent: os.PathLike[str] | str | None = None) -> Folder:
    """A new directory (0700) in the temporary directory (`tempfile.gettempdir()`), at a name nobody can guess,
    made by this call and held open: a directory put at its name afterwards is never the one used."""
    import tempfile  # noqa: PLC0415 - 4 ms to import: only a hand-off pays it

    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    with Folder.open(base, follow=True) as where:
        for _ in range(16):
            name = f"{prefix}{_token()}"
            try:
                os.mkdir(name, PRIVATE_FOLDER, dir_fd=where.fd)
            except FileExistsError:
                continue
            return where.folder(name)
    raise FileExistsError(errno.EEXIST, "no free temporary name", os.fspath(base))


def read_beside(path: os.PathLike[str] | str, *, limit: int, own: bool = False) -> bytes | None:
    """The bytes of the regular file at `path`, whose last name the tool chose (a sidecar beside a trace, in a
    folder the user named): the folder is followed, the name is not. None when there is none; `Refused` for
    what cannot be read as ours."""
    path = Path(path)
    try:
        with _folder_of(path) as folder:
            return folder.read(path.name, limit=limit, own=own)
    except FileNotFoundError:
        return None


def replace_beside(path: os.PathLike[str] | str, write: Callable[[BinaryIO], T], mode: int = PRIVATE_FILE) -> T:
    """`Folder.replace` of `path`'s last name in its folder (followed: the user named it)."""
    path = Path(path)
    with _folder_of(path) as folder:
        return folder.replace(path.name, write, mode)


def remove_beside(path: os.PathLike[str] | str, shape: re.Pattern[str]) -> bool:
    """`Folder.remove` of `path`'s last name in its folder; never raises."""
    path = Path(path)
    try:
        with _folder_of(path) as folder:
            return folder.remove(path.name, shape)
    except OSError:
        return False


def _folder_of(path: Path) -> Folder:
    """The folder `path` lies in, followed (the user named it)."""
    return Folder.open(path.parent if str(path.parent) else ".", follow=True)
