"""The team's run index on a server that took the connection and then stopped answering (its processes stopped with
SIGSTOP: their kernel still acknowledges what is sent, so TCP alone never gives up): `runs`, `view` and a run's end
each fail in one line after `run_index_timeout_seconds` (1 s here), never wait for ever, and lose nothing
(`ops/runs/pgwait.py`). A real PostgreSQL of the module's own, paused and let go on by each test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from runs.generate import write_runs
from runs.indexcheck import environment
from support.pgserver import PgServer
from support.s3server import STARTING_S

from namel3ss_debug.config import ResolvedSettings, load_settings
from namel3ss_debug.launch.uploading import sending_for, send_here
from namel3ss_debug.model.errors import EXIT_FAILED
from namel3ss_debug.ops.browse import open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.catalogue import CatalogueRequest, open_catalogue
from namel3ss_debug.ops.runs.ended import EndIndexing
from namel3ss_debug.ops.runs.pgconnect import IndexUnreachable
from namel3ss_debug.ops.runs.pgschema import VERSION
from namel3ss_debug.ops.runs.query import RunQuery
from namel3ss_debug.ops.trace.handoff import indexer
from namel3ss_debug.tracer import finished
from namel3ss_debug.web.server import RUNS_DATA_PATH, ViewServer

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("isolated_workspace")]
APP = str(Path(__file__).parent / "apps" / "sent_app.py")
BOUND = {"NAMEL3SS_DEBUG_RUN_INDEX_TIMEOUT_SECONDS": "1"}
_LOCK = 0x6E336462  # the advisory lock a migration of the index's layout takes (`pgschema._LOCK`)
T = TypeVar("T")


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with PgServer() as started:
        yield started


def settings_env(directory: Path, server: PgServer, url: str) -> Environment:
    env = environment(directory, [])
    return replace(env, environ={**env.environ, **server.environ(), **BOUND, "NAMEL3SS_DEBUG_RUN_INDEX_URL": url})


def stopped_answering(url: str) -> str:
    return f"the run index at {url} stopped answering: no answer in 1 s (run_index_timeout_seconds)"


def within(call: Callable[[], T], seconds: float = 60) -> T:
    """`call`'s result (or its error) in a thread of its own: a wait that never ends fails the test, not hangs it."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(call)
        try:
            return future.result(timeout=seconds)
        except FutureTimeout:
            pytest.fail(f"still waiting after {seconds:g} s")


def test_a_listing_on_an_open_index_whose_server_stops_is_one_line_after_the_bound(
        tmp_path: Path, server: PgServer) -> None:
    url = server.database("listing")
    write_runs(tmp_path / "runs", 3, seed=4)
    listed = open_catalogue(CatalogueRequest(str(tmp_path / "runs")), settings_env(tmp_path, server, url))
    assert len(listed.select(RunQuery())) == 3
    try:
        with server.paused(), pytest.raises(IndexUnreachable) as hung:
            within(lambda: listed.select(RunQuery()))
        with pytest.raises(IndexUnreachable) as again:  # the connection is spent: said the same way
            listed.select(RunQuery())
    finally:
        listed.index.close()
    said = str(hung.value)
    assert stopped_answering(url) in said and "\n" not in said and server.password not in said
    assert "raise run_index_timeout_seconds" in said and hung.value.exit_code == EXIT_FAILED
    assert str(again.value) == said


def test_runs_waiting_on_a_server_that_stops_exits_1_with_one_line(tmp_path: Path, server: PgServer) -> None:
    url = server.database("runs_cmd")
    write_runs(tmp_path / "runs", 2, seed=5)
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "PG"))},
               **server.environ(), **BOUND, "NAMEL3SS_DEBUG_RUN_INDEX_URL": url}
    with psycopg.connect(url, password=server.password, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))  # `runs` makes the layout: it waits for the lock
        command = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "runs", str(tmp_path / "runs")],
                                   env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            _until_waiting_on_a_lock(admin, command)
            with server.paused():  # `runs` has sent its statement; nothing will answer it
                out, err = command.communicate(timeout=60)
        finally:
            command.kill()
            command.wait()
    (line,) = err.splitlines()
    assert command.returncode == EXIT_FAILED and out == ""
    assert line.startswith("namel3ss-debug: error: ") and stopped_answering(url) in line
    assert server.password not in line


