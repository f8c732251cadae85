"""The run index: one SQLite file beside the traces (`INDEX_NAME`), one row per run, and the text `--grep` reads of
each (`search_text`) in a full-text table, `runs_text` (FTS5 with its trigram tokenizer; a SQLite without them keeps
the text in `runs.search` alone, and an index made by one kind of SQLite is rebuilt by the other).

Never the source of truth: rebuilt from the traces when missing, of another format or key, or corrupt (with a
note); brought up to date by `sync`, which looks at the directory's files (one `scandir`, a stat each, one SELECT
of the files it last read: `scan.py`) and reads again only the runs whose files are new, grown, rotated or
rewritten, and forgets the runs whose files are gone. A run whose reading fails is a note, left out, and tried
again at the next sync.

Safe with two processes at once: WAL (readers never wait for a writer), a generous busy timeout (a writer waits
for the other's short transaction instead of failing with "database is locked"), and the runs' rows, files and
operations written in short transactions after their (slow) readings, `WRITE_BATCH` runs each (a run read but not
yet written when the sync is stopped is read again next time), by INSERT OR REPLACE: two processes that
read the same run write the same row, and a row written from files that changed since is read again next sync
(the files' identities are taken before the reading). One connection, used from one thread at a time (a lock):
the page's server answers from several.

The index is kept whatever `--no-cache` says: it is the listing itself, not a cache of an answer
(`CatalogueRequest.cache` only stops the reading from writing offset sidecars beside the traces).

Nothing found at its name is trusted: the database is opened as a stranger's (`database.py`: its file claimed
through `opening.py`, its schema checked by `schema.py`, made again or kept in memory), a row is used only when it
decodes and names files in the directory (`rows.py`, else that run is forgotten and read again), and a run is
listed only while its files are as they were when it was read (`_known`: a row with no files, or files with no
row, is read again).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...analysis.run_row import IndexedRun, OperationTimes, RunRow
from ...model.errors import Namel3ssDebugError, TraceError
from ...store import remote
from .database import PRIVATE_NOTE, Opened, Tables, connect, fts_damage, open_file, reopen, transaction
from .query import RunQuery
from .rows import STORED, Damaged, DamagedRows, RebuiltIndex, decoded, operation_times, stored
from .scan import Identity, Reads, SyncPlan, SyncResult, Where, plan, scan
from .schema import full_text_search
from .dialect import SQLITE, Dialect
from .sql import select_sql
from .writes import WrittenRun, forget, write_runs

INDEX_NAME = ".namel3ss-runs.sqlite"
_CHUNK = 500  # run ids per `IN (...)`
MAX_NOTES = 5  # runs that could not be read said one by one in a sync; the others counted in one line
WRITE_BATCH = 64  # runs read, then written in one transaction: a commit a run was a tenth of indexing's time


class RunIndex:
    """The index of the runs in `directory`; `key` names everything a row depends on besides the run's files
    (package version, prices, price_overrides, diagnose thresholds): an index of another key is rebuilt.
    `path` None: INDEX_NAME in `directory`; a directory that cannot hold it, or a file there that is not to be
    opened (a link, not a regular file, another user's), keeps it in memory (a note says so).
    `strict`: `select` and `get` leave out the runs whose reading met torn, invalid or out-of-sequence lines
    (`--strict`; the index keeps them whatever the option: it is shared).
    A team's index in PostgreSQL is `shared.SharedRunIndex`, this class with its database's parts replaced.
    A folder in a store (its URL, a `str`) cannot hold the index beside its traces: it is kept in memory."""

    dialect: Dialect = SQLITE
    shared = False  # a team's index, holding other machines' runs too (`shared.SharedRunIndex`)

    def __init__(self, directory: Where, *, key: str, path: Path | None = None, strict: bool = False) -> None:
        self._begin(directory, key, strict)
        self.path: Path | None = path if path is not None or isinstance(self.directory, str) \
            else self.directory / INDEX_NAME
        self.searchable = full_text_search()  # False: `--grep` reads each row's `search` with `instr`
        self._inode: int | None = None  # the file opened, so that a corrupt one is told from its replacement
        self._connection = self._open()

    def _begin(self, directory: Where, key: str, strict: bool) -> None:
        """What every index holds before its database is opened."""
        self.directory: Where = directory if isinstance(directory, str) and remote.is_url(directory) \
            else Path(directory)
        self.strict = strict
        # files joined as text: a Path each cost 0.1 s of 10,000 runs
        self._within = self.directory.rstrip("/") + "/" if isinstance(self.directory, str) \
            else os.path.join(directory, "")
        self.key = key
        self._notes: list[str] = []  # what opening (or a rebuild since) found
        self._unsaid: list[str] = []  # of those, the ones no sync has returned yet
        self._failed: dict[str, dict[str, Identity]] = {}  # runs that could not be read: their files then
        self._lock = threading.RLock()

    def where(self) -> str:
        """The index as a message names it."""
        return str(self.path) if self.path is not None else "in memory"

    @property
    def notes(self) -> list[str]:
        """What opening it found (rebuilt, kept in memory), one line each; the next sync's notes have them too."""
        return list(self._notes)

    @property
    def version(self) -> int:
        with self._lock:
            found = self._connection.execute("SELECT value FROM meta WHERE name = 'version'"
                                              " AND typeof(value) = 'integer'").fetchone()
        return int(found[0]) if found is not None else 0

    def sync(self, index_run: Reads, progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Index the runs whose files changed since the last sync; `index_run.each` reads them (giving
        Namel3ssDebugError or OSError for one that cannot be read: noted, left out, tried again next sync);
        `progress(done, total)` after each run indexed."""
        return self.apply(self.changes(), index_run, progress)

    def changes(self) -> SyncPlan:
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

    def apply(self, changes: SyncPlan, index_run: Reads,
              progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Do what `changes` says: forget the runs gone, read the new and changed ones (see `sync`)."""
        notes, self._unsaid = self._unsaid, []
        if changes.gone:
            self._forget([self._source(key) for key in changes.gone])
        todo = [*changes.new, *changes.changed]
        failures: dict[str, str] = {}
        pending: list[WrittenRun] = []  # read, not yet written: WRITE_BATCH runs a transaction
        reads = index_run.each([changes.source(self.directory, key) for key in todo])
        for done, (key, indexed) in enumerate(zip(todo, reads), 1):
            try:
                if not isinstance(indexed, IndexedRun):
                    raise indexed
                row, blob = stored(indexed.row, f"run {key} in {self.directory}")
            except (Namel3ssDebugError, OSError) as error:
                failures[key] = f"cannot read run {key} in {self.directory}: {error} (left out; tried again next time)"
                if key in changes.changed:
                    self._forget([self._source(key)])
            else:
                pending.append(WrittenRun(key, row, blob, indexed.operations, changes.files[key]))
                self._failed.pop(key, None)
            if len(pending) >= WRITE_BATCH or done == len(todo):
                self._write(pending)
                pending = []
            if progress is not None:
                progress(done, len(todo))
        notes.extend(self._failures_said(failures, changes))
        return SyncResult(added=sum(key not in failures for key in changes.new),
                          updated=sum(key not in failures for key in changes.changed), removed=len(changes.gone),
                          unchanged=changes.unchanged, failed=len(failures), notes=notes, version=self.version)

    def _failures_said(self, failures: dict[str, str], changes: SyncPlan) -> list[str]:
        """The notes of the runs that could not be read, but not again for a run whose files are as they were
        when its note was given (`view --follow` syncs every second), and at most MAX_NOTES, then a count."""
        new = [note for key, note in failures.items() if self._failed.get(key) != changes.files[key]]
        self._failed.update((key, changes.files[key]) for key in failures)
        if len(new) > MAX_NOTES:
            new[MAX_NOTES:] = [f"... and {len(new) - MAX_NOTES} more runs in {self.directory} could not be read"]
        return new

    def select(self, query: RunQuery) -> list[RunRow]:
        """The rows `query` asks for. Raises DamagedRows when a row read is not one the index writes."""
        text, params = select_sql(query, clean=self.strict, searchable=self.searchable, dialect=self.dialect)
        with self._reading():
            found = self._connection.execute(text, params).fetchall()
        return self._rows(found)

    def select_groups(self, query: RunQuery, size: int,
                      warn: Callable[[str], None]) -> Generator[list[RunRow], None, None]:
        """The rows `query` asks for, `size` at a time as the database gives them (a long listing is shown while
        the rest is read). A damaged row in the first group raises DamagedRows, as `select` does (nothing is
        shown yet: the caller may sync and ask again); one in a later group cannot be asked for again once the
        rows before it are shown: it is left out, and after the last group its run is forgotten (the next sync
        reads it again) and `warn`ed."""
        text, params = select_sql(query, clean=self.strict, searchable=self.searchable, dialect=self.dialect)
        damaged: dict[Any, str] = {}
        shown = False
        with self._reading():
            groups = self._groups(text, params, size)
            try:
                for found in groups:
                    rows = self._decoded(found, damaged)
                    if damaged and not shown:
                        break
                    shown = True
                    yield rows
            finally:
                groups.close()  # the database's cursor closed here, while the index is open
        if damaged and not shown:
            self._damaged(damaged)
        if damaged:
            self._forget_damaged(damaged)
            warn(self._notes[-1])

    def _groups(self, text: str, params: Sequence[Any], size: int) -> Generator[list[tuple[Any, Any]], None, None]:
        """The statement's rows, `size` at a time: SQLite steps through them as they are fetched."""
        cursor = self._connection.execute(text, params)
        try:
            while found := cursor.fetchmany(size):
                yield found
        finally:
            cursor.close()

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """What a query of the index's columns gives as SQLite gives it (a count, a page's facets, its chart);
        rows are read through `select` and `get`, which check them."""
        with self._reading():
            return self._connection.execute(text, params).fetchall()

    def get(self, run_id: str) -> RunRow | None:
        """The row of that run id (of the run keyed by it first, then the latest started). Raises DamagedRows."""
        with self._reading():
            clean = " AND problems = 0" if self.strict else ""
            found = self._connection.execute(f"SELECT {STORED} FROM runs WHERE run_id = ?{clean}"
                                             " ORDER BY source = ? DESC, started DESC LIMIT 1",
                                             (run_id, self._source(run_id))).fetchall()
        rows = self._rows(found)
        return rows[0] if rows else None

    def with_problems(self) -> list[str]:
        """The runs whose reading met torn, invalid or out-of-sequence lines (what `strict` leaves out)."""
        with self._reading():
            return [str(run_id) for (run_id,) in self._connection.execute(
                "SELECT run_id FROM runs WHERE problems > 0 ORDER BY started, source")]

    def operations(self, run_ids: Sequence[str]) -> dict[str, list[OperationTimes]]:
        """Each run's operations. Raises DamagedRows for an operation that is not one the index writes."""
        found: dict[str, list[OperationTimes]] = {}
        damaged: dict[str, str] = {}
        ids = list(dict.fromkeys(run_ids))
        with self._reading():
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                for source, run_id, operation, durations, errors in self._connection.execute(
                        "SELECT source, runs.run_id, operation, durations, operations.errors FROM operations JOIN"
                        f" runs USING (source) WHERE runs.run_id IN ({marks})", chunk):
                    try:
                        found.setdefault(run_id, []).append(operation_times(operation, durations, errors))
                    except Damaged as why:
                        damaged[source] = str(why)
        if damaged:
            self._damaged(damaged)
        return found

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # -- opening -----------------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        """The index's database, ready (`database.open_file`); in memory for a folder in a store."""
        if isinstance(self.directory, str):
            self._note(f"a folder in a store holds no run index ({self.directory}): {PRIVATE_NOTE}")
            return connect(":memory:", self._tables(), self._note)
        assert self.path is not None
        return self._took(open_file(self.path, self._tables(), self._note))

    def _tables(self) -> Tables:
        return Tables(self.searchable, self.key)

    def _took(self, opened: Opened) -> sqlite3.Connection:
        """The connection of `opened`, its file (None: in memory) and inode kept."""
        self.path, self._inode = opened.path, opened.inode
        return opened.connection

    def _note(self, message: str) -> None:
        self._notes.append(message)
        self._unsaid.append(message)

    def _rebuild_corrupt(self, error: sqlite3.DatabaseError) -> None:
        """An index found corrupt after opening: removed and made again, empty."""
        with self._lock:
            self._connection.close()
            if self.path is None:
                raise TraceError(f"the run index in memory failed: {error}") from None
            self._connection = self._took(reopen(self.path, self._inode, f"was corrupt ({error})", self._tables(),
                                                 self._note))

    # -- rows --------------------------------------------------------------------------------------
    def _source(self, key: str) -> str:
        """The `source` column of the run keyed `key` in the directory (here the key itself)."""
        return key

    def _place(self, source: str) -> str:
        """What a row's file names are joined to (the directory, ending in a separator), by the row's `source`."""
        return self._within

    def _known(self) -> dict[str, dict[str, Identity]]:
        """Run key -> its files as last indexed; a run with a row and no files, or files and no row, with none
        (so that it is read again, or forgotten when its files are gone: no row outlives its traces)."""
        known: dict[str, dict[str, Identity]] = {}
        with self._lock:
            rows = self._connection.execute("SELECT source, name, size, mtime_ns, inode FROM runs LEFT JOIN files"
                                            " USING (source)").fetchall()
            orphans = self._connection.execute("SELECT DISTINCT source FROM files WHERE source NOT IN"
                                               " (SELECT source FROM runs)").fetchall()
        for source, name, size, mtime_ns, inode in rows:
            files = known.setdefault(source, {})
            if name is not None:
                files[name] = (size, mtime_ns, inode)
        for (source,) in orphans:
            known[source] = {}
        return known

    def _forget(self, keys: list[str]) -> None:
        with self._writing():
            forget(self._connection, keys, self.searchable)

    def _write(self, runs: list[WrittenRun]) -> None:
        """The runs' rows, files and operations, in one transaction (their readings are done before it starts);
        none: nothing written."""
        if not runs:
            return
        with self._writing():
            write_runs(self._connection, runs, self.searchable)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction; a failure to write (a full disk, the index locked past BUSY_MS) is one error."""
        with self._lock:
            try:
                with transaction(self._connection):
                    yield
            except sqlite3.OperationalError as error:
                raise Namel3ssDebugError(f"cannot write the run index {self.path or 'in memory'}: {error}",
                                         hint=f"free some space, or remove {INDEX_NAME} to have it made again")\
                    from None

    def _rows(self, found: list[tuple[Any, Any]]) -> list[RunRow]:
        """The rows of (source, blob) pairs; raises DamagedRows when one is not a row the index writes (their runs
        forgotten by then, the next sync reads them again from their traces, and said in one note)."""
        damaged: dict[Any, str] = {}
        rows = self._decoded(found, damaged)
        if damaged:
            self._damaged(damaged)
        return rows

    def _decoded(self, found: list[tuple[Any, Any]], damaged: dict[Any, str]) -> list[RunRow]:
        """The rows of (source, blob) pairs that are rows the index writes; the others' sources added to
        `damaged`, with why."""
        rows = []
        for source, blob in found:
            try:
                rows.append(decoded(blob, self._place(source)))
            except Damaged as why:
                damaged[source] = str(why)
        return rows

    def _damaged(self, damaged: dict[Any, str]) -> None:
        """Forget the damaged rows' runs (`_forget_damaged`), and raise DamagedRows."""
        self._forget_damaged(damaged)
        raise DamagedRows(f"run index {self.where()} held {len(damaged)} damaged row(s): they are read"
                          " again from the traces", hint="run the command again")

    def _forget_damaged(self, damaged: dict[Any, str]) -> None:
        """Forget the runs whose rows are damaged (the next sync reads them again from their traces), and say so
        in one note."""
        self._forget(list(damaged))
        source, why = next(iter(damaged.items()))
        others = f" and {len(damaged) - 1} more" if len(damaged) > 1 else ""
        self._note(f"run index {self.where()}: run {str(source)[:80]}{others} damaged ({why}): read"
                   " again from the traces")

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A query; on a damaged index the index is made again, empty, and the query's failure is RebuiltIndex
        (the next sync reads every run again)."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as error:
                if isinstance(error, sqlite3.OperationalError) and not fts_damage(error):
                    raise
                where = self.path
                self._rebuild_corrupt(error)
                raise RebuiltIndex(f"run index {where} was corrupt ({error}): it is rebuilt from the traces",
                                   hint="run the command again") from None


