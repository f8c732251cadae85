"""A SQLite run index's writes: runs read (`WrittenRun`) put as their rows (the run's row, its full-text row, its files
and operations) or runs forgotten, inside the caller's transaction, each batch moving the index's version on.

A run written again replaces all it had (INSERT OR REPLACE of its row, its files and operations deleted first), so
two processes that read the same run write the same rows. PostgreSQL's writes are `shared.SharedRunIndex`'s.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from ...analysis.run_row import OperationTimes, RunRow
from .rows import search_text, stored_columns
from .scan import Identity

_TABLES = ("runs", "files", "operations")


@dataclass(frozen=True)
class WrittenRun:
    """A run read, to be written: its key, row (and the row's stored bytes), operations and files."""

    key: str
    row: RunRow
    blob: bytes
    operations: list[OperationTimes]
    files: dict[str, Identity]


def write_runs(connection: sqlite3.Connection, runs: Sequence[WrittenRun], searchable: bool) -> None:
    """The runs' rows (as `rows.stored` gives them), files and operations, and the full-text rows when
    `searchable`; the version moved on."""
    for run in runs:
        _write_run(connection, run, searchable)
    _bump(connection)


def forget(connection: sqlite3.Connection, keys: Sequence[str], searchable: bool) -> None:
    """The rows of the runs keyed `keys` deleted, from every table; the version moved on."""
    if searchable:
        connection.executemany("DELETE FROM runs_text WHERE rowid IN (SELECT rowid FROM runs WHERE source IS ?)",
                               [(key,) for key in keys])
    for table in _TABLES:
        connection.executemany(f"DELETE FROM {table} WHERE source IS ?", [(key,) for key in keys])
    _bump(connection)


def _write_run(connection: sqlite3.Connection, run: WrittenRun, searchable: bool) -> None:
    key, row = run.key, run.row
    search = search_text(row)
    columns = stored_columns(key, row, search, run.blob)
    durations = [(key, times.operation, array("d", times.durations).tobytes(), times.errors)
                 for times in run.operations]
    connection.execute("DELETE FROM files WHERE source = ?", (key,))
    connection.execute("DELETE FROM operations WHERE source = ?", (key,))
    if searchable:
        connection.execute("DELETE FROM runs_text WHERE rowid IN (SELECT rowid FROM runs WHERE source = ?)", (key,))
    written = connection.execute(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(columns))})", columns)
    if searchable:
        connection.execute("INSERT INTO runs_text (rowid, search) VALUES (?, ?)", (written.lastrowid, search))
    connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                           [(name, key, *identity) for name, identity in run.files.items()])
    connection.executemany("INSERT INTO operations VALUES (?, ?, ?, ?)", durations)


def _bump(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE meta SET value = value + 1 WHERE name = 'version'")
