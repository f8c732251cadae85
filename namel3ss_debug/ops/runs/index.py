"""The run index: one SQLite file beside the traces (`INDEX_NAME`), one row per run, and the text `--grep` reads of
each (`search_text`) in a full-text table, `runs_text` (FTS5 with its trigram tokenizer; a SQLite without them keeps
the text in `runs.search` alone, and an index made by one kind of SQLite is rebuilt by the other).

Never the source of truth: rebuilt from the traces when missing, of another format or key, or corrupt (with a
note); brought up to date by `sync`, which looks at the directory's files (one `scandir`, a stat each, one SELECT
of the files it last read: `scan.py`) and reads again only the runs whose files are new, grown, rotated or
rewritten, and forgets the runs whose files are gone. A run whose reading fails is a note, left out, and tried
again at the next sync.

Safe with two processes at once: WAL (readers never wait for a writer), a generous busy timeout (a writer waits
for the other's short transaction instead of failing with "database is locked"), and each run's row, files and
operations written in one short transaction after its (slow) reading, by INSERT OR REPLACE: two processes that
read the same run write the same row, and a row written from files that changed since is read again next sync
(the files' identities are taken before the reading). One connection, used from one thread at a time (a lock):
the page's server answers from several.

The index is kept whatever `--no-cache` says: it is the listing itself, not a cache of an answer
(`CatalogueRequest.cache` only stops the reading from writing offset sidecars beside the traces).
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from ...analysis.run_row import IndexedRun, OperationTimes, RunRow
from ...model.errors import Namel3ssDebugError, TraceError
from ...store.sources import RunSource
from .query import RunQuery
from .scan import Identity, Plan, plan, scan
from .sql import select_sql

INDEX_NAME = ".namel3ss-runs.sqlite"
FORMAT = 4  # the tables' layout and the row's encoding; another one is rebuilt (1: no `problems` column;
# 2: maybe format 1's tables, which a format 2 index emptied instead of making again; 3: no question, answer or
# error messages, no full-text table)
BUSY_MS = 60_000  # how long a writer waits for another process's transaction before "database is locked"
_CHUNK = 500  # run ids per `IN (...)`
MAX_NOTES = 5  # runs that could not be read said one by one in a sync; the others counted in one line
_SCHEMA = (
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
_SEARCH_SCHEMA = "CREATE VIRTUAL TABLE IF NOT EXISTS runs_text USING fts5(search, tokenize='trigram')"
_TABLES = ("runs", "files", "operations")
_DROPPED = (*_TABLES, "runs_text")
_ENCODE = msgspec.msgpack.Encoder()
_DECODE = msgspec.msgpack.Decoder(RunRow)


@dataclass(frozen=True)
class SyncResult:
    """What one `sync` did."""

    added: int = 0
    updated: int = 0  # grown, rotated, rewritten
    removed: int = 0
    unchanged: int = 0
    failed: int = 0  # runs that could not be read (each one in `notes`)
    notes: list[str] = field(default_factory=list)  # "index rebuilt: ...", "cannot read run R: ..."
    version: int = 0  # the index's version after the sync (goes up whenever a row changes)


class RunIndex:
    """The index of the runs in `directory`; `key` names everything a row depends on besides the run's files
    (package version, prices, price_overrides, diagnose thresholds): an index of another key is rebuilt.
    `path` None: INDEX_NAME in `directory`; a directory that cannot hold it keeps it in memory (a note says so).
    `strict`: `select` and `get` leave out the runs whose reading met torn, invalid or out-of-sequence lines
    (`--strict`; the index keeps them whatever the option: it is shared)."""

    def __init__(self, directory: Path, *, key: str, path: Path | None = None, strict: bool = False) -> None:
        self.directory = Path(directory)
        self.strict = strict
        self._within = os.path.join(directory, "")  # files joined as text: a Path each cost 0.1 s of 10,000 runs
        self.key = key
        self.path: Path | None = path if path is not None else self.directory / INDEX_NAME
        self._notes: list[str] = []  # what opening (or a rebuild since) found
        self._unsaid: list[str] = []  # of those, the ones no sync has returned yet
        self._failed: dict[str, dict[str, Identity]] = {}  # runs that could not be read: their files then
        self._lock = threading.RLock()
        self.searchable = full_text_search()  # False: `--grep` reads each row's `search` with `instr`
        self._inode = _inode(self.path)  # the file opened, so that a corrupt one is told from its replacement
        self._connection = self._open()

    @property
    def notes(self) -> list[str]:
        """What opening it found (rebuilt, kept in memory), one line each; the next sync's notes have them too."""
        return list(self._notes)

    @property
    def version(self) -> int:
        with self._lock:
            found = self._connection.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
        return int(found[0]) if found is not None else 0

    def sync(self, index_run: Callable[[RunSource], IndexedRun],
             progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Index the runs whose files changed since the last sync; `index_run` reads one run (raising
        Namel3ssDebugError or OSError for one that cannot be read: noted, left out, tried again next sync);
        `progress(done, total)` after each run indexed."""
        return self.apply(self.changes(), index_run, progress)

    def changes(self) -> Plan:
        """What a sync would read and forget (`sync` is `apply(changes())`; the catalogue sizes its bar on it)."""
        now = scan(self.directory)
        try:
            known = self._known()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError):
                raise
            self._rebuild_corrupt(error)
            known = {}
        return plan(now, known)

    def apply(self, changes: Plan, index_run: Callable[[RunSource], IndexedRun],
              progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Do what `changes` says: forget the runs gone, read the new and changed ones (see `sync`)."""
        notes, self._unsaid = self._unsaid, []
        if changes.gone:
            self._forget(changes.gone)
        todo = [*changes.new, *changes.changed]
        failures: dict[str, str] = {}
        for done, key in enumerate(todo, 1):
            try:
                indexed = index_run(changes.source(self.directory, key))
            except (Namel3ssDebugError, OSError) as error:
                failures[key] = f"cannot read run {key} in {self.directory}: {error} (left out; tried again next time)"
                if key in changes.changed:
                    self._forget([key])
            else:
                self._write(key, indexed, changes.files[key])
                self._failed.pop(key, None)
            if progress is not None:
                progress(done, len(todo))
        notes.extend(self._failures_said(failures, changes))
        return SyncResult(added=sum(key not in failures for key in changes.new),
                          updated=sum(key not in failures for key in changes.changed), removed=len(changes.gone),
                          unchanged=changes.unchanged, failed=len(failures), notes=notes, version=self.version)

    def _failures_said(self, failures: dict[str, str], changes: Plan) -> list[str]:
        """The notes of the runs that could not be read, but not again for a run whose files are as they were
        when its note was given (`view --follow` syncs every second), and at most MAX_NOTES, then a count."""
        new = [note for key, note in failures.items() if self._failed.get(key) != changes.files[key]]
        self._failed.update((key, changes.files[key]) for key in failures)
        if len(new) > MAX_NOTES:
            new[MAX_NOTES:] = [f"... and {len(new) - MAX_NOTES} more runs in {self.directory} could not be read"]
        return new

    def select(self, query: RunQuery) -> list[RunRow]:
        text, params = select_sql(query, clean=self.strict, searchable=self.searchable)
        with self._reading():
            found = self._connection.execute(text, params).fetchall()
        return [self._row(blob) for (blob,) in found]

    def get(self, run_id: str) -> RunRow | None:
        with self._reading():
            clean = " AND problems = 0" if self.strict else ""
            found = self._connection.execute(f"SELECT row FROM runs WHERE run_id = ?{clean}"
                                             " ORDER BY source = ? DESC, started DESC LIMIT 1",
                                             (run_id, run_id)).fetchone()
        return self._row(found[0]) if found is not None else None

    def with_problems(self) -> list[str]:
        """The runs whose reading met torn, invalid or out-of-sequence lines (what `strict` leaves out)."""
        with self._reading():
            return [run_id for (run_id,) in self._connection.execute(
                "SELECT run_id FROM runs WHERE problems > 0 ORDER BY started, source")]

    def operations(self, run_ids: Sequence[str]) -> dict[str, list[OperationTimes]]:
        found: dict[str, list[OperationTimes]] = {}
        ids = list(dict.fromkeys(run_ids))
        with self._reading():
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                for run_id, operation, durations, errors in self._connection.execute(
                        "SELECT runs.run_id, operation, durations, operations.errors FROM operations JOIN runs"
                        f" USING (source) WHERE runs.run_id IN ({marks})", chunk):
                    times = array("d")
                    times.frombytes(durations)
                    found.setdefault(run_id, []).append(OperationTimes(operation, times.tolist(), errors))
        return found

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- opening -----------------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        """The index's file, ready (made, or rebuilt when of another format or key, or corrupt); in memory when
        the directory cannot hold it."""
        assert self.path is not None
        if not os.access(self.directory, os.W_OK) and not self.path.exists():
            return self._in_memory("the directory is not writable")
        missing = not self.path.exists()
        try:
            connection = self._connect(str(self.path))
        except sqlite3.OperationalError as error:  # cannot open or write it (a busy index waits BUSY_MS first)
            return self._in_memory(str(error))
        except sqlite3.DatabaseError as error:  # not a database, or a damaged one
            self._remove_corrupt(error)
            try:
                connection = self._connect(str(self.path))
            except sqlite3.DatabaseError as again:
                return self._in_memory(str(again))
        self._inode = _inode(self.path)
        if missing:
            self._note(f"run index {self.path} not found: built from the traces (later listings read only what"
                       " changed)")
        return connection

    def _in_memory(self, why: str) -> sqlite3.Connection:
        self._note(f"run index {self.path} cannot be kept ({why}): the runs are indexed in memory for this command")
        self.path = None
        return self._connect(":memory:")

    def _connect(self, where: str) -> sqlite3.Connection:
        """A connection to `where`, its tables ready (`_prepare`); closed again if that fails."""
        connection = sqlite3.connect(where, timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            if where != ":memory:":
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash loses the last rows, read again
            self._prepare(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _note(self, message: str) -> None:
        self._notes.append(message)
        self._unsaid.append(message)

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """The tables made, or made again when the index is of another format or key (a note says which)."""
        with _transaction(connection):
            connection.execute(_SCHEMA[0])
            meta = dict(connection.execute("SELECT name, value FROM meta").fetchall())
            search = "fts5" if self.searchable else "instr"  # an index made by a SQLite without FTS5 has no text
            same_format = meta.get("format") == FORMAT and meta.get("search") == search
            current = same_format and meta.get("key") == self.key
            if meta and not current:
                why = "another format" if not same_format else \
                    "another version, prices, price_overrides or diagnose thresholds"
                self._note(f"run index {self.path} was made for {why}: rebuilt from the traces")
                for table in _DROPPED:  # dropped, not emptied: another format's tables have other columns
                    connection.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA[1:] + ((_SEARCH_SCHEMA,) if self.searchable else ()):
                connection.execute(statement)
            if not current:
                connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                       [("format", FORMAT), ("search", search), ("key", self.key),
                                        ("version", int(meta.get("version") or 0) + 1)])

    def _remove_corrupt(self, error: sqlite3.DatabaseError) -> None:
        """Remove a corrupt index (and its WAL), unless another process already put a new one in its place."""
        assert self.path is not None
        self._note(f"run index {self.path} was corrupt ({error}): rebuilt from the traces")
        if _inode(self.path) not in (None, self._inode):
            return
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def _rebuild_corrupt(self, error: sqlite3.DatabaseError) -> None:
        """An index found corrupt after opening: removed and made again, empty."""
        with self._lock:
            self._connection.close()
            if self.path is None:
                raise TraceError(f"the run index in memory failed: {error}") from None
            self._remove_corrupt(error)
            self._connection = self._connect(str(self.path))
            self._inode = _inode(self.path)

    # -- rows --------------------------------------------------------------------------------------
    def _known(self) -> dict[str, dict[str, Identity]]:
        """Run key -> its files as last indexed."""
        known: dict[str, dict[str, Identity]] = {}
        with self._lock:
            rows = self._connection.execute("SELECT name, source, size, mtime_ns, inode FROM files").fetchall()
        for name, source, size, mtime_ns, inode in rows:
            known.setdefault(source, {})[name] = (size, mtime_ns, inode)
        return known

    def _forget(self, keys: list[str]) -> None:
        with self._writing():
            if self.searchable:
                self._connection.executemany("DELETE FROM runs_text WHERE rowid IN (SELECT rowid FROM runs WHERE"
                                             " source = ?)", [(key,) for key in keys])
            for table in _TABLES:
                self._connection.executemany(f"DELETE FROM {table} WHERE source = ?", [(key,) for key in keys])
            self._bump()

    def _write(self, key: str, indexed: IndexedRun, files: dict[str, Identity]) -> None:
        """The run's row, files and operations, in one transaction (the reading is done before it starts)."""
        row = msgspec.structs.replace(indexed.row, files=[Path(file).name for file in indexed.row.files])
        search = search_text(row)
        columns = _columns(key, row, search)
        operations = [(key, times.operation, array("d", times.durations).tobytes(), times.errors)
                      for times in indexed.operations]
        with self._writing():
            self._connection.execute("DELETE FROM files WHERE source = ?", (key,))
            self._connection.execute("DELETE FROM operations WHERE source = ?", (key,))
            if self.searchable:
                self._connection.execute("DELETE FROM runs_text WHERE rowid IN (SELECT rowid FROM runs WHERE"
                                         " source = ?)", (key,))
            written = self._connection.execute(
                f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(columns))})", columns)
            if self.searchable:
                self._connection.execute("INSERT INTO runs_text (rowid, search) VALUES (?, ?)",
                                         (written.lastrowid, search))
            self._connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                                         [(name, key, *identity) for name, identity in files.items()])
            self._connection.executemany("INSERT INTO operations VALUES (?, ?, ?, ?)", operations)
            self._bump()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction; a failure to write (a full disk, the index locked past BUSY_MS) is one error."""
        with self._lock:
            try:
                with _transaction(self._connection):
                    yield
            except sqlite3.OperationalError as error:
                raise Namel3ssDebugError(f"cannot write the run index {self.path or 'in memory'}: {error}",
                                         hint=f"free some space, or remove {INDEX_NAME} to have it made again")\
                    from None

    def _bump(self) -> None:
        self._connection.execute("UPDATE meta SET value = value + 1 WHERE name = 'version'")

    def _row(self, blob: bytes) -> RunRow:
        row = _DECODE.decode(blob)
        return msgspec.structs.replace(row, files=[self._within + name for name in row.files])

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A query; on a damaged index the index is made again, empty, and the query's failure is a TraceError
        (the next sync reads every run again)."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as error:
                if isinstance(error, sqlite3.OperationalError):
                    raise
                where = self.path
                self._rebuild_corrupt(error)
                raise TraceError(f"run index {where} was corrupt ({error}): it is rebuilt from the traces",
                                 hint="run the command again") from None


def search_text(row: RunRow) -> str:
    """What `--grep` reads of a row, in lower case: its id, entry, tags, models, frameworks, tools, error types,
    finding kinds, question, answer and error messages, a line each."""
    texts = [row.run_id, row.entry or "", *row.tags, *row.models, *row.frameworks, *row.tools, *row.error_types,
             *row.findings, row.input or "", row.output or "", *row.error_messages]
    return "\n".join(texts).lower()


def _columns(key: str, row: RunRow, search: str) -> tuple[Any, ...]:
    """The `runs` table's columns of a row: what filters and sorts read (`search`: `search_text`), and the row."""
    return (key, row.run_id, row.entry, row.started, row.duration_ms, row.status, row.health, row.llm_calls,
            row.total_tokens, row.cost_usd, row.errors, sum(row.findings_by_severity.values()), row.parent,
            msgspec.json.encode(row.models).decode(), msgspec.json.encode(row.tags).decode(),
            msgspec.json.encode(row.findings).decode(), search, row.problems, _ENCODE.encode(row))


@functools.cache
def full_text_search() -> bool:
    """Whether this process's SQLite has FTS5 with its trigram tokenizer (built with FTS5, 3.34 or later)."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(_SEARCH_SCHEMA)
    except sqlite3.OperationalError:  # no such module: fts5; no such tokenizer: trigram
        return False
    finally:
        connection.close()
    return True


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
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


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None
