"""`export --to parquet s3://bucket/prefix/` against moto's S3 server on 127.0.0.1: the same objects, byte for byte,
as the files of a local DIR; DuckDB's answers from the bucket are those from the folder; appending leaves other runs'
objects as they were, exporting a run again replaces its own and removes it from days it left; objects not ours
stay; a store that cannot be used is one line and its exit code.

DuckDB reads the bucket through fsspec (`register_filesystem`): its own S3 reader, the httpfs extension, is a
download at first use, and these tests run offline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from runs.generate import write_runs
from support.s3server import S3Server
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("s3fs")
duckdb = pytest.importorskip("duckdb")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"
RUNS = 12
RUN_A, RUN_B = "20261122-100000-aaaaaa", "20261123-100000-bbbbbb"


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("tables")
        yield started


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generated runs over several days, and their tables in a local folder."""
    traces, tables = tmp_path_factory.mktemp("traces"), tmp_path_factory.mktemp("out") / "tables"
    write_runs(traces, RUNS, seed=3)
    done = CliRunner().invoke(cli, ["export", str(traces), "--all", "--to", "parquet", str(tables)],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return traces, tables


@pytest.fixture(scope="module")
def in_bucket(server: S3Server, generated: tuple[Path, Path]) -> str:
    """The generated runs' tables under `s3://tables/asked/`."""
    assert export(server, str(generated[0]), "--all", "--to", "parquet", "s3://tables/asked/")[0] == 0
    return "s3://tables/asked/"


def store(server: S3Server) -> object:
    return fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False, endpoint_url=server.url,
                             key="testing", secret="testing")


def export(server: S3Server, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["export", *args], env=server.environ(), catch_exceptions=False)
    return done.exit_code, done.stderr


def objects(server: S3Server, prefix: str) -> dict[str, bytes]:
    """Every object under `tables/PREFIX/`, by its key below it."""
    fs = store(server)
    return {key.removeprefix(f"tables/{prefix}/"): fs.cat_file(key) for key in fs.find(f"tables/{prefix}/")}


def a_run(path: Path, run_id: str = RUN_A, start: str = "2026-11-22T10:00:00+00:00") -> Path:
    trace = TraceBuilder(run_id, start=start)
    trace.run_start()
    trace.span("tool", "search", 5)
    trace.run_end()
    return trace.write(path)


def test_the_bucket_holds_the_local_folder_s_files_byte_for_byte(server, generated) -> None:
    traces, tables = generated
    code, said = export(server, str(traces), "--all", "--to", "parquet", "s3://tables/same/")
    assert code == 0, said
    local = {str(path.relative_to(tables)): path.read_bytes() for path in tables.rglob("*.parquet")}
    assert len(local) >= 3 * RUNS  # a file a table a run, and another for a run that crosses midnight
    assert objects(server, "same") == local
    assert said.count("s3://tables/same/") == RUNS


def docs_queries() -> list[str]:
    return [sql for sql, _ in re.findall(r"```sql\n(-- duckdb: (.*?)\n.*?)```", DOCS.read_text("utf-8"), re.S)]


@pytest.mark.parametrize("sql", docs_queries(), ids=lambda sql: sql.splitlines()[0].removeprefix("-- duckdb: "))
def test_duckdb_answers_from_the_bucket_what_it_answers_from_the_folder(server, generated, in_bucket, sql) -> None:
    _, tables = generated
    spans = f"read_parquet('{tables}/spans/*/*.parquet')"
    (last,), = duckdb.connect().execute(f"SELECT max(end_ts) FROM {spans}").fetchall()
    sql = sql.replace("now()", f"TIMESTAMPTZ '{last.isoformat()}'")  # the generated runs' last week, not the clock's
    local = duckdb.connect().execute(sql.replace("'tables/", f"'{tables}/")).fetchall()
    reading = duckdb.connect()
    reading.register_filesystem(store(server))
    asked = reading.execute(sql.replace("'tables/", f"'{in_bucket}")).fetchall()
    # the same files, read in another order: a sum of floats may differ in its last bit
    assert [tuple(row) for row in asked] == [tuple(map(close, row)) for row in local] and local


