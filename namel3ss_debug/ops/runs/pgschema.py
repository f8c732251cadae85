"""The shared run index's tables in PostgreSQL, the version table that marks them ours, and their migration.

Everything lives in one schema of its own, `namel3ss_debug` (a team's database has its own `runs` tables), made
by the first `runs` that reaches the database. Its table `index_version` holds one row: the layout's version and
`MARKER`. A database is trusted only when that schema is missing (made), empty (made inside it: a database owner
may hand a user an empty schema), or ours: the marker's row there, every table of ours with exactly its columns,
nothing else in it, and no trigger or rule on our tables (a planted trigger would run at each write). Anything
else is `ForeignIndex`: nothing is read from it or written to it (the command stops, exit 2).

Migrations: `STEPS[n]` takes a layout of version n to n + 1, in one transaction, under an advisory lock, so that
many CI runners meeting an old (or missing) layout at once migrate it once: each waits for the lock and reads the
version again. Version 1 is the tables; version 2 adds the trigram index `--grep` uses (pg_trgm), when the server
has the extension (when not, `--grep` scans the rows, with the same answer, and a note says so); version 3 the
index of the listing's newest-first order, so that a long listing's first rows come without a sort. A layout newer
than this version knows is `ForeignIndex` too ("made by a newer namel3ss-debug"): never written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...model.errors import UsageError

if TYPE_CHECKING:
    from psycopg import Connection

    Database = Connection[tuple[Any, ...]]  # psycopg's connection with rows as tuples (its default)

SCHEMA = "namel3ss_debug"
MARKER = "namel3ss-debug run index"
_LOCK = 0x6E336462  # the advisory lock migrations take ("n3db")
_C = 'COLLATE "C"'  # texts compared and sorted by their bytes, as SQLite does

# Each table's columns, in order: (name, type as information_schema names it, the rest of its definition)
TABLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "index_version": (("version", "integer", "NOT NULL"), ("marker", "text", "NOT NULL")),
    "runs": (
        # source: where the run lives and its key there (`location` + key); location: its directory as a URL;
        # made_with: FORMAT and the reading's key (version, prices, thresholds) the row was made with
        ("source", "text", f"{_C} PRIMARY KEY"), ("location", "text", f"{_C} NOT NULL"),
        ("made_with", "text", "NOT NULL"),
        ("run_id", "text", f"{_C} NOT NULL"), ("entry", "text", _C), ("started", "text", _C),
        ("started_day", "double precision", ""), ("duration_ms", "double precision", ""),
        ("status", "text", f"{_C} NOT NULL"), ("health", "text", _C), ("llm_calls", "bigint", ""),
        ("total_tokens", "bigint", ""), ("cost_usd", "double precision", ""), ("errors", "bigint", ""),
        ("findings", "bigint", ""), ("parent", "text", _C), ("models", "jsonb", ""), ("tags", "jsonb", ""),
        ("finding_kinds", "jsonb", ""), ("search", "text", _C), ("problems", "bigint", "NOT NULL"),
        ("row", "bytea", "NOT NULL")),
    "files": (("source", "text", f"{_C} NOT NULL"), ("name", "text", f"{_C} NOT NULL"), ("size", "bigint", ""),
              ("mtime_ns", "bigint", ""), ("inode", "bigint", "")),
    "operations": (("source", "text", f"{_C} NOT NULL"), ("operation", "text", "NOT NULL"),
                   ("durations", "bytea", ""), ("errors", "bigint", "")),
}
SEQUENCE = "version_seq"  # goes up at every write: `view --follow` asks it whether anything changed
RELATIONS = {*TABLES, SEQUENCE}


class ForeignIndex(UsageError):
    """The database's `namel3ss_debug` schema is not a run index of ours (or of a newer version): never used."""


def _tables() -> list[str]:
    statements = []
    for table, columns in TABLES.items():
        body = ", ".join(f"{name} {kind} {rest}".strip() for name, kind, rest in columns)
        key = ", PRIMARY KEY (source, name)" if table == "files" else ""
        statements.append(f"CREATE TABLE {SCHEMA}.{table} ({body}{key})")
    return [*statements,
            f"CREATE INDEX runs_by_id ON {SCHEMA}.runs (run_id)",
            f"CREATE INDEX runs_by_start ON {SCHEMA}.runs (started)",
            f"CREATE INDEX runs_by_location ON {SCHEMA}.runs (location)",
            f"CREATE INDEX operations_by_source ON {SCHEMA}.operations (source)",
            f"CREATE SEQUENCE {SCHEMA}.{SEQUENCE}",
            f"INSERT INTO {SCHEMA}.index_version VALUES (0, '{MARKER}')"]


def _version_1(connection: Database, notes: list[str]) -> None:
    for statement in _tables():
        connection.execute(statement)


