"""A run's row as the run index stores it, and as it is read back: checked, since the file may not be what we wrote.

A row read back is used only when its blob is at most `MAX_ROW` bytes (measured by SQLite before the blob is
loaded: a planted 300 MB blob costs nothing), decodes as a `RunRow`, and names its trace files by plain names
in the directory (no `..`, no separator, no absolute path: `view DIR` opens `files[0]`). An operation's
durations are whole doubles and its figures of their types. Anything else raises `Damaged`: the index forgets
that run, which the next sync reads again from its traces (`RunIndex.select`). A row written is held to the
same cap, so that the index never writes what it would refuse to read.
"""

from __future__ import annotations

import os
from array import array
from typing import Any

import msgspec

from ...analysis.run_row import OperationTimes, RunRow
from ...model.errors import TraceError

MAX_ROW = 4 << 20  # bytes of one row's blob: a row is 1-2 KB (its texts are one line each); 2,000 times that
_ENCODE = msgspec.msgpack.Encoder()
_DECODE = msgspec.msgpack.Decoder(RunRow)
_DOUBLE = array("d").itemsize
_SEPARATORS = frozenset((os.sep, os.altsep or os.sep, "\0"))
STORED = f"source, CASE WHEN length(row) <= {MAX_ROW} THEN row END"  # what a query of rows selects


class Damaged(Exception):
    """A row or an operation read back from the index that is not one the index writes (`str`: why)."""


class DamagedRows(TraceError):
    """Rows read back that the index does not write (`Damaged`): their runs are forgotten by then, so the next
    sync reads them again from their traces (`Catalogue` does, and asks again)."""


class RebuiltIndex(DamagedRows):
    """A query met a damaged index (SQLite's "malformed", a full-text table whose shadow tables were changed):
    the index is made again, empty, by then. It is a cache of the traces, so the next sync fills it again and
    the query is asked once more (`Catalogue.healed`): the first `runs --grep` answers."""


def decoded(blob: Any, within: str) -> RunRow:
    """The row of a `row` blob (None: SQLite found it over MAX_ROW), its files joined to `within` (the
    directory, ending in a separator). Raises Damaged."""
    if blob is None:
        raise Damaged(f"its row is over {MAX_ROW >> 20} MiB")
    if not isinstance(blob, bytes):
        raise Damaged("its row is not a blob")
    try:
        row = _DECODE.decode(blob)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise Damaged(f"its row does not decode: {error}") from None
    for name in row.files:
        if not plain_name(name):
            raise Damaged(f"its row names the file {name[:80]!r}, not one in the directory")
    return msgspec.structs.replace(row, files=[within + name for name in row.files])


def plain_name(name: str) -> bool:
    """Whether `name` names a file in the directory itself: not empty, `.` or `..`, no separator, no NUL."""
    return name not in ("", ".", "..") and _SEPARATORS.isdisjoint(name)


def operation_times(operation: Any, durations: Any, errors: Any) -> OperationTimes:
    """An `operations` row as the index writes it: a name, whole doubles, a count. Raises Damaged."""
    if not (isinstance(operation, str) and isinstance(durations, bytes) and len(durations) % _DOUBLE == 0
            and isinstance(errors, int) and len(durations) <= MAX_ROW):
        raise Damaged(f"its operation {str(operation)[:80]!r} is not one the index writes")
    times = array("d")
    times.frombytes(durations)
    return OperationTimes(operation, times.tolist(), errors)


def stored(row: RunRow, label: str) -> tuple[RunRow, bytes]:
    """The row as the index keeps it (its files by name) and its blob; a TraceError (the run is a note, left
    out) for one over MAX_ROW."""
    kept = msgspec.structs.replace(row, files=[os.path.basename(file) for file in row.files])
    blob = _ENCODE.encode(kept)
    if len(blob) > MAX_ROW:
        raise TraceError(f"{label}: its row would be {len(blob) >> 20} MiB, over the index's {MAX_ROW >> 20} MiB",
                         hint="analyze it on its own: `namel3ss-debug analyze` reads a run of any size")
    return kept, blob


def search_text(row: RunRow) -> str:
    """What `--grep` reads of a row, in lower case: its id, entry, tags, models, frameworks, tools, error types,
    finding kinds, question, answer and error messages, a line each."""
    texts = [row.run_id, row.entry or "", *row.tags, *row.models, *row.frameworks, *row.tools, *row.error_types,
             *row.findings, row.input or "", row.output or "", *row.error_messages]
    return "\n".join(texts).lower()


def stored_columns(key: str, row: RunRow, search: str, blob: bytes) -> tuple[Any, ...]:
    """The `runs` table's columns of a row: what filters and sorts read (`search`: `search_text`), and the row."""
    return (key, row.run_id, row.entry, row.started, row.duration_ms, row.status, row.health, row.llm_calls,
            row.total_tokens, row.cost_usd, row.errors, sum(row.findings_by_severity.values()), row.parent,
            msgspec.json.encode(row.models).decode(), msgspec.json.encode(row.tags).decode(),
            msgspec.json.encode(row.findings).decode(), search, row.problems, blob)


