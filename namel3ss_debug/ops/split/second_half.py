"""The second half of a big run read by a forked process while this one reads the first (two cores).

`analyze` and `check` (a tally and a scan, `ops/split/analyze_halves.py`) and `replay` (a timeline,
`ops/split/replay_halves.py`) cut one run of plain files at a quiet point near its middle (`ops/split/cut.py`) and
read its halves side by side. What they share is here: the fork, the progress of both halves, and what the
second reader met (its problems, its part of the index sidecar). What is made of the second half is the
caller's `work(reader, part)`; its result comes back pickled (`pipe.py`: a timeline's columns out of band),
or the error it raised, or nothing when the other process died (the caller then reads the second half
itself: a fork costs time, never an answer).

The process is forked before the progress bar (a thread) starts: a fork copies only the thread that forks,
and a lock another thread held at that moment would stay held in the child for ever. The second reader's
warnings go to `on_warning` in the child, as they happen there, with their own line numbers.
"""

from __future__ import annotations

import gc
import os
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ...model.errors import Namel3ssDebugError
from ...store.problems import ReadProblems
from ...store.reader import Part, TraceReader
from ...store.sources import RunSource
from .cut import Cut, numbered
from . import pipe
from .child import Child, SharedCount

Work = Callable[[TraceReader, Part], Any]


class SecondHalf:
    """`work` on the run's second half, started in a forked process now; `receive` waits for it."""

    def __init__(self, source: RunSource, cut: Cut, strict: bool, on_warning: Callable[[str], None] | None,
                 work: Work):
        self.receiver, sender = pipe.pipe()
        self.shared = SharedCount()  # bytes the second reader has read
        self.theirs = 0
        self.child = Child(lambda: _run(sender, self.receiver, source, cut, strict, self.shared, on_warning, work))
        sender.close()

    def progress(self, progress: Callable[[int], None]) -> Callable[[int], None]:
        """What this process's reader reports its reads to: `progress` hears both readers' bytes."""
        return lambda count: progress(count + self.catch_up())

    def catch_up(self) -> int:
        """Bytes the second reader read since last asked."""
        now = self.shared.value
        more, self.theirs = now - self.theirs, now
        return more

    def receive(self) -> tuple[Any, ReadProblems, dict[str, Any]] | None:
        """(the work's result, what its reader met, its partial indexes); None when the other process ended
        without one. An error of ours raised there is raised here."""
        try:
            payload = pipe.receive(self.receiver)
        except pipe.BROKEN:
            payload = ("crash", "the second reader ended without an answer")
            self.child.terminate()  # it may be stuck sending buffers no one reads
        self.child.join()
        if payload[0] == "error":
            raise payload[1]
        return payload[1:] if payload[0] == "ok" else None

    def stop(self) -> None:
        """End the other process if it is still reading (this one stopped first: an error, Ctrl-C)."""
        if self.child.is_alive():
            self.child.terminate()


@contextmanager
def reading_again(reader: TraceReader, died: bool) -> Iterator[TraceReader]:
    """The reader to read the second half again with, here (the halves could not be joined, or the other
    process died): this one when the other process died, its warnings never said; else a quiet one, since
    they were said there, whose problems are counted into this reader's at the end."""
    again = reader if died else quiet_reader(reader.problems.strict)
    yield again
    if again is not reader:
        reader.problems.absorb(again.problems)


def quiet_reader(strict: bool) -> TraceReader:
    """A reader that says nothing as it reads (what it meets is kept in its `problems`) and writes no index."""
    return TraceReader(ReadProblems(strict=strict), write_index=False, reuse_buffers=True)


def join_indexes(reader: TraceReader, theirs: dict[str, Any]) -> None:
    """The file cut in two was indexed in two parts: join them and write the sidecar (if the file is unchanged)."""
    for path, (later, size, mtime) in theirs.items():
        mine = reader.partial_indexes.pop(path, None)
        if mine is not None and (mine[1], mine[2]) == (size, mtime):
            mine[0].absorb(later)
            mine[0].write(size, mtime)


def _run(sender: pipe.End, receiver: pipe.End, source: RunSource, cut: Cut, strict: bool, shared: SharedCount,
         on_warning: Callable[[str], None] | None, work: Work) -> None:
    """In the forked process: `work` on the second half, its result sent back, exit."""
    receiver.close()  # the parent's end, of no use here (nor to a process this one forks)
    gc.disable()
    try:
        problems = ReadProblems(strict=strict, on_warning=on_warning)

        def advance(count: int) -> None:
            shared.value += count

        reader = TraceReader(problems, reuse_buffers=True, progress=advance)
        result = work(reader, numbered(cut, source))
        problems.on_warning = None
        payload: tuple[Any, ...] = ("ok", result, problems, reader.partial_indexes)
    except Namel3ssDebugError as error:
        payload = ("error", error)
    except BaseException:  # whatever it is, the parent reads the half itself
        payload = ("crash", traceback.format_exc())
    try:
        pipe.send(sender, payload)
    finally:
        sender.close()
        os._exit(0)  # no atexit handlers, no second flush of the parent's buffers