def _until_waiting_on_a_lock(admin: psycopg.Connection, command: subprocess.Popen[str]) -> None:
    """Until a connection of namel3ss-debug waits on a lock; fails after STARTING_S or if `command` ended."""
    deadline = time.monotonic() + STARTING_S * 2
    while not admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'namel3ss-debug'"
                            " AND wait_event_type = 'Lock'").fetchone()[0]:
        assert command.poll() is None, command.communicate()
        assert time.monotonic() < deadline, "runs never waited on the lock"
        time.sleep(0.05)


def test_views_list_on_a_server_that_stops_answers_500_with_the_line_then_lists_once_it_answers(
        tmp_path: Path, server: PgServer) -> None:
    url = server.database("view")
    write_runs(tmp_path / "runs", 3, seed=6)
    errors: list[str] = []
    browser = open_browser(ReportRequest(traces=(str(tmp_path / "runs"),)), settings_env(tmp_path, server, url))
    view = ViewServer(browser, max_text=1000, on_error=errors.append)
    view.start()
    try:
        with server.paused(), pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(view.url + RUNS_DATA_PATH.lstrip("/"), timeout=60)
        with urllib.request.urlopen(view.url + RUNS_DATA_PATH.lstrip("/"), timeout=60) as again:
            listed = again.read().decode()  # the server answers again: the view asks it on a new connection
    finally:
        view.shutdown()
        view.server_close()
        browser.catalogue.index.close()
    body = answered.value.read().decode()
    assert answered.value.code == 500 and stopped_answering(url) in body
    assert [line for line in errors if stopped_answering(url) in line] == errors and len(errors) == 1
    assert again.status == 200 and listed.count('"run_id"') == 3


def test_a_run_end_on_a_server_that_stops_keeps_the_run_with_one_line(tmp_path: Path, server: PgServer) -> None:
    url = server.database("ended")
    traces = tmp_path / "traces"
    first, second = write_runs(traces, 2, seed=7)
    settings = load_settings({**BOUND, "NAMEL3SS_DEBUG_RUN_INDEX_URL": url}, tmp_path).settings
    sending = sending_for(settings, traces)
    assert sending is not None
    indexing = EndIndexing(ResolvedSettings(settings, {}, (), None, traces),
                           Environment({**os.environ, **server.environ()}, tmp_path))
    try:
        assert finished.mark(traces, first, sorted(traces.glob(f"{first}.*.jsonl")))
        assert send_here(sending, first, indexer(indexing, settings)).indexed == [first]  # the connection open
        assert finished.mark(traces, second, sorted(traces.glob(f"{second}.*.jsonl")))
        with server.paused():
            outcome = within(lambda: send_here(sending, second, indexer(indexing, settings)))
    finally:
        indexing.close()
    assert outcome.indexed == [] and finished.waiting(traces) == [second]  # kept for the next end
    assert outcome.problem is not None and "\n" not in outcome.problem
    assert f"run {second} not indexed in {url}: {stopped_answering(url)}" in outcome.problem
    assert "the next traced run's end indexes it" in outcome.problem


def test_an_app_ending_on_a_stopped_server_exits_with_its_code_and_the_next_end_indexes_both(
        tmp_path: Path, server: PgServer) -> None:
    url = server.database("app")
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "PG"))},
               **server.environ(), **BOUND, "NAMEL3SS_DEBUG_ENABLED": "1", "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": "traces",
               "NAMEL3SS_DEBUG_RUN_INDEX_URL": url}
    with server.paused():
        hung = subprocess.run([sys.executable, APP, "3", "exit:4"], cwd=tmp_path, env=environ, capture_output=True,
                              text=True, timeout=120, check=False)
        left = sorted(os.listdir(tmp_path / "traces"))
    up = subprocess.run([sys.executable, APP, "3", "return"], cwd=tmp_path, env=environ, capture_output=True,
                        text=True, timeout=120, check=False)
    (line,) = hung.stderr.splitlines()
    assert hung.returncode == 4 and f"not indexed in {url}: cannot reach the run index" in line
    assert "timeout expired" in line and "the next traced run's end indexes it" in line
    assert len(left) == 2 and left[1].endswith(".upload")  # the trace and its marker
    assert (up.returncode, up.stderr) == (0, "")
    with psycopg.connect(url, password=server.password) as connection:
        assert connection.execute("SELECT version FROM namel3ss_debug.index_version").fetchone() == (VERSION,)
        assert connection.execute("SELECT count(*) FROM namel3ss_debug.runs").fetchone() == (2,)
