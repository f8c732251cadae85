"""The run index's SQLite database, opened as a stranger's: its file claimed (`opening.py`), connected, its schema
checked to be exactly ours (`schema.py`) before anything is written, and its tables made for this `FORMAT` and key.

A file that cannot hold the index or is not to be opened (a link, not a regular file, another user's, one put at
its name while it was opened) is left as it is and the runs indexed in memory; a corrupt one, or one of another
schema, is removed and made again, unless another process already put a new one in its place (`Opened.inode`
tells them apart); only regular files of ours of its names are removed. Each case is one note (`Note`).
Writes go through `transaction` (the write lock taken at once, so that two writers queue on `BUSY_MS`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ...model.fs import Folder, Refused
from .opening import SIDE_FILES, Claim, claim, index_files, said
from .schema import difference, statements

FORMAT = 6  # the tables' layout and the row's encoding; another one is rebuilt (1: no `problems` column;
# 2: maybe format 1's tables, which a format 2 index emptied instead of making again; 3: no question, answer or
# error messages, no full-text table; 4: a run its rerun stopped listed `failed` with its stop as an error;
# 5: `status` the run_end's, so a run that gave up (health failing) was listed `completed`, not `failed`)
PRIVATE_NOTE = "the runs are indexed in memory for this command"
BUSY_MS = 60_000  # how long a writer waits for another process's transaction before "database is locked"
_DROPPED = ("runs", "files", "operations", "runs_text")  # tables of another format or key

Note = Callable[[str], None]  # says one line of what opening found ("run index X was corrupt: rebuilt ...")


@dataclass(frozen=True)
class Tables:
    """What the index's tables are made for: with the full-text table or without (`schema.full_text_search`), and
    the key of everything a row depends on besides its files. Tables of another format or key are made again."""

    searchable: bool
    key: str


@dataclass(frozen=True)
class Opened:
    """The index's database, ready: its file at `path` (None: kept in memory), the file's `inode` (so that a corrupt
    one is told from another process's replacement when it is removed)."""

    connection: sqlite3.Connection
    path: Path | None
    inode: int | None


class _Unusable(Exception):
    """The file cannot hold the index, or is not to be opened (`str`: what the note says of it)."""


class _Remade(Exception):
    """The file is to be removed and made again (`str`: what the note says of it; `inode`: the file claimed)."""

    def __init__(self, why: str, inode: int | None) -> None:
        super().__init__(why)
        self.inode = inode


def open_file(path: Path, tables: Tables, note: Note) -> Opened:
    """The index's file at `path`, ready (made, or made again when corrupt or not of our schema, its tables made
    again when of another format or key); in memory when the directory cannot hold it or the file is not ours."""
    try:
        return _opened(path, tables, note, first=True)
    except _Unusable as unusable:
        return in_memory(path, str(unusable), tables, note)
    except _Remade as remade:
        _remove(path, remade.inode, str(remade), note)
    return _again(path, tables, note)


def reopen(path: Path, inode: int | None, why: str, tables: Tables, note: Note) -> Opened:
    """The index at `path` found corrupt after it was opened (`why`; its connection closed): removed and made
    again, empty; in memory when that fails."""
    _remove(path, inode, why, note)
    return _again(path, tables, note)


def in_memory(path: Path | None, why: str, tables: Tables, note: Note) -> Opened:
    """An index in memory for this command, in place of the one at `path` (`why`: what the note says of it)."""
    note(f"run index {path} {why}: {PRIVATE_NOTE}")
    return Opened(connect(":memory:", tables, note), None, None)


def connect(where: str, tables: Tables, note: Note, claimed: Claim | None = None) -> sqlite3.Connection:
    """A connection to `where`, its tables ready (`_prepare`); closed again if that fails. The schema found is
    checked before anything is written (`schema.difference`: else _Remade), and a file `claimed` must still be
    the one at its name once SQLite has it open (else _Unusable)."""
    connection = sqlite3.connect(where, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        if claimed is not None and not claimed.still_there():
            raise _Unusable("is not opened (another file was put at its name while it was opened)")
        if (different := difference(connection, tables.searchable)) is not None:
            raise _Remade(f"was made for another format, or changed ({different})",
                          claimed.inode if claimed is not None else None)
        if where != ":memory:":
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses the last rows, read again
        _prepare(connection, where, tables, note)
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (the write lock taken at once, so two writers queue on the busy timeout rather than fail
    on upgrading a read), COMMIT, or ROLLBACK on any error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if connection.in_transaction:  # SQLite may have rolled it back itself (a full disk)
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def fts_damage(error: sqlite3.OperationalError) -> bool:
    """An OperationalError that says the full-text table is damaged (`invalid fts5 file format ... run
    'rebuild'`, its shadow tables changed), not that the index is busy or the disk full."""
    text = str(error)
    return "fts5" in text or "malformed" in text


def _again(path: Path, tables: Tables, note: Note) -> Opened:
    try:
        return _opened(path, tables, note, first=False)
    except (_Unusable, _Remade) as again:
        return in_memory(path, str(again), tables, note)


def _opened(path: Path, tables: Tables, note: Note, *, first: bool) -> Opened:
    """The file at `path` claimed (`opening.claim`) and connected. Raises _Unusable (the index is to live in
    memory) or _Remade (the file is to be removed and made again: corrupt, or not of our schema)."""
    try:
        claimed = claim(path)
    except Refused as refused:
        raise _Unusable(f"is not opened ({said(refused, path)}; it is left as it is, and may be removed)") from None
    except OSError as error:
        raise _Unusable(f"cannot be kept ({error.strerror or error})") from None
    try:
        connection = connect(str(path), tables, note, claimed)
    except sqlite3.OperationalError as error:  # cannot open or write it (a busy index waits BUSY_MS first)
        raise _Unusable(f"cannot be kept ({error})") from None
    except sqlite3.DatabaseError as error:  # not a database, or a damaged one
        raise _Remade(f"was corrupt ({error})", claimed.inode) from None
    if first and claimed.created:
        note(f"run index {path} not found: built from the traces (later listings read only what changed)")
    return Opened(connection, path, claimed.inode)


def _prepare(connection: sqlite3.Connection, where: str, tables: Tables, note: Note) -> None:
    """The tables made, or made again when the index is of another format or key (a note says which)."""
    with transaction(connection):
        creating = statements(tables.searchable)
        connection.execute(creating[0])  # meta
        meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
        search = "fts5" if tables.searchable else "instr"  # an index made by a SQLite without FTS5 has no text
        same_format = meta.get("format") == FORMAT and meta.get("search") == search
        current = same_format and meta.get("key") == tables.key
        if meta and not current:
            why = "another format" if not same_format else \
                "another version, prices, price_overrides or diagnose thresholds"
            note(f"run index {where} was made for {why}: rebuilt from the traces")
            for table in _DROPPED:  # dropped, not emptied: another format's tables have other columns
                connection.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in creating[1:]:
            connection.execute(statement)
        if not current:
            version = meta.get("version")
            connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   [("format", FORMAT), ("search", search), ("key", tables.key),
                                    ("version", (version if isinstance(version, int) else 0) + 1)])


def _remove(path: Path, inode: int | None, why: str, note: Note) -> None:
    """Remove the index's file (and its WAL) to make it again, unless another process already put a new one
    in its place (a note says why)."""
    note(f"run index {path} {why}: rebuilt from the traces")
    if _inode(path) not in (None, inode):
        return
    try:
        with Folder.open(path.parent, follow=True) as folder:
            for suffix in ("", *SIDE_FILES):  # regular files of ours alone: anything else is refused again
                folder.remove(path.name + suffix, index_files(path))
    except OSError:
        pass  # the directory is gone or unreadable: opening it again says so


def _inode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_ino
    except OSError:
        return None
