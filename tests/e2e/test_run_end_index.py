"""A traced run put in the team's run index (`run_index_url`) as it ends, by the process that sends it
(`ops/trace/handoff.py`): at the bucket's folder when it was sent (`trace_upload_url`), else at its directory here.
A real app in its own process, a real PostgreSQL (the session's, or one of the module's own that the faults stop
and start again) and moto's S3 server, both on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.pgserver import PgServer
from support.s3server import S3Server

from namel3ss_debug.config import ResolvedSettings, load_settings
from namel3ss_debug.launch.uploading import Sent, send_here, sending_for
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.runs.catalogue import index_of
from namel3ss_debug.ops.runs.ended import EndIndexing
from namel3ss_debug.ops.runs.indexing import run_reading
from namel3ss_debug.ops.trace.handoff import indexer
from namel3ss_debug.tracer import finished

pytestmark = pytest.mark.usefixtures("isolated_workspace")
APP = str(Path(__file__).parent / "apps" / "sent_app.py")
WAITING = ".upload"


@pytest.fixture(scope="module")
def store() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("runs")
        yield started


def environ(pg: PgServer, url: str, bucket: str = "", store: S3Server | None = None) -> dict[str, str]:
    """This interpreter's environment without our settings or AWS's, tracing into `traces`, indexing into `url`,
    sending to `bucket` when one is given."""
    values = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_", "PG"))}
    values.update(pg.environ(), **(store.environ() if store is not None else {}))
    values.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces",
                  NAMEL3SS_DEBUG_RUN_INDEX_URL=url)
    if bucket:
        values["NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"] = bucket
    return values


def run_app(cwd: Path, env: dict[str, str], ending: str = "return") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, APP, "5", ending], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def indexed(url: str, pg: PgServer) -> dict[str, str]:
    """run id -> its location, as the index holds them."""
    import psycopg  # noqa: PLC0415 - there whenever the server is

    with psycopg.connect(url, password=pg.password) as connection:
        rows = connection.execute("SELECT run_id, location FROM namel3ss_debug.runs").fetchall()
    return {run_id: location for run_id, location in rows}


def unchanged_at(where: Path | str, url: str, pg: PgServer) -> tuple[int, int, int]:
    """What a sync of `where` into the index would read: (new, changed, unchanged) runs."""
    env = Environment(environ={**os.environ, **pg.environ()}, cwd=Path.cwd())
    resolved = load_settings({"NAMEL3SS_DEBUG_RUN_INDEX_URL": url}, Path.cwd())
    index = index_of(where, resolved, env, key=run_reading(resolved, env).key)
    try:
        plan = index.changes()
    finally:
        index.close()
    return len(plan.new), len(plan.changed), plan.unchanged


def local(cwd: Path) -> list[str]:
    return sorted(os.listdir(cwd / "traces"))


def test_a_sent_run_is_indexed_at_the_buckets_folder_as_a_sync_of_it_would_find_it(
        tmp_path: Path, store: S3Server, pg_server: PgServer, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = f"s3://runs/{tmp_path.name}/"
    done = run_app(tmp_path, environ(pg_server, pg_url, folder, store), "exit:3")
    (run_id,) = indexed(pg_url, pg_server)
    assert (done.returncode, done.stderr, local(tmp_path)) == (3, "", [])
    assert indexed(pg_url, pg_server) == {run_id: folder}
    for name, value in store.environ().items():  # botocore reads them from the process
        monkeypatch.setenv(name, value)
    assert unchanged_at(folder, pg_url, pg_server) == (0, 0, 1)  # its objects' versions as the put confirmed them


def locations(url: str, pg: PgServer) -> list[tuple[str, str]]:
    """(run id, location) of every row the index holds, sorted."""
    import psycopg  # noqa: PLC0415 - there whenever the server is

    with psycopg.connect(url, password=pg.password) as connection:
        return sorted(connection.execute("SELECT run_id, location FROM namel3ss_debug.runs").fetchall())


def synced(where: Path, url: str, pg: PgServer) -> None:
    """A sync of `where` into the index, as `runs` on this machine does."""
    env = Environment(environ={**os.environ, **pg.environ()}, cwd=Path.cwd())
    resolved = load_settings({"NAMEL3SS_DEBUG_RUN_INDEX_URL": url}, Path.cwd())
    reading = run_reading(resolved, env)
    index = index_of(where, resolved, env, key=reading.key)
    try:
        assert index.sync(reading).failed == 0
    finally:
        index.close()


def test_a_run_sent_and_kept_here_is_listed_once_and_another_run_of_its_id_still_is(
        tmp_path: Path, store: S3Server, pg_server: PgServer, pg_url: str) -> None:
    folder = f"s3://runs/{tmp_path.name}/"
    env = {**environ(pg_server, pg_url, folder, store), "NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL": "1"}
    assert run_app(tmp_path, env).returncode == 0
    (segment,) = local(tmp_path)
    run_id, here = segment.split(".")[0], f"file://{socket.gethostname()}{tmp_path / 'traces'}/"
    synced(tmp_path / "traces", pg_url, pg_server)
    assert locations(pg_url, pg_server) == [(run_id, folder)]  # the kept copy is the bucket's run
    path = tmp_path / "traces" / segment
    sent = path.read_bytes()
    path.write_bytes(sent + b"\n")  # another size: another run that merely shares the id
    synced(tmp_path / "traces", pg_url, pg_server)
    assert locations(pg_url, pg_server) == sorted([(run_id, folder), (run_id, here)])
    path.write_bytes(sent)  # the sent bytes again: a copy once more, its row here forgotten
    synced(tmp_path / "traces", pg_url, pg_server)
    assert locations(pg_url, pg_server) == [(run_id, folder)]


def ended_here(directory: Path, run_id: str, values: dict[str, str]) -> Sent:
    """The sending of the run `run_id` marked finished in `directory`, in this process, with these settings."""
    settings = load_settings(values, directory).settings
    sending = sending_for(settings, directory)
    assert sending is not None
    indexing = EndIndexing(ResolvedSettings(settings, {}, (), None, directory), Environment(os.environ, directory))
    try:
        return send_here(sending, run_id, indexer(indexing, settings))
    finally:
        indexing.close()


def test_a_sent_runs_end_forgets_the_row_a_sync_here_made_before_it(
        tmp_path: Path, store: S3Server, pg_server: PgServer, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    traces, folder = tmp_path / "traces", f"s3://runs/{tmp_path.name}/"
    plain = {k: v for k, v in environ(pg_server, pg_url).items() if k != "NAMEL3SS_DEBUG_RUN_INDEX_URL"}
    assert run_app(tmp_path, plain).returncode == 0  # traced alone: nothing sent, nothing indexed
    (segment,) = local(tmp_path)
    run_id = segment.split(".")[0]
    synced(traces, pg_url, pg_server)  # a `runs` here while the run is still to be sent
    assert finished.mark(traces, run_id, [traces / segment])
    for name, value in {**store.environ(), "PGPASSWORD": pg_server.password}.items():
        monkeypatch.setenv(name, value)
    outcome = ended_here(traces, run_id, {"NAMEL3SS_DEBUG_RUN_INDEX_URL": pg_url,
                                          "NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": folder,
                                          "NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL": "1"})
    assert outcome.problem is None and local(tmp_path) == [segment]
    assert locations(pg_url, pg_server) == [(run_id, folder)]
    synced(traces, pg_url, pg_server)
    assert locations(pg_url, pg_server) == [(run_id, folder)]


def test_a_run_only_indexed_keeps_its_files_and_is_indexed_at_its_directory(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    done = run_app(tmp_path, environ(pg_server, pg_url))
    (segment,) = local(tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert indexed(pg_url, pg_server) == {segment.split(".")[0]:
                                          f"file://{socket.gethostname()}{tmp_path / 'traces'}/"}
    assert unchanged_at(tmp_path / "traces", pg_url, pg_server) == (0, 0, 1)


def test_trace_says_where_the_run_was_indexed(tmp_path: Path, store: S3Server, pg_server: PgServer,
                                              pg_url: str) -> None:
    env = environ(pg_server, pg_url, f"s3://runs/{tmp_path.name}", store)
    env.pop("NAMEL3SS_DEBUG_ENABLED")
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", APP, "5", "exit:4"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4
    assert f"sent  this run to s3://runs/{tmp_path.name}, each object's size and MD5 checked" in done.stderr
    assert f"indexed  this run in {pg_url}" in done.stderr and len(indexed(pg_url, pg_server)) == 1


def test_a_store_down_keeps_the_run_from_the_index_too_and_one_line_says_both(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    nobody = S3Server()  # its port, with no server on it
    env = environ(pg_server, pg_url, "s3://runs/ci", nobody)
    done = run_app(tmp_path, env, "exit:2")
    (line,) = done.stderr.splitlines()
    assert done.returncode == 2
    assert f"not sent to s3://runs/ci nor indexed in {pg_url}: the store does not answer" in line
    assert "the next traced run's end sends and indexes it" in line
    assert len(local(tmp_path)) == 2  # the trace and its marker: indexed nowhere (no schema was even made)


def test_a_run_that_cannot_be_read_into_a_row_is_let_go_with_one_line(
        tmp_path: Path, pg_server: PgServer, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = "20261129-120000-aaaaaa"
    segment = tmp_path / f"{run_id}.0000.jsonl"
    segment.write_bytes(b"not a trace\n")
    assert finished.mark(tmp_path, run_id, [segment])
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    outcome = ended_here(tmp_path, run_id, {"NAMEL3SS_DEBUG_RUN_INDEX_URL": pg_url})
    assert outcome.indexed == [] and indexed(pg_url, pg_server) == {}
    assert outcome.problem is not None and f"run {run_id} not indexed in {pg_url}" in outcome.problem
    assert "cannot be read as one run, and is not tried again" in outcome.problem
    assert finished.waiting(tmp_path) == [] and segment.exists()  # let go, its file kept: it was never sent


# -- the database down: the run stays, one line says so, the next end indexes it --------------------------------
@pytest.fixture(scope="module")
def own_pg() -> Iterator[PgServer]:
    """A PostgreSQL of this module's own, which the faults stop and start again."""
    with PgServer() as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("sent", [False, True], ids=["indexed only", "sent and indexed"])
