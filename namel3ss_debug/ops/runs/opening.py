"""Opening the run index's file without trusting what is at its name: a directory of traces may come from a
stranger (a tarball, a clone), and `tar` and `git` keep symbolic links.

The file is opened by us before SQLite opens it, through `model/fs.py` (the directory of traces is followed: the
user named it; the index's name in it is not): a link, dangling or not, is refused, so nothing is written through
it and nothing made at its target; a FIFO named like it is never waited on; it is made 0600 when missing (the rows
hold the runs' questions, answers and error messages, as readable as the traces the tracer writes 0600), and
refused when it is not a regular file or another user owns it. The files SQLite opens by name beside it (`-wal`
and `-shm` of its write-ahead log, and `-journal`, which it reads back as a hot journal when it finds one) are
held to the same rule. A refused file is left as it is: the index is a cache, so the runs are indexed in memory
for the command (`RunIndex` says so in one note).

What this cannot cover: SQLite opens these names itself, after the check; a file put at one in between is caught
for the index's own file (`Claim.still_there`), not for its side files.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ...model.fs import PRIVATE_FILE, Folder, Refused

SIDE_FILES = ("-wal", "-shm", "-journal")  # what SQLite keeps beside the file: its write-ahead log, a rollback's


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


def index_files(path: Path) -> re.Pattern[str]:
    """The names of the index at `path` and its side files: the only ones removed when it is made again."""
    return re.compile(re.escape(path.name) + "(?:" + "|".join(map(re.escape, SIDE_FILES)) + ")?")


def claim(path: Path) -> Claim:
    """The index's file at `path`, its mode made 0600, made (empty, 0600) when missing. Raises `Refused` for a
    symbolic link, anything but a regular file, or a file of another user (at `path` or at a side file beside
    it), and OSError when it cannot be opened or made (a directory that is missing or not writable)."""
    with Folder.open(path.parent, follow=True) as folder:
        for suffix in SIDE_FILES:
            _check_side(folder, path.name + suffix)
        stream, created = _opened_or_made(folder, path.name)
        with stream:
            found = os.fstat(stream.fileno())
            _made_private(stream, found)
    return Claim(path, found.st_dev, found.st_ino, created)


def said(refused: Refused, path: Path) -> str:
    """What the note says of a refusal: `it is a symbolic link`, `NAME-wal beside it belongs to another user`."""
    what = "it" if Path(refused.path).name == path.name else f"{Path(refused.path).name} beside it"
    return f"{what} {refused.why}"


def _opened_or_made(folder: Folder, name: str) -> tuple[BinaryIO, bool]:
    try:
        return folder.reader(name), False
    except FileNotFoundError:
        pass
    try:
        return folder.create(name, PRIVATE_FILE), True
    except FileExistsError:  # another process made it meanwhile: open theirs, as checked as any
        return folder.reader(name), False


def _check_side(folder: Folder, name: str) -> None:
    try:
        stream = folder.reader(name)
    except FileNotFoundError:
        return
    with stream:
        _made_private(stream, os.fstat(stream.fileno()))


def _made_private(stream: BinaryIO, found: os.stat_result) -> None:
    if stat.S_IMODE(found.st_mode) & 0o077:  # made by an earlier version with the umask's mode
        os.fchmod(stream.fileno(), PRIVATE_FILE)
