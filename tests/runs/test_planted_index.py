"""The run index trusts nothing it finds, in the library: a schema not exactly ours is told apart (and a file so
made is made again), a row is used only when it decodes and names files in the directory (else its run is read
again, at once, by the catalogue), a listing asked for too many values of one filter is a usage error, and the
page of `view DIR` answers a request line with no path with 400. The CLI's side (links, triggers, modes, run as
subprocesses) is in tests/badinput/test_badinput_index.py."""

from __future__ import annotations

import http.client
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from runs.generate import write_runs
from runs.indexcheck import catalogue

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.ops.browse import open_browser, query_of
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.catalogue import Catalogue
from namel3ss_debug.ops.runs.index import INDEX_NAME
from namel3ss_debug.ops.runs.listing import RunsRequest
from namel3ss_debug.ops.runs.listing import query_of as runs_query_of
from namel3ss_debug.ops.runs.query import MAX_TERMS, RunQuery
from namel3ss_debug.ops.runs.rows import Damaged, decoded, plain_name
from namel3ss_debug.ops.runs.schema import difference, statements
from namel3ss_debug.web.server import ViewServer

pytestmark = pytest.mark.usefixtures("isolated_workspace")
NOW = datetime(2026, 11, 27, tzinfo=timezone.utc)


def _made(*extra: str, searchable: bool = True) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    for statement in (*statements(searchable), *extra):
        connection.execute(statement)
    return connection


@pytest.mark.parametrize("extra, said", [
    ("CREATE TRIGGER t AFTER INSERT ON runs BEGIN SELECT 1; END", "trigger 't' is not the index's"),
    ("CREATE VIEW v AS SELECT * FROM runs", "view 'v' is not the index's"),
    ("CREATE INDEX runs_by_tokens ON runs (total_tokens)", "index 'runs_by_tokens' is not the index's"),
    ("CREATE TABLE other (x)", "table 'other' is not the index's"),
])
def test_anything_in_the_schema_that_is_not_ours_is_named(extra: str, said: str) -> None:
    assert difference(_made(extra), True) == said


def test_our_schema_and_an_empty_database_pass_and_a_missing_table_is_named() -> None:
    assert difference(_made(), True) is None and difference(sqlite3.connect(":memory:"), True) is None
    assert difference(_made(searchable=False), True) == "table 'runs_text' is missing"
    assert difference(_made(), False) == "table 'runs_text' is not the index's"


def test_a_column_more_is_not_our_schema() -> None:
    connection = _made()
    connection.execute("ALTER TABLE runs ADD COLUMN planted TEXT")
    assert difference(connection, True) == "table 'runs' is not the index's"


@pytest.mark.parametrize("name, plain", [("a.0000.jsonl", True), ("run.jsonl.gz", True), ("..", False),
                                         (".", False), ("", False), ("../etc/passwd", False),
                                         ("/etc/passwd", False), ("a\0b", False), ("sub/a.jsonl", False)])
def test_a_rows_file_is_a_plain_name_in_the_directory(name: str, plain: bool) -> None:
    assert plain_name(name) is plain


@pytest.mark.parametrize("blob, said", [(None, "over 4 MiB"), ("text", "not a blob"), (b"\xc1", "does not decode"),
                                        (b"\x93\x01\x02\x03", "does not decode")])
def test_a_blob_that_is_not_a_row_is_damaged(blob: object, said: str) -> None:
    with pytest.raises(Damaged, match=said):
        decoded(blob, "/runs/")


def test_a_damaged_row_is_read_again_by_the_catalogue_at_once_with_one_note(tmp_path: Path) -> None:
    ids = write_runs(tmp_path, 3, seed=9)
    warnings: list[str] = []
    listed = catalogue(tmp_path, warnings)
    with sqlite3.connect(tmp_path / INDEX_NAME) as connection:
        connection.execute("UPDATE runs SET row = X'c1' WHERE source = ?", (ids[0],))
    connection.close()
    warnings.clear()
    assert sorted(row.run_id for row in listed.select(RunQuery())) == sorted(ids)
    (note,) = warnings
    assert f"run {ids[0]} damaged (its row does not decode" in note and note.endswith("read again from the traces")
    assert listed.get(ids[0]) is not None and listed.select(RunQuery()) and len(warnings) == 1


