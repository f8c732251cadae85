"""Reaching the PostgreSQL database of `run_index_url` (psycopg 3), and what a failure to reach it says.

The password is libpq's business: the URL from the environment may carry one, else libpq finds it in PGPASSWORD,
the file of PGPASSFILE or ~/.pgpass, or the PGSERVICE entry (those variables are taken from the environment the
command was given, so that a library caller's environment is the one used). A workspace file never gives one
(`config/index_url.py`). Nothing waits for ever: a connection that is not made in `CONNECT_S` seconds, or the
bound if it is less (unless the URL or PGCONNECT_TIMEOUT says otherwise), is a failure like a refusal; and a
statement with no answer within the bound (`run_index_timeout_seconds`: a server that stopped answering, a network
partition) is one too, `pgwait.StoppedAnswering`, its connection spent.

Every failure to reach the database, or to go on talking to it, is `IndexUnreachable`: one line that says what
happened, which database (its URL with no password), and how to fix it; exit 1 (the command could not do its work;
the traces are untouched). A traced app never asks the index anything: its run's end hands the run to a process of
ours that indexes it (`ended.py`), and a failure there is one line, the run kept for the next end.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ...config.index_url import shown
from ...model.errors import Namel3ssDebugError, UsageError
from .pgschema import SCHEMA

if TYPE_CHECKING:
    from psycopg import Cursor, Transaction

    from .pgschema import Database

CONNECT_S = 10
BOUND_S = 30.0  # `run_index_timeout_seconds`' default: a team's database across a network, a slow query included
_FROM_ENVIRON = {"PGPASSWORD": "password", "PGPASSFILE": "passfile", "PGSERVICE": "service",
                 "PGCONNECT_TIMEOUT": "connect_timeout", "PGSSLMODE": "sslmode"}
_URL_HINT = "check run_index_url (NAMEL3SS_DEBUG_RUN_INDEX_URL, or .namel3ss/debug.json)"


class IndexUnreachable(Namel3ssDebugError):
    """The run index's database cannot be reached, or stopped answering."""


def connect(url: str, environ: Mapping[str, str], bound_s: float = BOUND_S) -> Database:
    """An autocommit connection to `url`, its search path our schema after PostgreSQL's own catalogue, each of its
    waits bounded by `bound_s` seconds (`pgwait`). Raises UsageError when psycopg is missing, IndexUnreachable when
    the database cannot be reached or does not answer."""
    try:
        import psycopg  # noqa: PLC0415 - only an index in PostgreSQL needs it (the `postgres` extra)

        from .pgwait import Watchdog, WatchedConnection  # noqa: PLC0415 - it imports psycopg
    except ImportError:
        raise UsageError(f"run_index_url names a PostgreSQL database ({shown(url)}) and psycopg is not installed",
                         hint="pip install 'namel3ss-debug[postgres]'") from None
    given = {name for name, _ in parse_qsl(urlsplit(url).query)}
    if urlsplit(url).password is not None:
        given.add("password")
    extra: dict[str, Any] = {parameter: environ[variable] for variable, parameter in _FROM_ENVIRON.items()
                             if environ.get(variable) and parameter not in given}
    if "connect_timeout" not in given and "connect_timeout" not in extra:
        extra["connect_timeout"] = min(CONNECT_S, math.ceil(bound_s))  # whole seconds, 2 at least (libpq's rule)
    try:
        connection = WatchedConnection.connect(url, autocommit=True, application_name="namel3ss-debug", **extra)
    except psycopg.Error as error:
        raise unreachable(url, error) from None
    connection.watch(Watchdog(bound_s))
    try:
        connection.execute(f"SET search_path = pg_catalog, {SCHEMA}")
    except psycopg.Error as error:
        connection.close()
        raise unreachable(url, error) from None
    return connection


def failed(url: str, error: Exception) -> Namel3ssDebugError:
    """A failure of the database at `url` as one error: `unreachable` when the connection failed or was lost
    (psycopg's OperationalError: the server stopped, a network fault), else what the database refused."""
    import psycopg  # noqa: PLC0415 - loaded by `connect` already

    if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError)):
        return unreachable(url, error)
    return Namel3ssDebugError(f"the run index at {shown(url)} refused a statement: {_reason(str(error))}",
                              hint="run the command again; if it fails again, report it with this line")


def unreachable(url: str, error: BaseException) -> IndexUnreachable:
    """The one line of a failure to reach (or keep talking to) the database at `url`."""
    from .pgwait import StoppedAnswering  # noqa: PLC0415 - psycopg is loaded by then: the error is one of its own

    if isinstance(error, StoppedAnswering):
        return IndexUnreachable(
            f"the run index at {shown(url)} stopped answering: no answer in {error.bound_s:g} s "
            "(run_index_timeout_seconds)",
            hint="check that the server runs and that this machine reaches it, or raise run_index_timeout_seconds "
                 "(NAMEL3SS_DEBUG_RUN_INDEX_TIMEOUT_SECONDS)")
    said = _reason(str(error))
    lowered = said.lower()
    if "password" in lowered or "authentication" in lowered:
        hint = "give the password in PGPASSWORD or ~/.pgpass, or the whole URL in NAMEL3SS_DEBUG_RUN_INDEX_URL"
    elif "does not exist" in lowered:
        hint = f"create the database (createdb), or {_URL_HINT}"
    elif "permission denied" in lowered:
        hint = f"ask the database's owner to let this user create the schema {SCHEMA}, or {_URL_HINT}"
    else:
        hint = f"start the server, or {_URL_HINT}"
    return IndexUnreachable(f"cannot reach the run index at {shown(url)}: {said}", hint=hint)


def _reason(text: str) -> str:
    """libpq's message in one line: the last `failed:` part, without its `FATAL:` and its advice."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else "no answer"
    reason = first.rpartition(" failed: ")[2] if " failed: " in first else first
    return reason.removeprefix("FATAL:").strip() or first


class PgConnection:
    """A psycopg connection that takes the index's statements as SQLite's module does: `?` for each value
    (no statement of the index holds a `?` or `%` of its own: values are always bound)."""

    def __init__(self, connection: Database) -> None:
        self.raw = connection

    def execute(self, text: str, params: Sequence[Any] = ()) -> Cursor[tuple[Any, ...]]:
        # binary results: a row's blob comes as its bytes, not as hex text twice its size (100,000 rows: 0.45 s
        # to 0.25 s)
        return self.raw.execute(_marked(text), list(params), binary=True)

    def stream(self, text: str, params: Sequence[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The statement's rows, `size` at a time, through a server-side cursor (in the transaction such a cursor
        lives in): one statement, one snapshot, so rows other runners write meanwhile neither shift nor repeat a
        group."""
        with self.raw.transaction(), self.raw.cursor(name="namel3ss_debug_listed", binary=True) as cursor:
            cursor.execute(_marked(text), list(params))
            while found := cursor.fetchmany(size):
                yield found

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(_marked(text), rows)

    def transaction(self) -> AbstractContextManager[Transaction]:
        return self.raw.transaction()

    def close(self) -> None:
        self.raw.close()


def _marked(text: str) -> str:
    assert "%" not in text, "a statement of the index binds its values"
    return text.replace("?", "%s")
