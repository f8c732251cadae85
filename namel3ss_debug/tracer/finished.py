"""The runs waiting to be handed on (sent to a bucket, put in a team's run index, or both): a marker file of ours,
`<run id>.upload`, beside each one's segments.

A run that is to be handed on is known to be so from its start: its starter writes its marker then (`begin`), in a
running state that names the run's writer (`liveness.this_process`: host, pid, boot and start). The run's end
rewrites it (`mark`) listing the segments it wrote. Whoever sends the run (`launch/uploading.py`, at this run's end
or a later one's) takes the marker first (`claim`), and removes it once every segment is in the bucket and the run
in the index (`TakenRun.sent`). A run whose marker is still running is taken only when its writer is gone
(`liveness.writer_gone`: a process of this host that is not running any more, or whose pid is another process's
now) and no segment of it is locked by a writer (`model/writing.py`: a forked child may still write it); it is then
sent as it is, its segments found by their names (the run's segment shape), and read as `unfinished` (no `run_end`).
So a run killed before its end (SIGKILL, the OOM killer, a CI job's timeout, `os._exit`) is sent by a later end on
its host; a live run is never taken, and a marker of another host (a shared folder) never. A run is found by its
marker, never by guessing from names, and a run whose settings did not hand it on has none.

Taking a marker is an exclusive `flock` on it, without waiting: two processes ending at once never send one run
together; the second finds it taken and leaves it, or finds it gone once the first is done (the name is looked at
again after the lock). The locks are the kernel's, so a sender that dies lets go of its run, which the next end
sends again: a put of the same bytes at the same key is harmless.

Everything here goes through `model/fs.py`: the marker is a regular file of this user at a name of our shape, no
link is followed, and what a marker lists is believed only when it is of the run's own segment shape.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Optional

from ..model.files import RUN_ID, UPLOAD_SUFFIX
from ..model.fs import Folder
from ..model.writing import HeldFiles, StillWriting
from . import liveness

if TYPE_CHECKING:  # only its type: a run is handed in
    from .run import Run

try:
    import fcntl
except ImportError:  # Windows: no locks, so no marker is ever taken there (nothing is sent)
    fcntl = None  # type: ignore[assignment]

LOCKS = fcntl is not None  # without them no run is taken, so none is sent (the sender says so)
MARK_SUFFIX = UPLOAD_SUFFIX
MARK = re.compile(rf"(?P<run>{RUN_ID}){re.escape(MARK_SUFFIX)}")
MARK_LIMIT = 1 << 20  # bytes: a marker lists segment names, some 30 bytes each
MARK_VERSION = 1
RUNNING = "running"  # the state of a marker written at the run's start (`begin`), until its end rewrites it


def mark_name(run_id: str) -> str:
    return f"{run_id}{MARK_SUFFIX}"


def segment_shape(run_id: str) -> re.Pattern[str]:
    """The names of `run_id`'s segments and of their index sidecars: what a sent run's removal may take."""
    return re.compile(rf"{re.escape(run_id)}\.\d{{4,}}\.jsonl(?:\.idx)?")


def _segment_files(run_id: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(run_id)}\.\d{{4,}}\.jsonl")


def hand_on(run: Run) -> None:
    """`run` is to be handed on (sent, indexed): its end leaves its marker (`mark`), and its marker is written now
    (`begin`), should the process die before its end. What every starter of such a run calls. Never raises."""
    run.upload = True
    begin(run.directory, run.run_id)


def begin(directory: Path, run_id: str) -> bool:
    """Write `run_id`'s marker as the run starts, running and naming this process as its writer: if the process
    dies before the run's end, a later end on this host sends the run as it is. Whether it was written (not where
    this process cannot be named: then the run is handed on only if it ends). Never raises."""
    writer = liveness.this_process()
    if not writer:
        return False
    return _write(directory, run_id, {"state": RUNNING, "writer": writer})


def mark(directory: Path, run_id: str, paths: list[Path]) -> bool:
    """Write `run_id`'s marker listing `paths` (its segments in `directory`), whole or not at all, in place of the
    one its start wrote; whether it was. A run that wrote nothing has its marker removed. Never raises: a run
    without a marker stays local, as a run that was never to be sent."""
    if not paths:
        _drop(directory, run_id)
        return False
    names = [path.name for path in paths if path.parent == directory]
    return _write(directory, run_id, {"segments": names})


def _write(directory: Path, run_id: str, fields: dict[str, object]) -> bool:
    if not MARK.fullmatch(mark_name(run_id)):
        return False
    document = json.dumps({"v": MARK_VERSION, "run_id": run_id, **fields}).encode()
    try:
        # at a run's start its writer has not made the folder yet: made as the writer makes it (the umask's mode)
        with Folder.open(directory, make=True, follow=True) as folder:
            folder.replace(mark_name(run_id), lambda out: out.write(document))
        return True
    except OSError:
        return False


def _drop(directory: Path, run_id: str) -> None:
    try:
        with Folder.open(directory, follow=True) as folder:
            folder.remove(mark_name(run_id), MARK)
    except (OSError, ValueError):
        pass


def waiting(directory: Path) -> list[str]:
    """The run ids in `directory` whose marker may be taken now, oldest first (run ids begin with their start
    time): the runs that ended, and those whose writer is gone. A run still being written is not one of them."""
    try:
        with Folder.open(directory, follow=True) as folder:
            names = folder.names(MARK)
            ready = [run_id for run_id in (name.removesuffix(MARK_SUFFIX) for name in names) if _ready(folder, run_id)]
    except OSError:
        return []
    return sorted(ready)


def _ready(folder: Folder, run_id: str) -> bool:
    try:
        stream = folder.reader(mark_name(run_id))
    except OSError:  # gone, a link, a FIFO, another user's: `claim` says no to it too
        return False
    with stream:
        return _read(stream.read(MARK_LIMIT + 1), run_id, folder) is not None


@dataclass(frozen=True)
class Pending:
    """A run taken for sending: its id, and its segments' names as its marker lists them (or, for a run whose
    writer died before its end, as its directory holds them: `unfinished`)."""

    run_id: str
    segments: tuple[str, ...]
    unfinished: bool = False


class TakenRun:
    """A run's marker, taken (`claim`): the run is this process's to send until `sent` or `close`."""

    def __init__(self, folder: Folder, fd: int, pending: Pending):
        self.folder = folder
        self._fd = fd
        self.pending = pending

    def read(self, name: str) -> bytes | None:
        """The bytes of the segment `name` (a regular file of this user, no link followed); None when it is gone.
        Raises `fs.Refused` for what is at the name, OSError when it cannot be read."""
        try:
            stream = self.folder.reader(name)
        except FileNotFoundError:
            return None
        with stream:
            return stream.read()

    def sent(self, *, keep_local: bool) -> None:
        """The run is in the bucket: its segments go (unless `keep_local`), then its marker. Only names of the run's
        segment shape, regular files of this user, are removed (`Folder.remove`); never raises."""
        run_id = self.pending.run_id
        if not keep_local:
            shape = segment_shape(run_id)
            for name in self.pending.segments:
                self.folder.remove(name, shape)
                self.folder.remove(f"{name}.idx", shape)
        self.folder.remove(mark_name(run_id), MARK)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # lets go of the lock
            self._fd = -1
        self.folder.close()

    def __enter__(self) -> TakenRun:
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.close()


def claim(directory: Path, run_id: str) -> TakenRun | None:
    """`run_id`'s marker in `directory`, taken; None when another process holds it, it is gone, or it is not a
    marker of ours (a link, another user's file, a list that is not of the run's segments), or the run is being
    written; a run whose writer died before it wrote a line has its marker removed, with nothing to send. Never
    raises."""
    if fcntl is None:
        return None
    try:
        folder = Folder.open(directory, follow=True)
    except OSError:
        return None
    try:
        taken = _take(folder, mark_name(run_id), run_id)
    except BaseException:
        folder.close()
        raise
    if taken is None:
        folder.close()
        return None
    fd, pending = taken
    run = TakenRun(folder, fd, pending)
    if pending.unfinished and not pending.segments:  # killed before it wrote a line: nothing to hand on
        run.sent(keep_local=True)
        run.close()
        return None
    return run


def _take(folder: Folder, name: str, run_id: str) -> tuple[int, Pending] | None:
    try:
        stream = folder.reader(name)
    except OSError:  # gone, a link, a FIFO, another user's
        return None
    fd = os.dup(stream.fileno())
    try:
        with stream:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            found, held = folder.stat(name), os.fstat(fd)
            if found is None or (found.st_dev, found.st_ino) != (held.st_dev, held.st_ino):
                raise OSError("sent meanwhile by another process")
            pending = _read(stream.read(MARK_LIMIT + 1), run_id, folder)
        if pending is None:
            raise OSError("not a marker of ours")
        return fd, pending
    except OSError:
        os.close(fd)
        return None


def _read(data: bytes, run_id: str, folder: Folder) -> Pending | None:
    """The run the marker names, when it may be taken: its list of segments, believed only when every name is one
    of the run's own segments; or, while it is running, its segments here once its writer is gone."""
    if len(data) > MARK_LIMIT:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("run_id") != run_id:
        return None
    if document.get("state") == RUNNING:
        return _left(folder, run_id, document.get("writer"))
    names = document.get("segments")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    shape = _segment_files(run_id)
    if not all(shape.fullmatch(name) for name in names):
        return None
    return Pending(run_id, tuple(dict.fromkeys(names)))


def _left(folder: Folder, run_id: str, writer: object) -> Pending | None:
    """A run that never ended, as its writer left it: None while the writer may be alive (its process running,
    of another host, or holding a segment's lock)."""
    if not liveness.writer_gone(writer):
        return None
    names = sorted(folder.names(_segment_files(run_id)), key=lambda name: int(name.split(".")[-2]))
    try:
        with HeldFiles() as held:  # the locks back the pid up: a forked child of the writer may still write it
            held.check(str(folder.path / name) for name in names)
    except StillWriting:
        return None
    return Pending(run_id, tuple(names), unfinished=True)

