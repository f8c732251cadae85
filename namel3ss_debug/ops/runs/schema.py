"""The run index's tables, and the check that a file holds exactly them.

A file found at the index's name is a stranger's until its schema proves it ours: `PRAGMA trusted_schema = OFF`
keeps a planted view or trigger from calling functions with side effects, and `difference` compares every
entry of `sqlite_master` (tables, indexes, triggers, views, FTS5's own tables) with what `SCHEMA` makes in a
database of this process's SQLite: anything else (a trigger that loops or grows the file at each insert, a view,
a column more or less) and the file is made again from the traces, before any statement writes to it.
"""

from __future__ import annotations

import functools
import sqlite3

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value)",
    # source: the run's key in the directory (its run id for segments, its file's name for a file of one run)
    "CREATE TABLE IF NOT EXISTS runs (source TEXT PRIMARY KEY, run_id TEXT NOT NULL, entry TEXT, started TEXT,"
    " duration_ms REAL, status TEXT NOT NULL, health TEXT, llm_calls INTEGER, total_tokens INTEGER, cost_usd REAL,"
    " errors INTEGER, findings INTEGER, parent TEXT, models TEXT, tags TEXT, finding_kinds TEXT, search TEXT,"
    " problems INTEGER NOT NULL, row BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS runs_by_id ON runs (run_id)",
    "CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started)",
    "CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, source TEXT NOT NULL, size INTEGER,"
    " mtime_ns INTEGER, inode INTEGER)",
    "CREATE INDEX IF NOT EXISTS files_by_source ON files (source)",
    "CREATE TABLE IF NOT EXISTS operations (source TEXT NOT NULL, operation TEXT NOT NULL, durations BLOB,"
    " errors INTEGER)",
    "CREATE INDEX IF NOT EXISTS operations_by_source ON operations (source)",
)
# the text `--grep` searches, in SQLite's full-text search (FTS5, its trigram tokenizer: any substring of 3 characters
# or more, in any case); its rowid is the run's in `runs`. A SQLite without it leaves `--grep` to `instr` over `runs`
SEARCH_SCHEMA = "CREATE VIRTUAL TABLE IF NOT EXISTS runs_text USING fts5(search, tokenize='trigram')"
_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"

Entry = tuple[str, str, str, "str | None"]  # sqlite_master's type, name, table and statement


def statements(searchable: bool) -> tuple[str, ...]:
    """What makes the index's tables (the full-text table when `searchable`)."""
    return SCHEMA + ((SEARCH_SCHEMA,) if searchable else ())


def difference(connection: sqlite3.Connection, searchable: bool) -> str | None:
    """None when the database is empty or holds exactly the index's schema; else the first thing that is not
    ours or is missing, in a few words ("trigger 'grow' is not the index's")."""
    found = set(connection.execute(_MASTER).fetchall())
    if not found:
        return None
    ours = expected(searchable)
    for kind, name, _, _ in sorted(found - ours, key=lambda entry: (entry[0], entry[1])):
        return f"{kind} {name!r} is not the index's"
    for kind, name, _, _ in sorted(ours - found, key=lambda entry: (entry[0], entry[1])):
        return f"{kind} {name!r} is missing"
    return None


@functools.cache
def expected(searchable: bool) -> frozenset[Entry]:
    """`sqlite_master` of a database holding the index's schema, as this process's SQLite writes it."""
    connection = sqlite3.connect(":memory:")
    try:
        for statement in statements(searchable):
            connection.execute(statement)
        return frozenset(connection.execute(_MASTER).fetchall())
    finally:
        connection.close()


@functools.cache
def full_text_search() -> bool:
    """Whether this process's SQLite has FTS5 with its trigram tokenizer (built with FTS5, 3.34 or later)."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(SEARCH_SCHEMA)
    except sqlite3.OperationalError:  # no such module: fts5; no such tokenizer: trigram
        return False
    finally:
        connection.close()
    return True
