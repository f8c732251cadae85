"""A part's answer handed back from its worker through a file of its own, not through the pool's pipe, in a
directory that is never found again by its name.

Through the pipe, an answer is pickled whole into one buffer, sent in pieces, gathered again into another, and
unpickled by the pool's result thread as soon as it arrives: at 1 GiB, a 24 MB answer took 131 MB of the asking
process at its peak. Written to a file (`pickle.dump` streams it), it is read back (`pickle.load` streams it too)
only when the join asks for it, and it costs the asking process its objects alone.

The directory is made for the read by the asking process (`model.fs.private_temporary_folder`: 0700, at a name
nobody can guess) and held open (`Handoff.place`: its descriptor) while the workers run. The workers are forked
from that process (`split.cut_for` reads in parts under `fork` only), so they hold the same descriptor: each writes
`part-N.pickle` relative to it (made exclusively, no link followed), and the asking process reads it back relative
to it (a regular file of this user, no link followed), then removes it. A directory put at the name afterwards
(a shared `TMPDIR` without the sticky bit lets any user rename ours and plant theirs) is never looked in: the name
is not read again after it is made. The worker checks that the descriptor it was handed is the directory made for
the read (its device and inode), so a worker started otherwise fails its part rather than writing elsewhere.

Of the other ways: a descriptor of an anonymous file (`memfd_create`, `O_TMPFILE`) per part would have to cross
the pool's pipe, which carries pickles only (passing descriptors needs a socket of our own and `SCM_RIGHTS`); the
answers through the pipe itself cost the memory above. One inherited directory needs neither.

The directory is removed when the read ends, whatever ended it: its files relative to the descriptor, the
directory itself only while the name still holds it (`Folder.remove_tree`). What a part's answer holds of the run is
what the trace holds (its texts cut, as the report's are). The pickle read back is the one this read's own worker
wrote (the objects the pool would pickle through its pipe), from the directory this process made and holds: no text
of a trace, and nothing at a path another user could have written, is unpickled (`tests/meta/test_no_eval.py` lists
this module as reviewed).
"""

from __future__ import annotations

import os
import pickle
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model.fs import Folder, private_temporary_folder

PREFIX = "namel3ss-debug-parts-"
ANSWER = re.compile(r"part-[0-9]+\.pickle")  # the only names written, read and removed in the directory


@dataclass(frozen=True)
class Place:
    """What a worker is handed to write its answer: the descriptor of the read's directory (inherited by the fork),
    its device and inode (to know it is that directory), and its path (for messages only)."""

    fd: int
    device: int
    inode: int
    path: str


class Handoff:
    """The directory the workers of one read write their answers in, held open; `with` it, so that it is removed."""

    def __init__(self) -> None:
        self.folder = private_temporary_folder(PREFIX)
        found = os.fstat(self.folder.fd)
        self.place = Place(self.folder.fd, found.st_dev, found.st_ino, str(self.folder.path))

    def __enter__(self) -> Handoff:
        return self

    def __exit__(self, *exc: object) -> None:
        self.folder.remove_tree(ANSWER)
        self.folder.close()


def handed(place: Place, number: int, answer: Any) -> int:
    """`answer` written (in a worker forked from the asking process) as the `number`-th part's file of the read's
    directory, relative to its inherited descriptor; `number`. Raises OSError when the descriptor is not that
    directory, or a file is at the name already."""
    try:
        found = os.fstat(place.fd)
    except OSError as error:
        raise OSError(error.errno, f"the parts' directory {place.path} is not open in this worker") from None
    if not stat.S_ISDIR(found.st_mode) or (found.st_dev, found.st_ino) != (place.device, place.inode):
        raise OSError(f"descriptor {place.fd} of this worker is not the parts' directory {place.path}")
    folder = Folder(place.fd, Path(place.path))  # the asking process's, inherited: not closed here
    with folder.create(_name(number)) as file:
        pickle.dump(answer, file, protocol=pickle.HIGHEST_PROTOCOL)
    return number


def taken(handoff: Handoff, number: int) -> Any:
    """The answer of the `number`-th part, read relative to `handoff`'s held directory (a regular file of this user,
    no link followed: `Refused` otherwise), the file removed."""
    name = _name(number)
    try:
        with handoff.folder.reader(name, own=True) as file:
            return pickle.load(file)  # written by this read's own worker, in the directory this process holds
    finally:
        handoff.folder.remove(name, ANSWER)


def _name(number: int) -> str:
    return f"part-{int(number)}.pickle"