def test_a_database_down_costs_the_app_nothing_and_the_next_end_indexes_both(
        tmp_path: Path, store: S3Server, own_pg: PgServer, sent: bool) -> None:
    url = own_pg.database(f"down_{int(sent)}")
    folder = f"s3://runs/{tmp_path.name}/" if sent else ""
    env = environ(own_pg, url, folder, store)
    own_pg.stop()
    try:
        down = run_app(tmp_path, env, "exit:5")
        left = local(tmp_path)
    finally:
        own_pg.start()
    up = run_app(tmp_path, env)
    (line,) = down.stderr.splitlines()
    assert down.returncode == 5
    assert f"not indexed in {url}: cannot reach the run index" in line and own_pg.password not in line
    assert "kept in traces, and the next traced run's end indexes it; to fix: start the server" in line
    assert len(left) == 2 and left[1].endswith(WAITING)  # the trace, and its marker
    assert (up.returncode, up.stderr) == (0, "")
    runs = indexed(url, own_pg)
    assert left[0].split(".")[0] in runs and len(runs) == 2
    if sent:
        assert set(runs.values()) == {folder} and local(tmp_path) == []
    else:
        assert len(local(tmp_path)) == 2 and not any(name.endswith(WAITING) for name in local(tmp_path))


@pytest.mark.slow
def test_trace_with_the_database_down_writes_the_trace_and_exits_with_the_apps_code(
        tmp_path: Path, own_pg: PgServer) -> None:
    url = own_pg.database("trace_down")
    env = environ(own_pg, url)
    env.pop("NAMEL3SS_DEBUG_ENABLED")
    own_pg.stop()
    try:
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", APP, "5", "exit:6"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    finally:
        own_pg.start()
    (line,) = done.stderr.splitlines()
    assert done.returncode == 6
    assert f"not indexed in {url}: cannot reach the run index" in line
    assert len([name for name in local(tmp_path) if name.endswith(".jsonl")]) == 1
