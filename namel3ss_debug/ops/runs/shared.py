"""The run index of a team, in PostgreSQL (`run_index_url`): the same rows, columns and queries as the SQLite index
beside the traces (`index.RunIndex`, whose logic this class keeps: only the database's parts are replaced), with
many writers at once and runs from many machines.

Where a run lives: each row's `location` is its directory as a URL, `file://HOST/abs/dir/` for a local folder
(a path alone would be the same text on two CI runners), or the folder's own URL (`s3://bucket/prefix/`); its
`source` is the location and the run's key there. A listing shows every run of the index, whoever indexed it;
a sync looks at this machine's directory alone, so it reads again, or forgets, only runs of its own location.
A run of this directory that the index already holds at another location, by its run id and with the same file
names and sizes (a run sent to a bucket and kept here too, `trace_upload_keep_local`), is that run's copy: the
sync leaves it out, and forgets its row here if it had one (`_copies`); the run's end forgets the row a sync here
indexed before it (`forget_copy`). The run is listed once.
A row's files are joined to its location as the read path takes them: a local path for a folder on this host,
the URL otherwise.

Many writers: each batch of runs is one short transaction of upserts (`INSERT ... ON CONFLICT DO UPDATE`, the
run's row first, so that two writers of one run queue on its row lock instead of mixing its files and operations),
in the order of their sources (no two writers take locks in opposite orders), retried on a serialization failure
or a deadlock (`RETRIES`, with a random wait); READ COMMITTED, PostgreSQL's default, never fails a plain upsert
for another's. The version `view --follow` watches is a sequence, which never blocks. A row whose reading used
other prices or another version (`key`) is read again by its own location's next sync and listed as it is
elsewhere; every other rule of the SQLite index (a damaged row forgotten and read again from its traces, rows
checked before they are used) holds here too.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...config.index_url import shown
from ...model.errors import Namel3ssDebugError
from .dialect import POSTGRESQL
from .database import FORMAT
from .index import RunIndex
from .pgconnect import BOUND_S, PgConnection, connect, failed
from .pgschema import SEQUENCE, prepared
from .rows import search_text, stored_columns
from .scan import Identity, SyncPlan
from .writes import WrittenRun

RETRIES = 12  # attempts of one batch before the sync fails (each after a random wait of up to 0.05 s x 2^n)
_JULIAN_EPOCH_MS = 210_866_760_000_000  # 1970-01-01T00:00Z in milliseconds of the Julian day count
_COLUMNS = ("source", "run_id", "entry", "started", "duration_ms", "status", "health", "llm_calls", "total_tokens",
            "cost_usd", "errors", "findings", "parent", "models", "tags", "finding_kinds", "search", "problems", "row")
_ALL = (*_COLUMNS, "location", "made_with", "started_day")
_JSON = {"models", "tags", "finding_kinds"}
_UPSERT = (f"INSERT INTO runs ({', '.join(_ALL)}) VALUES"
           f" ({', '.join('CAST(? AS jsonb)' if name in _JSON else '?' for name in _ALL)})"
           f" ON CONFLICT (source) DO UPDATE SET {', '.join(f'{name} = EXCLUDED.{name}' for name in _ALL[1:])}")


def location_of(directory: Path | str, host: str | None = None) -> str:
    """Where the runs of `directory` live, as a URL ending in `/`: a folder's own URL, or `file://HOST/abs/dir/`."""
    text = str(directory)
    if "://" in text:
        return text if text.endswith("/") else text + "/"
    return f"file://{host or socket.gethostname()}{os.path.join(os.path.abspath(text), '')}"