def close(value: object) -> object:
    return pytest.approx(value, rel=1e-12) if isinstance(value, float) else value


def test_another_run_adds_its_objects_and_puts_none_of_the_others_again(server, tmp_path) -> None:
    fs = store(server)
    fs.mkdir("kept")
    fs.make_bucket_versioned("kept")  # each put of an object is a version of its own
    assert export(server, str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", "s3://kept/t/")[0] == 0
    versions = {key: fs.info(key)["VersionId"] for key in fs.find("kept/t/")}
    code, _ = export(server, str(a_run(tmp_path / "b.jsonl", RUN_B, "2026-11-23T08:00:00+00:00")), "--to",
                     "parquet", "s3://kept/t/")
    assert code == 0
    assert {key: fs.info(key)["VersionId"] for key in versions} == versions
    assert sorted(fs.find("kept/t/")) == sorted([*versions, *(f"kept/t/{table}/day=2026-11-23/{RUN_B}.parquet"
                                                                for table in ("runs", "spans", "events"))])


def test_a_run_exported_again_replaces_its_objects_and_leaves_the_days_it_left(server, tmp_path) -> None:
    fs = store(server)
    trace = a_run(tmp_path / "a.jsonl")
    assert export(server, str(trace), "--to", "parquet", "s3://tables/again/")[0] == 0
    first = objects(server, "again")
    fs.pipe_file(f"tables/again/spans/day=2026-11-21/{RUN_A}.parquet", b"an earlier export's rows")
    fs.pipe_file(f"tables/again/spans/day=2026-11-21/{RUN_B}.parquet", b"another run's rows")
    assert export(server, str(trace), "--to", "parquet", "s3://tables/again/")[0] == 0
    now = objects(server, "again")
    assert now == {**first, f"spans/day=2026-11-21/{RUN_B}.parquet": b"another run's rows"}


def test_objects_not_ours_are_left_as_they_are(server, tmp_path) -> None:
    fs = store(server)
    theirs = {"tables/notes.txt": b"outside the prefix", "tables/mine/README.md": b"the team's notes",
              f"tables/mine/other/day=2026-11-20/{RUN_A}.parquet": b"not one of our tables",
              f"tables/mine/spans/day=2026-11-20/deeper/{RUN_A}.parquet": b"not our shape",
              f"tables/mine/spans/2026-11-20/{RUN_A}.parquet": b"not a day folder",
              f"tables/mine/spans/day=2026-11-20/{RUN_A}.parquet.tmp": b"not a parquet name"}
    for key, data in theirs.items():
        fs.pipe_file(key, data)
    assert export(server, str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", "s3://tables/mine/")[0] == 0
    assert {key: fs.cat_file(key) for key in theirs} == theirs


def test_a_lone_folder_of_traces_in_a_bucket_is_what_to_export_not_where(server, tmp_path) -> None:
    fs = store(server)
    fs.put_file(str(a_run(tmp_path / "a.jsonl")), "tables/traces/a.jsonl")
    code, said = export(server, "s3://tables/traces/", "--to", "parquet")
    assert code == 2 and "holds traces" in said
    assert fs.find("tables/traces/") == ["tables/traces/a.jsonl"]


def test_no_such_bucket_is_one_line_exit_2(server, tmp_path) -> None:
    code, said = export(server, str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", "s3://no-such-bucket/t/")
    assert code == 2 and said.startswith("namel3ss-debug: error: no such bucket: s3://no-such-bucket/t/")
    assert said.count("\n") == 1


def test_a_stopped_store_is_one_line_exit_1(tmp_path) -> None:
    with S3Server() as stopping:
        stopping.make_bucket("tables")
    code, said = export(stopping, str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", "s3://tables/t/")
    assert code == 1 and said.count("\n") == 1
    assert said.startswith("namel3ss-debug: error: s3://tables/t/") and "the store does not answer" in said


def test_access_denied_is_one_line_exit_1(tmp_path) -> None:
    with S3Server({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as guarded:  # moto checks every request's keys
        code, said = export(guarded, str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", "s3://tables/t/")
    assert code == 1 and said.count("\n") == 1
    assert "access denied" in said and "check the credentials" in said
