"""The run index in PostgreSQL (`ops/runs/shared.py`), against a real server (`pg_server`): the same rows as the
SQLite index for every filter, `--grep`, sort, page query and `--trend`'s operations; runs of other machines
listed and never forgotten by this one's sync; a row of another key read again; an older layout migrated in
place; a schema that is not ours never written; a database that cannot be reached one line; many writers at
once losing nothing (a batch that meets a serialization failure tried again); and `view DIR`'s list page and
`--trend` the same."""

from __future__ import annotations

import multiprocessing
import shutil
import socket
import threading
import time
from datetime import datetime, timezone
from dataclasses import replace
from pathlib import Path

import orjson
import psycopg
import pytest
from runs.generate import write_runs
from runs.indexcheck import environment
from support.pgserver import PgServer
from support.s3server import STARTING_S
from support.stubs import TcpListener

from namel3ss_debug.config import load_settings
from namel3ss_debug.model.errors import EXIT_FAILED, EXIT_USAGE, UsageError
from namel3ss_debug.ops.browse import open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs import page
from namel3ss_debug.ops.runs.catalogue import Catalogue, CatalogueRequest, index_run, open_catalogue
from namel3ss_debug.ops.runs.scan import SyncResult
from namel3ss_debug.ops.runs.listing import RunsRequest, list_runs
from namel3ss_debug.ops.runs.pgconnect import IndexUnreachable
from namel3ss_debug.ops.runs.pgschema import SCHEMA, VERSION, ForeignIndex
from namel3ss_debug.ops.runs.query import RunFilter, RunQuery
from namel3ss_debug.ops.runs.shared import SharedRunIndex

pytestmark = pytest.mark.usefixtures("isolated_workspace")

QUERIES = [
    RunQuery(), RunQuery(sort="cost", limit=5, offset=3), RunQuery(sort="duration", descending=False),
    RunQuery(sort="tokens", limit=7), RunQuery(sort="findings"), RunQuery(sort="errors", descending=False),
    RunQuery(RunFilter(statuses=("failed", "unfinished"))), RunQuery(RunFilter(health=("degraded",))),
    RunQuery(RunFilter(models=("gpt-4o-mini", "llama-3.1-8b-local"))), RunQuery(RunFilter(min_cost=0.0001)),
    RunQuery(RunFilter(findings=(("swallowed_error", "warning"), ("cacheable_calls", "info")))),
    RunQuery(RunFilter(entry="script support_bot.py", health=("healthy", "degraded"))),
    RunQuery(RunFilter(tags=("nightly",))), RunQuery(RunFilter(lineage="only")), RunQuery(RunFilter(lineage="hide")),
    RunQuery(RunFilter(since="2026-11-10", until="2026-11-20T12:00:00Z")), RunQuery(RunFilter(tags=("ci", "nightly"))),
]
# `--grep`'s documented cases: any case, a substring, text under 3 characters, FTS5's and LIKE's own syntax as text
GREPS = ["PARIS", "pari", "ar", "e", "_", "tool", "search", "GPT-4o", '"odd"', "*star*", "-", "near(x)", "a_b", "a-b",
         "%", "100%", "0%", "%o", "\\", "k\\s", "(", "no such run at all"]