@pytest.mark.parametrize("option, field", [("--tag", "tags"), ("--model", "models"), ("--status", "statuses"),
                                           ("--finding", "findings")])
def test_more_values_of_a_filter_than_the_cap_is_a_usage_error(option: str, field: str) -> None:
    values = tuple(f"value{n}" if field != "findings" else "loop" for n in range(MAX_TERMS + 1))
    with pytest.raises(UsageError, match=f"^{option} given {MAX_TERMS + 1} times: at most {MAX_TERMS} \\("):
        runs_query_of(RunsRequest(**{field: values}), now=NOW)


def test_the_page_asking_too_many_tags_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=f"tag= given {MAX_TERMS + 1} times"):
        query_of({"tag": [f"t{n}" for n in range(MAX_TERMS + 1)]})


def test_a_hundred_tags_and_every_finding_are_one_query(tmp_path: Path) -> None:
    write_runs(tmp_path, 2, seed=10)
    listed = catalogue(tmp_path, [])
    request = RunsRequest(tags=tuple(f"t{n}" for n in range(MAX_TERMS)), findings=("any:info",) * MAX_TERMS)
    assert listed.select(runs_query_of(request, now=NOW)) == []


@pytest.mark.parametrize("target", ["*", "runs.json", "http:x"])
def test_a_request_line_with_no_path_is_a_bad_request(tmp_path: Path, target: str) -> None:
    write_runs(tmp_path / "traces", 1, seed=11)
    errors: list[str] = []
    server = ViewServer(open_browser(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path)),
                        max_text=1000, on_error=errors.append)
    server.start()
    try:
        port = server.server_address[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"127.0.0.1:{port}")
        connection.endheaders()
        response = connection.getresponse()
        assert (response.status, response.read()) == (400, b"bad request: the request line names no path (/...)\n")
        assert errors == []
    finally:
        server.shutdown()
        server.server_close()


def _damaged_at(directory: Path, place: int, warnings: list[str]) -> tuple[Catalogue, list[str]]:
    """Seven runs listed, then the row of the run at `place` in the listing damaged; the catalogue and the ids
    in the listing's order."""
    write_runs(directory, 7, seed=9)
    listed = catalogue(directory, warnings)
    every = [row.run_id for row in listed.select(RunQuery())]
    with sqlite3.connect(directory / INDEX_NAME) as connection:
        connection.execute("UPDATE runs SET row = X'c1' WHERE source = ?", (every[place],))
    connection.close()
    warnings.clear()
    return listed, every


def test_a_listing_read_in_groups_gives_every_row_in_order_and_heals_a_damaged_first_group(tmp_path: Path) -> None:
    warnings: list[str] = []
    listed, every = _damaged_at(tmp_path, 1, warnings)
    groups = list(listed.groups(RunQuery(), 3))
    assert [len(group) for group in groups] == [3, 3, 1]
    assert [row.run_id for group in groups for row in group] == every  # the damaged run read again, at once
    assert len(warnings) == 1 and f"run {every[1]} damaged" in warnings[0]


def test_a_damaged_row_in_a_later_group_is_left_out_and_said_and_read_again_by_the_next_sync(tmp_path: Path) -> None:
    warnings: list[str] = []
    listed, every = _damaged_at(tmp_path, 5, warnings)
    shown = [row.run_id for group in listed.groups(RunQuery(), 3) for row in group]
    assert shown == every[:5] + every[6:]  # the rows before it were shown: it cannot be asked for again
    (note,) = warnings
    assert f"run {every[5]} damaged (its row does not decode" in note and note.endswith("read again from the traces")
    listed.refresh()
    assert [row.run_id for row in listed.select(RunQuery())] == every
