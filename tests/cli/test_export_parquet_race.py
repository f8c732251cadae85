"""`export --to parquet` by several processes at once into one folder and into one bucket (moto's S3 server on
127.0.0.1), as CI runners each export their runs at the end of their jobs: every run's rows are there exactly once
(runs, spans and events read by DuckDB), each export ends with exit 0, and the runs table's figures are `analyze
--all`'s. Some runs are exported by every process at once, each from a copy of its own (so their runs rows differ
in `files`, and so in bytes); and one interleaving is made on purpose: another export's PUT of the same run's
object between an export's PUT and its look at that object, which the look called a fault (exit 1, the export
stopped and its later runs never written)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from runs.generate import write_runs
from support.s3server import S3Server

from namel3ss_debug.cli.main import cli

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
RUNS, WRITERS, SHARED = 24, 4, 3  # SHARED of the runs are exported by every writer, from its own copy
TABLES = {"runs": "run_id", "spans": "run_id, span_id", "events": "run_id, seq"}


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("tables")
        yield started


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The generated runs in one folder, and a folder a writer: the runs dealt out between them, and a copy of the
    SHARED first runs in each."""
    base = tmp_path_factory.mktemp("runs")
    write_runs(base / "all", RUNS, seed=3)
    run_ids = sorted({path.name.split(".")[0] for path in (base / "all").iterdir()})
    writers = [base / f"writer{number}" for number in range(WRITERS)]
    for folder in writers:
        folder.mkdir()
    for number, run_id in enumerate(run_ids):
        for folder in writers if number < SHARED else [writers[number % WRITERS]]:
            for segment in (base / "all").glob(f"{run_id}.*"):
                shutil.copy(segment, folder / segment.name)
    return base / "all", writers


@pytest.fixture(scope="module")
def expected(runs: tuple[Path, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each table's rows as one export of all the runs writes them (their keys), and `analyze --all`'s overview."""
    folder = tmp_path_factory.mktemp("alone") / "tables"
    done = CliRunner().invoke(cli, ["export", str(runs[0]), "--all", "--to", "parquet", str(folder)],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    analyzed = CliRunner().invoke(cli, ["analyze", "--format", "json", "--no-cache", str(runs[0]), "--all"],
                                  catch_exceptions=False)
    return {"keys": keys(duckdb.connect(), str(folder)), "overview": json.loads(analyzed.stdout)["overview"]}


def exporting(folder: Path, out: str, extra: dict[str, str]) -> subprocess.Popen[str]:
    """`namel3ss-debug export FOLDER --all --to parquet OUT` started in a process of its own, not waited for."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    return subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "export", str(folder), "--all", "--to",
                             "parquet", out], env={**environ, **extra}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def at_once(writers: list[Path], out: str, extra: dict[str, str]) -> list[tuple[int, str]]:
    """Every writer's export started before any is waited for: their exit codes and stderr."""
    started = [exporting(folder, out, extra) for folder in writers]
    said = [process.communicate(timeout=600)[1] for process in started]
    return [(process.returncode, stderr) for process, stderr in zip(started, said)]


def keys(reading: Any, out: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows by their keys, sorted, duplicates kept (a row twice is there twice)."""
    return {table: reading.execute(f"SELECT {key} FROM read_parquet('{out}/{table}/*/*.parquet', "
                                   f"hive_partitioning = true) ORDER BY {key}").fetchall()
            for table, key in TABLES.items()}


def figures(reading: Any, out: str) -> tuple[Any, ...]:
    (found,) = reading.execute(f"SELECT count(*), sum(total_tokens), sum(llm_calls), sum(errors) FROM "
                               f"read_parquet('{out}/runs/*/*.parquet', hive_partitioning = true)").fetchall()
    return tuple(found)


def analyzes(overview: dict[str, Any]) -> tuple[Any, ...]:
    return RUNS, overview["total_tokens"], overview["llm_calls"], overview["errors"]


def bucket_reader(server: S3Server) -> Any:
    """DuckDB reading the bucket through fsspec (its own S3 reader is a download at first use; tests are offline)."""
    fsspec = pytest.importorskip("fsspec")
    pytest.importorskip("s3fs")
    reading = duckdb.connect()
    reading.register_filesystem(fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False,
                                                  endpoint_url=server.url, key="testing", secret="testing"))
    return reading


@pytest.mark.slow
def test_exports_at_once_into_one_folder_leave_every_runs_rows_once(runs, expected, tmp_path) -> None:
    out = tmp_path / "tables"
    ended = at_once(runs[1], str(out), {})
    assert [code for code, _ in ended] == [0] * WRITERS, [said for _, said in ended]
    reading = duckdb.connect()
    assert keys(reading, str(out)) == expected["keys"]
    assert figures(reading, str(out)) == analyzes(expected["overview"])


@pytest.mark.slow
def test_exports_at_once_into_one_bucket_leave_every_runs_rows_once(runs, expected, server, request) -> None:
    out = f"s3://tables/{request.node.name}"
    ended = at_once(runs[1], out + "/", server.environ())
    assert [code for code, _ in ended] == [0] * WRITERS, [said for _, said in ended]
    reading = bucket_reader(server)
    assert keys(reading, out) == expected["keys"]
    assert figures(reading, out) == analyzes(expected["overview"])


def test_a_run_put_again_by_another_export_between_a_put_and_a_look_is_no_fault(
        runs, expected, server, request, monkeypatch: pytest.MonkeyPatch) -> None:
    from namel3ss_debug.store import remote  # noqa: PLC0415 - fsspec's store, made as the export makes it

    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    store, _ = remote.filesystem("s3://tables/")  # the one the export's puts go through, in this process
    put = store.pipe_file

    def and_another_export(path: str, data: bytes, **options: Any) -> Any:
        """This put, then another export's of the same run's file: the same rows, other bytes (snappy)."""
        answer = put(path, data, **options)
        theirs = io.BytesIO()
        pq.write_table(pq.read_table(io.BytesIO(data)), theirs, compression="snappy")
        put(path, theirs.getvalue())
        return answer

    monkeypatch.setattr(store, "pipe_file", and_another_export)
    out = f"s3://tables/{request.node.name}"
    done = CliRunner().invoke(cli, ["export", str(runs[0]), "--all", "--to", "parquet", out + "/"],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    reading = bucket_reader(server)
    assert keys(reading, out) == expected["keys"]
    assert figures(reading, out) == analyzes(expected["overview"])
