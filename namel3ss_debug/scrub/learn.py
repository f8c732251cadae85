"""What redacting a run would remember, found without redacting it: the values it would hide by key.

The tracer's redactor remembers each value it hides by key (a `password` argument, an `--api-key` flag) and
hides it wherever else it appears in the run (`Redactor.learned`). A copy of text taken from a run (the
result cache's) is hidden as the run's redaction would hide it only if the redactor has seen the same
values: `learn_run` shows it every event that could teach it one, the events on the lines its pre-scan
flags (a sensitive name before a separator, an `argv`), as `redact`'s first pass does.

A plain v1 file is read a block at a time and each block asked of the pre-scan at once (in C); only the
lines of a block it flags are asked one by one, and only the lines it flags are decoded: about 1 ms a MB.
An object in a store is learned the same way from the read that answers (`StreamLearner`, shown its bytes by
`store/remote.watch`), so it is not downloaded a second time.
A file in another format (its events made from its lines) or compressed is read through the store's
reader, which makes its events. Unreadable lines are passed over: what cannot be read cannot be copied.
"""

from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, Sequence

from ..store.blocks import BOM, block_size, iter_blocks, open_trace
from ..store.line_ahead import line_ahead
from ..store.formats import SNIFF, head_is_v1, rereadable
from ..store.lines import decode_line
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from ..redaction.redact import Redactor
from .lines import needs_walk, redacted_event


def learn_run(redactor: Redactor, files: Iterable[str]) -> None:
    """Show `redactor` each event of the files that its redaction could learn a value from."""
    foreign = []
    for path in files:
        if rereadable(RunSource(path, (path,))):
            _learn_lines(redactor, path)
        else:
            foreign.append(path)
    if foreign:
        _learn_events(redactor, RunSource(foreign[0], tuple(foreign)))


def _learn_lines(redactor: Redactor, path: str) -> None:
    for line in _flagged_lines(path, redactor):
        _learn_line(redactor, line)


def _learn_line(redactor: Redactor, line: bytes) -> None:
    event = decode_line(line)
    if isinstance(event, dict):
        redacted_event(redactor, event)


class StreamLearner:
    """What `learn_run` learns of one plain v1 file, learned from its bytes as another read reads them (a `Tap` of
    `store/remote.watch`: a run in a store, read once). Whole lines are asked of the pre-scan a block at a time, as
    `_flagged_lines` asks them; `done(self)` is called once the read has shown every byte. A file whose first MiB
    is not plain v1 (another format, OTLP/JSON) is `foreign`: what it teaches is learned from its events, by
    `learn_run`, not here."""

    def __init__(self, done: Callable[["StreamLearner"], None]):
        self.redactor = Redactor()
        self.done = done
        self.head = bytearray()  # its first SNIFF bytes, which say whether it is plain v1
        self.foreign = False
        self._rest = b""  # the start of a line the last block did not end

    def see(self, data: bytes) -> None:
        if not self.head and data.startswith(BOM):  # no part of the first line, as `iter_blocks` reads it
            self.head += BOM
            data = data[len(BOM):]
        if len(self.head) < SNIFF:
            self.head += data[: SNIFF - len(self.head)]
        data = self._rest + data
        cut = data.rfind(b"\n") + 1
        whole, self._rest = data[:cut], data[cut:]
        self._learn(whole)

    def end(self) -> None:
        self._learn(self._rest)
        self._rest = b""
        self.foreign = not head_is_v1(bytes(self.head))
        self.done(self)

    def told(self, learned: Sequence[str]) -> None:
        """What a learner of the same object in a worker process learned from every byte of it (plain v1: a
        foreign object's is not told), learned here as if this one had seen them (`ops/learned_there.py`)."""
        for value in learned:
            self.redactor.learn(value)
        self.done(self)

    def _learn(self, lines: bytes) -> None:
        if lines and self.redactor.may_hold_secret(lines):
            for line in lines.split(b"\n"):
                if self.redactor.may_hold_secret(line):
                    _learn_line(self.redactor, line)


def _flagged_lines(path: str, redactor: Redactor) -> Iterator[bytes]:
    """The lines of a plain file the pre-scan flags. It is asked again for each block: what the redactor
    learns on the way is looked for from then on (a value is remembered only from lines it flags anyway)."""
    try:
        stream, _ = open_trace(path, None)
    except OSError:
        return
    with stream:
        size = block_size(os.fstat(stream.fileno()).st_size)
        for block in iter_blocks(stream, path, reuse=True, read_size=size, ahead=line_ahead(stream.fileno())):
            if redactor.may_hold_secret(block.view):
                yield from (line for line in block.data.split(b"\n") if redactor.may_hold_secret(line))


def _learn_events(redactor: Redactor, source: RunSource) -> None:
    reader = TraceReader(ReadProblems(), write_index=False)
    test = needs_walk(redactor)
    for block in reader.line_blocks(source):
        for located in block.picked(test):
            redacted_event(redactor, located.event)