class SharedRunIndex(RunIndex):
    """The run index in the PostgreSQL database at `url` (its schema made or migrated on opening, after it proved
    ours: `pgschema.prepared`), synced from `directory` on this host (`host`: the machine's name); no statement
    waits longer than `bound_s` seconds for its answer (`pgwait`)."""

    dialect = POSTGRESQL
    shared = True

    def __init__(self, directory: Path | str, *, key: str, url: str, environ: Mapping[str, str], strict: bool = False,
                 host: str | None = None, bound_s: float = BOUND_S) -> None:
        self._begin(directory, key, strict)
        self.path = None
        self.url = url
        self.searchable = True  # `--grep` is answered in the database whether or not its trigram index exists
        self._host = host or socket.gethostname()
        self._location = location_of(directory, self._host)
        self._places: dict[str, str] = {}
        self._row_key = f"{FORMAT}:{key}"
        raw = connect(url, environ, bound_s)
        self._pg = PgConnection(raw)
        self._connection = self._pg  # type: ignore[assignment]  # RunIndex's queries: the same calls as sqlite3's
        try:
            for note in prepared(raw, shown(url)):
                self._note(note)
        except BaseException as error:
            raw.close()
            import psycopg  # noqa: PLC0415 - loaded by `connect` already

            from .pgwait import stopped  # noqa: PLC0415 - as above

            if isinstance(error, psycopg.Error):
                raise failed(url, stopped(raw) or error) from None
            raise

    def where(self) -> str:
        return shown(self.url)

    @property
    def version(self) -> int:
        with self._reading():
            found = self._connection.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}")\
                .fetchone()
        return int(found[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def changes(self) -> SyncPlan:
        """What a sync of this directory would read and forget, without the copies of runs indexed elsewhere."""
        found = super().changes()
        copies = self._copies({key: found.files[key] for key in (*found.new, *found.changed)})
        if copies:
            found.gone.extend(key for key in found.changed if key in copies)
            found.new = [key for key in found.new if key not in copies]
            found.changed = [key for key in found.changed if key not in copies]
        return found

    def forget_copy(self, directory: Path, key: str) -> None:
        """Forget the row of the run `key` at `directory` on this host, when there is one: the local copy of a run
        just indexed at its bucket's folder, which a sync here indexed before the run's end did (later syncs leave
        it out: `_copies`)."""
        source = location_of(directory, self._host) + key
        if self.read("SELECT 1 FROM runs WHERE source = ?", (source,)):
            self._forget([source])

    def _copies(self, runs: dict[str, dict[str, Identity]]) -> set[str]:
        """Of `runs` (key -> files here), those indexed at another location under the same run id with the same
        file names and sizes: one run's two copies (mtimes and inodes, or an object's version, differ by nature).
        A run that merely shares the id, other files or sizes, is not one."""
        if not runs:
            return set()
        with self._reading():
            rows = self._connection.execute(
                "SELECT runs.run_id, runs.source, name, size FROM runs JOIN files ON files.source = runs.source"
                " WHERE runs.run_id = ANY(?) AND runs.location <> ?", (sorted(runs), self._location)).fetchall()
        elsewhere: dict[tuple[str, str], dict[str, int]] = {}
        for run_id, source, name, size in rows:
            elsewhere.setdefault((run_id, source), {})[name] = size
        return {run_id for (run_id, _), sizes in elsewhere.items()
                if sizes == {name: identity[0] for name, identity in runs[run_id].items()}}

    def _source(self, key: str) -> str:
        return self._location + key

    def _groups(self, text: str, params: Sequence[Any], size: int) -> Generator[list[tuple[Any, Any]], None, None]:
        """The statement's rows, `size` at a time through a cursor of the server's: the first group comes once
        the server has them, not after all of them have crossed the network."""
        yield from self._pg.stream(text, params, size)

    def _place(self, source: str) -> str:
        location = source[:source.rfind("/") + 1]
        if location == self._location:
            return self._within
        place = self._places.get(location)
        if place is None:  # a team's runs are in a few places: each worked out once
            here = f"file://{self._host}/"
            place = self._places[location] = location[len(here) - 1:] if location.startswith(here) else location
        return place

    def _known(self) -> dict[str, dict[str, Identity]]:
        """This location's runs -> their files as last indexed; a run read with another key (prices, version) or
        with no files gets none, so that it is read again."""
        known: dict[str, dict[str, Identity]] = {}
        cut = len(self._location)
        with self._reading():
            rows = self._connection.execute(
                "SELECT runs.source, runs.made_with, name, size, mtime_ns, inode FROM runs LEFT JOIN files ON"
                " files.source = runs.source WHERE runs.location = ?", (self._location,)).fetchall()
        stale = set()
        for source, key, name, size, mtime_ns, inode in rows:
            files = known.setdefault(source[cut:], {})
            if key != self._row_key:
                stale.add(source[cut:])
            elif name is not None:
                files[name] = (size, mtime_ns, inode)
        for key in stale:
            known[key] = {}
        return known

    def _forget(self, keys: list[str]) -> None:
        sources = sorted(set(keys))

        def forget(connection: PgConnection) -> None:
            for table in ("runs", "files", "operations"):
                connection.execute(f"DELETE FROM {table} WHERE source = ANY(?)", (sources,))
            connection.execute(f"SELECT nextval('{SEQUENCE}')")
        self._retrying(forget)

    def _write(self, runs: list[WrittenRun]) -> None:
        if not runs:
            return
        ordered = sorted(runs, key=lambda run: run.key)

        def write(connection: PgConnection) -> None:
            for run in ordered:
                self._write_one(connection, run)
            connection.execute(f"SELECT nextval('{SEQUENCE}')")
        self._retrying(write)

    def _write_one(self, connection: PgConnection, run: WrittenRun) -> None:
        """The run's row first (its lock is what two writers of one run queue on), then its files and operations."""
        source, row = self._source(run.key), run.row
        columns = [_text(value) for value in stored_columns(source, row, search_text(row), run.blob)]
        connection.execute(_UPSERT, (*columns, self._location, self._row_key, julian_day(row.started)))
        connection.execute("DELETE FROM files WHERE source = ?", (source,))
        connection.execute("DELETE FROM operations WHERE source = ?", (source,))
        connection.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)",
                               [(source, _text(name), *identity) for name, identity in run.files.items()])
        connection.executemany("INSERT INTO operations VALUES (?, ?, ?, ?)",
                               [(source, _text(times.operation), _doubles(times.durations), times.errors)
                                for times in run.operations])

    def _retrying(self, work: Callable[[PgConnection], None]) -> None:
        """`work` in one transaction, again after a serialization failure or a deadlock (RETRIES times); any other
        failure of the database is one error (`pgconnect.failed`)."""
        for attempt in range(RETRIES):
            try:
                with self._lock, self._talking(), self._pg.transaction():
                    work(self._pg)
                return
            except _Conflict:
                time.sleep(random.uniform(0, 0.05 * 2 ** min(attempt, 6)))
        raise Namel3ssDebugError(f"cannot write the run index at {self.where()}: {RETRIES} attempts met other "
                                 "writers' conflicts", hint="run the command again")

    @contextmanager
    def _talking(self) -> Iterator[None]:
        """A conversation with the database: a serialization failure or deadlock is _Conflict (tried again); any
        other error of the database is one error (`pgconnect.failed`), a statement with no answer within the bound
        `IndexUnreachable` saying so (`pgwait`)."""
        import psycopg  # noqa: PLC0415 - loaded by `connect` already
        from psycopg import errors  # noqa: PLC0415 - as above

        from .pgwait import stopped  # noqa: PLC0415 - as above

        try:
            yield
        except (errors.SerializationFailure, errors.DeadlockDetected) as error:
            raise _Conflict() from error
        except psycopg.Error as error:  # a connection its watchdog shut says so again at every later statement
            raise failed(self.url, stopped(self._pg.raw) or error) from None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock, self._talking():
            yield

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock, self._talking(), self._pg.transaction():
            yield


class _Conflict(Exception):
    """Another writer's transaction made ours fail (a serialization failure, a deadlock): it is tried again."""


def julian_day(started: str | None) -> float | None:
    """A run's start as a Julian day, as SQLite's `julianday` reads an ISO 8601 time (UTC unless it names a zone);
    None for a text that is no time."""
    if not started:
        return None
    try:
        moment = datetime.fromisoformat(started)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (round(moment.timestamp() * 1000) + _JULIAN_EPOCH_MS) / 86_400_000  # SQLite counts whole milliseconds


def _text(value: Any) -> Any:
    """A text as PostgreSQL can hold it: no NUL (it ends a C string there) and no lone surrogate (not UTF-8)."""
    if not isinstance(value, str):
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "\ufffd")


def _doubles(durations: list[float]) -> bytes:
    from array import array  # noqa: PLC0415 - what the SQLite index writes, read back by `rows.operation_times`

    return array("d", durations).tobytes()
