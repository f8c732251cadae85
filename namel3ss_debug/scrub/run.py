"""A run's trace files redacted in place, as the tracer would have written them with redaction on.

Two passes over the run. The first reads it whole, as every reader does (a torn or invalid line stops
everything before a byte is written), and shows the redactor each event it would redact: a redactor that
remembers the values it hid by key (`Redactor.learned`: a password is then hidden wherever else it
appears) knows them all before the second pass, so they are hidden in lines before the one that taught
it too. The second pass rewrites each file (`store.rewrite`): the lines the first pass saw change, found
at their offsets, are redacted and written again, and the text between them is copied byte for byte.
When values were learned, a line the first pass cleared may hold one: then every line the redactor's
test flags is looked at again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Iterable, Optional

from ..model.errors import TraceError
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.rewrite import Change, Test, rewrite_lines
from ..store.sources import RunSource
from ..redaction.redact import Redactor
from .lines import needs_walk, redact_line, redacted_event


@dataclass(frozen=True)
class FileRedaction:
    """One file of a run: how many of its events were redacted (or would be, in a dry run)."""

    path: str
    changed: int


def redact_run(source: RunSource, keys: Iterable[str] = (), patterns: Iterable[str] = (), *,
               write: bool = True) -> list[FileRedaction]:
    """Redact every file of the run with the tracer's rules (plus the configured `keys` and `patterns`).

    With `write` false nothing is written: the counts say what would change. A run that cannot be read
    whole raises `TraceError`, and no file is touched.
    """
    redactor = Redactor(keys, patterns)
    known = _first_pass(source, redactor)
    if redactor.learned:  # a line the first pass cleared may hold a value learned after it
        known = dict.fromkeys(source.files)
    test = needs_walk(redactor)  # asked again: what was learned is looked for too
    change = partial(redact_line, redactor)
    return [FileRedaction(path, _redact_file(path, known[path], change, test, write)) for path in source.files]


def _redact_file(path: str, offsets: Optional[set[int]], change: Change, test: Test, write: bool) -> int:
    """One file: its lines at the `offsets` the first pass saw change, or (None) every line the test flags."""
    if offsets is None:
        return rewrite_lines(path, change, test, write=write)
    if not offsets or not write:
        return len(offsets)
    return rewrite_lines(path, change, at=offsets)


def _first_pass(source: RunSource, redactor: Redactor) -> dict[str, Optional[set[int]]]:
    """The run read as `check` reads it, strictly; each event that needs it redacted (the redactor keeps what
    it learned). For each file, the offsets of the lines whose event changed; None for a file in a foreign
    format, whose events are not its lines."""
    reader = TraceReader(ReadProblems(strict=True), write_index=False)
    test = needs_walk(redactor)
    known: dict[str, Optional[set[int]]] = {path: set() for path in source.files}
    for block in reader.line_blocks(source):
        path = source.files[block.file]
        if block.mapped:
            known[path] = None  # the second pass looks at every line the test flags
        for located in block.picked(test):
            changed = redacted_event(redactor, located.event) is not None
            offsets = known[path]
            if changed and offsets is not None:
                offsets.add(located.offset)
    if reader.problems.torn:
        raise TraceError("the last line is incomplete (the writer stopped mid-line): nothing was redacted",
                         where=reader.problems.torn[0], hint="remove that line, or keep the trace as it is")
    return known