def shared_env(directory: Path, server: PgServer, url: str, warnings: list[str] | None = None) -> Environment:
    env = environment(directory, warnings)
    return replace(env, environ={**env.environ, **server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": url})


def shared(directory: Path, server: PgServer, url: str, warnings: list[str] | None = None) -> Catalogue:
    return open_catalogue(CatalogueRequest(str(directory)), shared_env(directory, server, url, warnings))


def local(directory: Path) -> Catalogue:
    return open_catalogue(CatalogueRequest(str(directory)), environment(directory, []))


EVERY = RunQuery()


def ids(listed: Catalogue, query: RunQuery = EVERY) -> list[str]:
    return [row.run_id for row in listed.select(query)]


ODD_TAGS = ['100% "odd" a_b', "back\\slash NEAR(x) *star*", "Paris-bound"]  # texts `--grep` must take as text


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 generated runs, 3 of them tagged with ODD_TAGS."""
    directory = tmp_path_factory.mktemp("generated") / "runs"
    write_runs(directory, 40, seed=66)
    tagged = [path for path in sorted(directory.glob("*.0000.jsonl")) if b'"tags":["' in path.read_bytes()]
    for path, tag in zip(tagged, ODD_TAGS):
        path.write_bytes(path.read_bytes().replace(b'"tags":["', b'"tags":[' + orjson.dumps(tag) + b',"', 1))
    return directory


@pytest.fixture
def copied(generated: Path, tmp_path: Path) -> Path:
    """The generated runs, in a directory of the test's own."""
    directory = tmp_path / "runs"
    shutil.copytree(generated, directory)
    return directory


@pytest.fixture
def both(copied: Path, pg_server: PgServer, pg_url: str) -> tuple[Catalogue, Catalogue]:
    """The same 40 runs in PostgreSQL and in SQLite."""
    return shared(copied, pg_server, pg_url, []), local(copied)


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_a_query_gives_the_same_rows_in_order_from_postgresql_as_from_sqlite(
        both: tuple[Catalogue, Catalogue], query: RunQuery) -> None:
    postgres, sqlite = both
    assert [row for row in postgres.select(query)] == sqlite.select(query)
    assert ids(postgres, query)  # every query of the list selects some run: none passes for want of rows


def test_grep_finds_the_same_runs_in_postgresql_as_in_sqlite_for_each_documented_case(
        both: tuple[Catalogue, Catalogue]) -> None:
    postgres, sqlite = both
    found = {text: ids(postgres, RunQuery(RunFilter(grep=text))) for text in GREPS}
    assert found == {text: ids(sqlite, RunQuery(RunFilter(grep=text))) for text in GREPS}
    assert len(found["PARIS"]) == len(found["pari"]) == 1 and not found["no such run at all"]
    assert len(found["100%"]) == len(found["a_b"]) == 1 and not found["a-b"] and not found["%o"]
    assert len(found["\\"]) == len(found["near(x)"]) == 1 and len(found["e"]) == 40


def test_the_page_counts_facets_chart_and_operations_are_those_of_sqlite(
        both: tuple[Catalogue, Catalogue]) -> None:
    postgres, sqlite = both
    where = RunFilter(grep="e", lineage="hide")
    assert page.matched(postgres.index, where) == page.matched(sqlite.index, where) > 0
    assert page.facets(postgres.index) == page.facets(sqlite.index)
    assert page.chart(postgres.index, where, 40) == page.chart(sqlite.index, where, 40)
    run_ids = ids(sqlite)
    assert page.listed(postgres.index, [*run_ids, "nobody"]) == page.listed(sqlite.index, run_ids)
    assert postgres.operations(run_ids) == sqlite.operations(run_ids)
    assert postgres.get(run_ids[3]) == sqlite.get(run_ids[3])


def test_a_second_sync_reads_nothing_and_a_deleted_run_leaves_the_index(
        both: tuple[Catalogue, Catalogue]) -> None:
    postgres, _ = both
    assert postgres.refresh().unchanged == 40
    gone = ids(postgres)[0]
    for path in postgres.directory.glob(f"{gone}.*"):
        path.unlink()
    version = postgres.index.version
    synced = postgres.refresh()
    assert (synced.removed, synced.unchanged) == (1, 39)
    assert gone not in ids(postgres) and postgres.index.version > version


def test_runs_of_another_machine_are_listed_and_never_forgotten_by_this_ones_sync(
        copied: Path, pg_server: PgServer, pg_url: str) -> None:
    directory = copied
    env = shared_env(directory, pg_server, pg_url)
    other = SharedRunIndex(directory, key="k", url=pg_url, environ=env.environ, host="ci-runner-7")
    other.sync(local(directory).reading)
    theirs = shared(directory, pg_server, pg_url)  # this host's sync of the same folder: its own location
    assert len(ids(theirs)) == 40  # once: the same runs (ids, names, sizes) are ci-runner-7's, not read again here
    for path in directory.iterdir():
        path.unlink()
    assert theirs.refresh().removed == 0
    rows = theirs.select(RunQuery())
    assert len(rows) == 40 and all(row.files[0].startswith(f"file://ci-runner-7{directory}/") for row in rows)
    other.close()


def test_a_row_read_with_other_prices_or_another_version_is_read_again_by_its_own_sync(
        both: tuple[Catalogue, Catalogue], pg_server: PgServer, pg_url: str) -> None:
    postgres, _ = both
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        connection.execute(f"UPDATE {SCHEMA}.runs SET made_with = 'another' WHERE run_id = %s", (ids(postgres)[0],))
    synced = postgres.refresh()
    assert (synced.updated, synced.unchanged) == (1, 39)


def test_an_older_layout_of_ours_is_migrated_in_place_keeping_its_rows(
        both: tuple[Catalogue, Catalogue], pg_server: PgServer, pg_url: str) -> None:
    postgres, _ = both
    before = postgres.select(RunQuery())
    postgres.index.close()
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        connection.execute(f"DROP INDEX {SCHEMA}.runs_search")
        connection.execute(f"UPDATE {SCHEMA}.index_version SET version = 1")
    warnings: list[str] = []
    again = shared(postgres.directory, pg_server, pg_url, warnings)
    assert f"from version 1 to {VERSION}" in "\n".join(warnings)
    assert again.synced.unchanged == 40 and again.select(RunQuery()) == before
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        assert connection.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'runs_search'").fetchone() == (1,)


STRANGERS = {
    "a table of the same name": [f"CREATE SCHEMA {SCHEMA}", f"CREATE TABLE {SCHEMA}.runs (id int, note text)"],
    "no marker": [f"DELETE FROM {SCHEMA}.index_version"],
    "another marker": [f"UPDATE {SCHEMA}.index_version SET marker = 'theirs'"],
    "a column more": [f"ALTER TABLE {SCHEMA}.runs ADD COLUMN extra text"],
    "a trigger": [f"CREATE FUNCTION {SCHEMA}.grow() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
                  f"CREATE TRIGGER grow BEFORE INSERT ON {SCHEMA}.runs FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.grow()"],
    "a newer layout": [f"UPDATE {SCHEMA}.index_version SET version = 99"],
}


@pytest.mark.parametrize("planted", STRANGERS.values(), ids=STRANGERS)
def test_a_schema_that_is_not_ours_is_refused_in_one_line_and_never_written(
        copied: Path, pg_server: PgServer, pg_url: str, planted: list[str]) -> None:
    directory = copied
    if not planted[0].startswith("CREATE SCHEMA"):
        shared(directory, pg_server, pg_url).index.close()  # ours first, then changed
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        for statement in planted:
            connection.execute(statement)
        before = _contents(connection)
    with pytest.raises(ForeignIndex) as refused:
        shared(directory, pg_server, pg_url)
    assert refused.value.exit_code == EXIT_USAGE and "\n" not in str(refused.value)
    assert "is not written" in str(refused.value) or "run_index_url" in str(refused.value)
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        assert _contents(connection) == before


def test_a_database_that_cannot_be_reached_is_one_line_naming_it_and_how_to_fix_it(
        tmp_path: Path, pg_server: PgServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
        with pytest.raises(IndexUnreachable) as refused:
            shared(tmp_path, pg_server, f"postgresql://ci@127.0.0.1:{port}/runs")
    said = str(refused.value)
    assert refused.value.exit_code == EXIT_FAILED and "\n" not in said
    assert f"127.0.0.1:{port}/runs" in said and "refused" in said and "start the server" in said


def test_a_wrong_password_is_one_line_that_points_at_pgpassword_and_never_shows_it(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    env = shared_env(tmp_path, pg_server, pg_url)
    env = replace(env, environ={**env.environ, "PGPASSWORD": "hunter2-wrong"})
    with pytest.raises(IndexUnreachable) as refused:
        open_catalogue(CatalogueRequest(str(tmp_path)), env)
    said = str(refused.value)
    assert "password authentication failed" in said and "PGPASSWORD" in said and "hunter2" not in said


def test_the_password_may_come_from_a_pgpass_file(tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:*:postgres:{pg_server.password}\n")
    passfile.chmod(0o600)
    env = environment(tmp_path)
    environ = {name: value for name, value in env.environ.items() if name != "PGPASSWORD"}
    environ.update(PGPASSFILE=str(passfile), NAMEL3SS_DEBUG_RUN_INDEX_URL=pg_url)
    (tmp_path / "runs").mkdir()
    write_runs(tmp_path / "runs", 2, seed=3)
    listed = open_catalogue(CatalogueRequest(str(tmp_path / "runs")), replace(env, environ=environ))
    assert len(ids(listed)) == 2


def test_a_missing_psycopg_is_one_line_naming_the_extra(
        tmp_path: Path, pg_server: PgServer, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "psycopg", None)
    with pytest.raises(UsageError, match=r"psycopg is not installed.*namel3ss-debug\[postgres\]"):
        shared(tmp_path, pg_server, pg_url)


def test_index_run_puts_one_finished_run_in_the_index_and_again_changes_nothing(
        copied: Path, pg_server: PgServer, pg_url: str) -> None:
    directory = copied
    env = shared_env(directory, pg_server, pg_url)
    resolved = load_settings(env.environ, directory)
    run_id = sorted(path.name.split(".")[0] for path in directory.glob("*.jsonl"))[5]
    assert index_run(directory, run_id, resolved, env).added == 1
    assert index_run(directory, run_id, resolved, env).added == 1  # an upsert: still one row
    listed = SharedRunIndex(directory, key="k", url=pg_url, environ=env.environ)
    assert [row.run_id for row in listed.select(RunQuery())] == [run_id]
    listed.close()
    with pytest.raises(UsageError, match="no run nothing-here"):
        index_run(directory, "nothing-here", resolved, env)


def _index_each(directory: str, url: str, password: str, run_ids: list[str]) -> None:
    """A CI runner: each of its runs indexed as it ends."""
    env = environment(Path(directory))
    env = replace(env, environ={**env.environ, "PGPASSWORD": password, "NAMEL3SS_DEBUG_RUN_INDEX_URL": url})
    resolved = load_settings(env.environ, Path(directory))
    for run_id in run_ids:
        result = index_run(Path(directory), run_id, resolved, env)
        assert result.added == 1, result.notes


def _sync(directory: str, url: str, password: str) -> None:
    env = environment(Path(directory))
    env = replace(env, environ={**env.environ, "PGPASSWORD": password, "NAMEL3SS_DEBUG_RUN_INDEX_URL": url})
    open_catalogue(CatalogueRequest(directory), env).index.close()


@pytest.mark.slow
def test_many_processes_indexing_and_syncing_at_once_lose_no_row_and_raise_nothing(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    runners = []
    for number in range(4):
        directory = tmp_path / f"runner{number}"
        runners.append((str(directory), write_runs(directory, 12, seed=100 + number)))
    shared_dir = tmp_path / "shared"
    write_runs(shared_dir, 30, seed=200)
    context = multiprocessing.get_context("spawn")
    jobs = [context.Process(target=_index_each, args=(directory, pg_url, pg_server.password, run_ids))
            for directory, run_ids in runners]
    jobs += [context.Process(target=_sync, args=(str(shared_dir), pg_url, pg_server.password)) for _ in range(3)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=600)
    assert [job.exitcode for job in jobs] == [0] * len(jobs)
    listed = shared(shared_dir, pg_server, pg_url)
    assert listed.synced.unchanged == 30 and listed.synced.added == 0
    expected = sorted({*(run_id for _, run_ids in runners for run_id in run_ids), *ids(local(shared_dir))})
    assert sorted(ids(listed)) == expected and len(expected) == 4 * 12 + 30
    with psycopg.connect(pg_url, **_password(pg_server)) as connection:
        files = connection.execute(f"SELECT count(DISTINCT source) FROM {SCHEMA}.files").fetchone()
        doubled = connection.execute(f"SELECT count(*) FROM (SELECT source, operation FROM {SCHEMA}.operations"
                                     " GROUP BY source, operation HAVING count(*) > 1) AS twice").fetchone()
    assert files == (78,) and doubled == (0,)


def _password(server: PgServer) -> dict[str, str]:
    return {"password": server.password}


def _contents(connection: psycopg.Connection) -> list[tuple[object, ...]]:
    """Every table of the schema and its rows, to tell that nothing was written."""
    tables = [name for (name,) in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (SCHEMA,)).fetchall()]
    return [(table, sorted(map(repr, connection.execute(f"SELECT * FROM {SCHEMA}.{table}").fetchall())))
            for table in tables]


def test_views_list_page_from_postgresql_is_the_one_from_sqlite(
        copied: Path, pg_server: PgServer, pg_url: str) -> None:
    directory = copied
    request = ReportRequest(traces=(str(directory),))
    postgres = open_browser(request, shared_env(directory, pg_server, pg_url, []))
    sqlite = open_browser(request, environment(directory, []))
    query = RunQuery(RunFilter(grep="o", lineage="hide"), sort="cost", limit=12, offset=4)
    seen, expected = postgres.listing(query), sqlite.listing(query)
    assert replace(seen, version=0) == replace(expected, version=0) and len(seen.rows) == 12


def test_a_machine_with_no_trace_directory_lists_the_teams_runs(
        both: tuple[Catalogue, Catalogue], tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    postgres, _ = both
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    listed = open_catalogue(CatalogueRequest(), shared_env(laptop, pg_server, pg_url))  # debug/traces: none here
    assert ids(listed) == ids(postgres) and len(ids(listed)) == 40 and listed.refresh().added == 0


def test_trend_over_postgresql_is_the_trend_over_sqlite(
        copied: Path, pg_server: PgServer, pg_url: str) -> None:
    directory = copied
    request = RunsRequest(CatalogueRequest(str(directory)), trend=True, reruns="hide", limit=30)
    now = datetime(2026, 11, 29, tzinfo=timezone.utc)
    postgres = list_runs(request, shared_env(directory, pg_server, pg_url, []), now)
    sqlite = list_runs(request, environment(directory, []), now)
    assert postgres.trend == sqlite.trend and postgres.trend is not None and postgres.trend.operations


def test_a_write_that_meets_a_serialization_failure_is_tried_again_and_lands(
        copied: Path, pg_server: PgServer, pg_url: str) -> None:
    """A database whose owner made SERIALIZABLE the default: a writer that waited on another's row fails with a
    serialization failure once that one commits; the index tries its batch again instead of failing."""
    directory = copied
    first = shared(directory, pg_server, pg_url)
    run_id = ids(first)[0]
    first.index.close()
    for path in directory.glob(f"{run_id}.*"):
        path.write_bytes(path.read_bytes() + b"\n")  # grown: the next sync writes its row again
    with psycopg.connect(pg_url, autocommit=True, **_password(pg_server)) as admin:
        admin.execute(f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} SET default_transaction_isolation = 'serializable'")
        with psycopg.connect(pg_url, **_password(pg_server)) as other:  # holds the run's row, uncommitted
            other.execute(f"UPDATE {SCHEMA}.runs SET problems = problems WHERE run_id = %s", (run_id,))
            outcome: list[object] = []
            syncing = threading.Thread(target=lambda: outcome.append(_synced_or_error(directory, pg_server, pg_url)))
            syncing.start()
            _wait_for_a_writer_waiting_on_a_lock(admin)
            other.commit()  # the waiting writer's transaction can no longer be serialized: 40001
        syncing.join(timeout=300)
    (result,) = outcome
    assert isinstance(result, SyncResult) and result.updated == 1, result


def _synced_or_error(directory: Path, server: PgServer, url: str) -> object:
    try:
        listed = shared(directory, server, url)
    except Exception as error:  # the test reports any failure as its outcome
        return error
    listed.index.close()
    return listed.synced


def _wait_for_a_writer_waiting_on_a_lock(admin: psycopg.Connection) -> None:
    """Until a connection of the index waits on a lock (the row `other` holds); fails after STARTING_S."""
    deadline = time.monotonic() + STARTING_S
    while not admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'namel3ss-debug'"
                            " AND wait_event_type = 'Lock'").fetchone()[0]:
        assert time.monotonic() < deadline, "the index never waited on the row held"
        time.sleep(0.05)


def test_a_server_that_never_answers_is_one_line_after_the_connect_timeout(tmp_path: Path) -> None:
    silent = TcpListener(timeout=60)  # takes the connection, reads, never answers
    port = silent.port
    env = environment(tmp_path)
    environ = {**env.environ, "PGCONNECT_TIMEOUT": "2", "NAMEL3SS_DEBUG_RUN_INDEX_URL":
               f"postgresql://ci@127.0.0.1:{port}/runs"}
    try:
        with pytest.raises(IndexUnreachable) as silent_error:
            open_catalogue(CatalogueRequest(str(tmp_path)), replace(env, environ=environ))
    finally:
        silent.close()
    said = str(silent_error.value)
    assert "timeout" in said and f"127.0.0.1:{port}/runs" in said and "\n" not in said


def test_a_listing_read_in_groups_from_postgresql_gives_the_rows_of_one_select(
        both: tuple[Catalogue, Catalogue]) -> None:
    postgres, _ = both
    for query in (RunQuery(), RunQuery(sort="cost", descending=False), RunQuery(RunFilter(health=("degraded",)))):
        groups = list(postgres.groups(query, 3))
        assert all(len(group) == 3 for group in groups[:-1]) and 0 < len(groups[-1]) <= 3
        assert [row for group in groups for row in group] == postgres.select(query)
    assert len(list(postgres.groups(RunQuery(), 3))) == 14  # 40 runs

