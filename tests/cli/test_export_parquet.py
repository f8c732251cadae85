"""`namel3ss-debug export TRACE --to parquet DIR`: the tables by day, their documented schema, appending and
replacing a run's own files only, and bad input (one line, exit code)."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error, one_llm_call

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_parquet_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")
RUN_A, RUN_B = "20261122-100000-aaaaaa", "20261123-100000-bbbbbb"


def run(*args):
    return CliRunner().invoke(cli, ["export", *args], catch_exceptions=False)


def a_run(path: Path, run_id: str = RUN_A, start: str = "2026-11-22T10:00:00+00:00") -> Path:
    trace = TraceBuilder(run_id, start=start)
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    trace.span("llm", "plan", 20, agent, model="gpt-4o", usage={"input_tokens": 10, "output_tokens": 4},
               inputs={"prompt": "the question"}, outputs={"text": "the answer"})
    trace.span("tool", "search", 5, agent, status="failed", error=error("TimeoutError", "took too long"))
    trace.end(agent, 1)
    trace.run_end()
    return trace.write(path)


def files(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


def test_each_table_is_a_file_per_run_in_the_folder_of_its_day(tmp_path) -> None:
    done = run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    assert done.exit_code == 0, done.output
    assert files(tmp_path / "tables") == [f"{table}/day=2026-11-22/{RUN_A}.parquet"
                                          for table in ("events", "runs", "spans")]
    assert done.stderr == f"run {RUN_A}: wrote 4 spans and 8 events to {tmp_path / 'tables'}\n"


def test_the_files_are_the_schema_the_package_documents(tmp_path) -> None:
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    documented = load_parquet_schema()
    for table in ("runs", "spans", "events"):
        written = pq.read_table(tmp_path / "tables" / table / "day=2026-11-22" / f"{RUN_A}.parquet")
        spec = documented["$defs"][table]
        assert [field.name for field in written.schema] == list(spec["properties"])
        for field in written.schema:
            prop = spec["properties"][field.name]
            assert (str(field.type), field.nullable) == (prop["x-parquet"], "null" in prop["type"]), field.name
        metadata = written.schema.metadata
        assert metadata[b"namel3ss.schema"].decode() == documented["x-version"]
        assert metadata[b"namel3ss.table"] == table.encode()
        of_table = {**documented, "anyOf": [{"$ref": f"#/$defs/{table}"}]}
        for row in written.to_pylist():
            jsonschema.validate(_as_json(row), of_table, format_checker=jsonschema.FormatChecker())


def _as_json(row: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, datetime.datetime) else value for key, value in row.items()}


def test_the_rows_say_what_the_run_did(tmp_path) -> None:
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    spans = {row["name"]: row for row in pq.read_table(tmp_path / "tables" / "spans").to_pylist()}
    assert (spans["plan"]["model"], spans["plan"]["total_tokens"], spans["plan"]["agent"]) == ("gpt-4o", 14,
                                                                                                 "researcher")
    assert (spans["search"]["status"], spans["search"]["error_category"]) == ("failed", "timeout")
    (row,) = pq.read_table(tmp_path / "tables" / "runs").to_pylist()
    assert (row["run_id"], row["llm_calls"], row["tool_calls"], row["total_tokens"]) == (RUN_A, 1, 1, 14)
    assert row["models"] == ["gpt-4o"] and row["started"].isoformat() == "2026-11-22T10:00:00+00:00"


def test_no_payload_reaches_the_tables(tmp_path) -> None:
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    written = b"".join(path.read_bytes() for path in (tmp_path / "tables").rglob("*.parquet"))
    text = "".join(str(row) for table in ("runs", "spans", "events")
                   for row in pq.read_table(tmp_path / "tables" / table).to_pylist())
    assert "the question" not in text and "the answer" not in text and b"the question" not in written


def test_exporting_another_run_adds_its_files_and_leaves_the_others_as_they_were(tmp_path) -> None:
    tables = tmp_path / "tables"
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables))
    before = {name: os.stat(tables / name) for name in files(tables)}
    done = run(str(a_run(tmp_path / "b.jsonl", RUN_B, "2026-11-23T08:00:00+00:00")), "--to", "parquet", str(tables))
    assert done.exit_code == 0
    assert {(stat.st_ino, stat.st_mtime_ns) for stat in before.values()} == {
        (os.stat(tables / name).st_ino, os.stat(tables / name).st_mtime_ns) for name in before}
    assert f"spans/day=2026-11-23/{RUN_B}.parquet" in files(tables)
    assert pq.read_table(tables / "runs").num_rows == 2


def test_exporting_a_run_again_writes_the_same_files(tmp_path) -> None:
    trace, tables = a_run(tmp_path / "a.jsonl"), tmp_path / "tables"
    run(str(trace), "--to", "parquet", str(tables))
    first = {name: (tables / name).read_bytes() for name in files(tables)}
    assert run(str(trace), "--to", "parquet", str(tables)).exit_code == 0
    assert {name: (tables / name).read_bytes() for name in files(tables)} == first


def test_a_run_exported_again_leaves_no_file_in_a_day_it_has_no_rows_in(tmp_path) -> None:
    tables = tmp_path / "tables"
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables))
    old_day = tables / "spans" / "day=2026-11-21"
    old_day.mkdir()
    (old_day / f"{RUN_A}.parquet").write_bytes(b"an earlier export's rows")
    (old_day / f"{RUN_B}.parquet").write_bytes(b"another run's rows")
    run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables))
    assert sorted(os.listdir(old_day)) == [f"{RUN_B}.parquet"]


def test_files_we_did_not_make_are_left_as_they_are(tmp_path) -> None:
    tables, elsewhere = tmp_path / "tables", tmp_path / "elsewhere.parquet"
    elsewhere.write_bytes(b"not ours")
    day = tables / "spans" / "day=2026-11-20"
    day.mkdir(parents=True)
    (day / f"{RUN_A}.parquet").symlink_to(elsewhere)  # of our shape, but a link: never removed nor followed
    (tables / "README.md").write_text("the team's notes")
    (day / "notes.txt").write_text("kept")
    assert run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables)).exit_code == 0
    assert (day / f"{RUN_A}.parquet").is_symlink() and elsewhere.read_bytes() == b"not ours"
    assert (tables / "README.md").read_text() == "the team's notes" and (day / "notes.txt").read_text() == "kept"


def test_a_link_at_a_day_folder_the_run_left_is_not_followed_to_remove(tmp_path) -> None:
    tables, target = tmp_path / "tables", tmp_path / "target"
    target.mkdir()
    (target / f"{RUN_A}.parquet").write_bytes(b"not ours")
    (tables / "spans").mkdir(parents=True)
    (tables / "spans" / "day=2020-01-01").symlink_to(target)
    assert run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables)).exit_code == 0
    assert (target / f"{RUN_A}.parquet").read_bytes() == b"not ours"


@pytest.mark.parametrize("where", ["spans", "spans/day=2026-11-22"])
def test_a_link_in_place_of_a_folder_of_ours_is_refused_never_followed(tmp_path, where) -> None:
    tables, target = tmp_path / "tables", tmp_path / "target"
    target.mkdir()
    (tables / where).parent.mkdir(parents=True, exist_ok=True)
    (tables / where).symlink_to(target)
    done = run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tables))
    assert done.exit_code == 2
    assert done.stderr.count("\n") <= 2 and "is a symbolic link" in done.stderr and "Traceback" not in done.stderr
    assert list(target.iterdir()) == []


def test_a_run_id_that_is_not_a_file_name_is_named_by_its_hash(tmp_path) -> None:
    tables = tmp_path / "out" / "tables"
    done = run(str(a_run(tmp_path / "a.jsonl", "../../escaped")), "--to", "parquet", str(tables))
    assert done.exit_code == 0
    names = files(tmp_path / "out")
    assert len(names) == 3 and all(name.split("/")[-1].startswith("run-") for name in names)
    assert pq.read_table(tables / "runs").to_pylist()[0]["run_id"] == "../../escaped"


def test_without_pyarrow_it_says_how_to_install_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    done = run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    assert done.exit_code == 2
    assert "needs pyarrow" in done.stderr and "namel3ss-debug[parquet]" in done.stderr
    assert not (tmp_path / "tables").exists()


def test_a_lone_trace_is_what_to_export_not_where(tmp_path) -> None:
    trace = a_run(tmp_path / "a.jsonl")
    before = trace.read_bytes()
    done = run(str(trace), "--to", "parquet")
    assert done.exit_code == 2
    assert "holds traces" in done.stderr and "--to parquet a-tables" in done.stderr
    assert trace.read_bytes() == before


def test_a_lone_folder_of_traces_is_what_to_export_not_where(tmp_path) -> None:
    (tmp_path / "traces").mkdir()
    a_run(tmp_path / "traces" / "a.jsonl")
    done = run(str(tmp_path / "traces"), "--all", "--to", "parquet")
    assert done.exit_code == 2 and "holds traces" in done.stderr
    assert os.listdir(tmp_path / "traces") == ["a.jsonl"]


def test_standard_input_is_refused_as_it_can_be_read_once(tmp_path) -> None:
    done = CliRunner().invoke(cli, ["export", "-", "--to", "parquet", str(tmp_path / "tables")],
                              input=a_run(tmp_path / "a.jsonl").read_bytes(), catch_exceptions=False)
    assert done.exit_code == 2 and "can be read only once" in done.stderr


def test_a_file_of_several_runs_is_an_invalid_trace(tmp_path) -> None:
    both = tmp_path / "both.jsonl"
    both.write_bytes(a_run(tmp_path / "a.jsonl").read_bytes() + one_llm_call(tmp_path / "b.jsonl", RUN_B).read_bytes())
    done = run(str(both), "--to", "parquet", str(tmp_path / "tables"))
    assert done.exit_code == 3 and "holds 2 runs" in done.stderr


def test_a_file_at_dir_is_one_line_exit_2(tmp_path) -> None:
    (tmp_path / "tables").write_text("a file")
    done = run(str(a_run(tmp_path / "a.jsonl")), "--to", "parquet", str(tmp_path / "tables"))
    assert done.exit_code == 2 and "is not a directory" in done.stderr and "Traceback" not in done.stderr


def test_parquet_needs_a_directory(tmp_path) -> None:
    done = run("--to", "parquet")
    assert done.exit_code == 2 and "needs a directory DIR" in done.stderr
