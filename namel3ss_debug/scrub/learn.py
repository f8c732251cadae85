"""What redacting a run would remember, found without redacting it: the values it would hide by key.

The tracer's redactor remembers each value it hides by key (a `password` argument, an `--api-key` flag) and
hides it wherever else it appears in the run (`Redactor.learned`). A copy of text taken from a run (the
result cache's) is hidden as the run's redaction would hide it only if the redactor has seen the same
values: `learn_run` shows it every event that could teach it one, the events on the lines its pre-scan
flags (a sensitive name before a separator, an `argv`), as `redact`'s first pass does.

A plain v1 file is read a block at a time and each block asked of the pre-scan at once (in C); only the
lines of a block it flags are asked one by one, and only the lines it flags are decoded: about 1 ms a MB.
A file in another format (its events made from its lines) or compressed is read through the store's
reader, which makes its events. Unreadable lines are passed over: what cannot be read cannot be copied.
"""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from ..store.blocks import block_size, iter_blocks, open_trace
from ..store.line_ahead import line_ahead
from ..store.formats import rereadable
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
        event = decode_line(line)
        if isinstance(event, dict):
            redacted_event(redactor, event)


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
