"""The team's run index down (its PostgreSQL server stopped after it held runs): `runs` says so in one line naming
the database, exit 1, and a traced app, configured with the same URL, is not touched: its trace is written, its
exit code is its own, and one line says the run waits to be indexed (`tests/e2e/test_run_end_index.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from runs.generate import write_runs
from support.pgserver import PgServer

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")
APP = "import namel3ss_debug, sys\nwith namel3ss_debug.span('tool', 'lookup'):\n    pass\nsys.exit(3)\n"


@pytest.fixture(scope="module")
def stopped() -> Iterator[tuple[PgServer, str]]:
    """A server that held an index, then stopped; its URL."""
    server = PgServer()
    try:
        server.start()
        yield server, server.url()
    finally:
        server.close()


def test_runs_says_in_one_line_that_the_stopped_server_cannot_be_reached(
        tmp_path: Path, stopped: tuple[PgServer, str]) -> None:
    server, url = stopped
    write_runs(tmp_path / "runs", 3, seed=9)
    env = {**server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": url, "COLUMNS": "200"}
    first = CliRunner().invoke(cli, ["runs", str(tmp_path / "runs")], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    server.stop()
    result = CliRunner().invoke(cli, ["runs", str(tmp_path / "runs")], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"cannot reach the run index at postgresql://postgres@127.0.0.1:{server.port}/postgres" in line
    assert "Connection refused" in line and "start the server" in line and server.password not in line


def test_a_traced_app_is_untouched_by_an_index_that_cannot_be_reached_but_for_one_line(
        tmp_path: Path, stopped: tuple[PgServer, str]) -> None:
    server, url = stopped
    server.stop()
    (tmp_path / "app.py").write_text(APP)
    environ = {**os.environ, **server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": url,
               "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": str(tmp_path / "traces")}
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "app.py"], cwd=tmp_path,
                          env=environ, capture_output=True, text=True, timeout=120, check=False)
    (line,) = done.stderr.splitlines()
    assert done.returncode == 3
    assert "not indexed in" in line and "cannot reach the run index" in line
    assert len(list((tmp_path / "traces").glob("*.jsonl"))) == 1