def _version_2(connection: Database, notes: list[str]) -> None:
    """The trigram index of `runs.search`, where the server has pg_trgm (installed in our schema when missing)."""
    import psycopg  # noqa: PLC0415 - loaded by `pgconnect.connect` already

    where = trigram_schema(connection)
    if where is None:
        try:
            with connection.transaction():  # a savepoint: a refusal leaves the migration's transaction usable
                connection.execute(f"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {SCHEMA}")
            where = SCHEMA
        except psycopg.Error as error:  # any refusal (not installed, no privilege) leaves the index out
            notes.append(f"the server has no pg_trgm extension ({str(error).splitlines()[0]}): --grep reads"
                         " every run's text (the same runs match, found more slowly)")
            return
    connection.execute(f'CREATE INDEX runs_search ON {SCHEMA}.runs USING gin (search "{where}".gin_trgm_ops)')


def _version_3(connection: Database, notes: list[str]) -> None:
    """The index of a listing's first order, newest first (`sql.select_sql`'s ORDER BY for `--sort started`): a
    cursor reads the first group of a long listing without the server sorting every run first (100,000 runs:
    the first 2,000 in 0.13 s, not 0.41 s)."""
    connection.execute(f"CREATE INDEX IF NOT EXISTS runs_newest ON {SCHEMA}.runs ((started IS NULL), started DESC,"
                       " source DESC)")


STEPS: tuple[Callable[[Database, list[str]], None], ...] = (_version_1, _version_2, _version_3)
VERSION = len(STEPS)


def trigram_schema(connection: Database) -> str | None:
    found = connection.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
                               " WHERE e.extname = 'pg_trgm'").fetchone()
    return str(found[0]) if found else None


def prepared(connection: Database, where: str) -> list[str]:
    """The schema made or migrated to VERSION, after it proved ours (`ForeignIndex` if not); notes of what was
    done. `connection` is in autocommit; the migration is one transaction of its own."""
    if found_version(connection, where) == VERSION:
        return []
    notes: list[str] = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        version = found_version(connection, where)  # another process may have migrated it meanwhile
        if version == 0:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        for step in STEPS[version:]:
            step(connection, notes)
        connection.execute(f"UPDATE {SCHEMA}.index_version SET version = %s", (VERSION,))
    said = "made" if version == 0 else f"migrated from version {version} to {VERSION}"
    return [f"run index {where} {said} (schema {SCHEMA})", *notes]


def found_version(connection: Database, where: str) -> int:
    """The version of the layout in the database: 0 when there is none yet (no schema, or an empty one). Raises
    ForeignIndex when the schema holds anything that is not ours."""
    relations: dict[str, str] = dict(connection.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')", (SCHEMA,)).fetchall())
    if not relations:
        return 0
    version = _marked_version(connection, relations, where)
    if version > VERSION:
        raise ForeignIndex(f"the run index at {where} was made by a newer namel3ss-debug (layout {version}; this "
                           f"one knows up to {VERSION}): it is not written", hint="upgrade namel3ss-debug")
    stranger = _stranger(connection, relations, version)
    if stranger is not None:
        raise _foreign(where, stranger)
    return version


def _marked_version(connection: Database, relations: dict[str, str], where: str) -> int:
    if relations.get("index_version") != "r" or _columns(connection, "index_version") != _expected("index_version"):
        raise _foreign(where, "it has no version table of ours")
    marks = connection.execute(f"SELECT version, marker FROM {SCHEMA}.index_version").fetchall()
    if len(marks) != 1 or marks[0][1] != MARKER or not isinstance(marks[0][0], int):
        raise _foreign(where, "its version table does not hold our marker")
    return int(marks[0][0])


def _stranger(connection: Database, relations: dict[str, str], version: int) -> str | None:
    """The first thing in the schema that is not ours, in a few words, or None."""
    for name, kind in sorted(relations.items()):
        if name not in RELATIONS or (kind != "S") != (name != SEQUENCE):
            return f"{name!r} is not one of the index's tables"
    if version == 0:  # a migration stopped before its end cannot commit: version 0 with tables is not ours
        return "its version table says no layout was made"
    for table in TABLES:
        if table not in relations:
            return f"table {table!r} is missing"
        if _columns(connection, table) != _expected(table):
            return f"table {table!r} has other columns than the index's"
    hooks = connection.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON"
        " n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal UNION ALL SELECT tablename FROM"
        " pg_rules WHERE schemaname = %s", (SCHEMA, SCHEMA)).fetchall()
    return f"table {hooks[0][0]!r} has a trigger or a rule" if hooks else None


def _columns(connection: Database, table: str) -> list[tuple[str, str]]:
    return [(str(name), str(kind)) for name, kind in connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
        " ORDER BY ordinal_position", (SCHEMA, table)).fetchall()]


def _expected(table: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, _ in TABLES[table]]


def _foreign(where: str, why: str) -> ForeignIndex:
    return ForeignIndex(f"the database at {where} holds a schema {SCHEMA} that is not a run index of ours ({why}):"
                        " nothing is read from it or written to it",
                        hint=f"point run_index_url at another database, or drop the schema {SCHEMA} if it is a"
                             " leftover of yours")
