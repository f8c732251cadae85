"""Keeping the run index up to date: a run added, grown, rotated, rewritten or deleted shows at the next sync, and
only it is read again; a run that cannot be read is a note and is tried again; an index missing, corrupt, of
another format or of another key is rebuilt from the traces with a note; two processes syncing the same directory
at once lose nothing and raise nothing."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from runs.generate import finish_run, write_runs
from runs.indexcheck import analyzed, catalogue, environment, expected_row, row_fields
from support.tracefactory import many_llm_calls

from namel3ss_debug.model.errors import Namel3ssDebugError, TraceError, UsageError
from namel3ss_debug.ops.environment import ByteCount
from namel3ss_debug.config import load_settings
from namel3ss_debug.ops.runs.catalogue import Catalogue, CatalogueRequest, index_run, open_catalogue
from namel3ss_debug.ops.runs.index import INDEX_NAME, WRITE_BATCH, RunIndex
from namel3ss_debug.ops.runs.query import RunFilter, RunQuery
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def listed_ids(listed: Catalogue) -> set[str]:
    return {row.run_id for row in listed.index.select(RunQuery())}


def segments(directory: Path, run_id: str) -> list[Path]:
    return sorted(directory.glob(f"{run_id}.*.jsonl"))


def unfinished(listed: Catalogue) -> list[str]:
    return [row.run_id for row in listed.index.select(RunQuery()) if row.status == "unfinished"]


def assert_row_is_analyze(listed: Catalogue, run_id: str) -> None:
    row = listed.index.get(run_id)
    assert row is not None
    assert row_fields(row) == expected_row(analyzed(row.files, environment(listed.directory)))


@pytest.fixture
def forty(tmp_path: Path) -> Catalogue:
    write_runs(tmp_path / "runs", 40, seed=66)
    return catalogue(tmp_path / "runs", [])


def test_a_new_run_is_listed_at_the_next_sync_and_only_it_is_read(forty: Catalogue, tmp_path: Path) -> None:
    (new,) = write_runs(tmp_path / "elsewhere", 1, seed=67)
    for path in segments(tmp_path / "elsewhere", new):
        shutil.move(path, forty.directory / path.name)
    synced = forty.refresh()
    assert (synced.added, synced.updated, synced.removed, synced.unchanged) == (1, 0, 0, 40)
    assert new in listed_ids(forty)
    assert_row_is_analyze(forty, new)


def test_a_run_that_grew_is_read_again(forty: Catalogue) -> None:
    run_id = unfinished(forty)[0]
    finish_run(forty.directory, run_id)
    synced = forty.refresh()
    assert (synced.added, synced.updated, synced.unchanged) == (0, 1, 39)
    assert forty.index.get(run_id).status == "completed"  # type: ignore[union-attr]
    assert_row_is_analyze(forty, run_id)


def test_a_rotated_run_is_read_again_with_its_new_segment(forty: Catalogue) -> None:
    run_id = unfinished(forty)[0]
    before = forty.index.get(run_id)
    finish_run(forty.directory, run_id, rotate=True)
    assert forty.refresh().updated == 1
    row = forty.index.get(run_id)
    assert row is not None and before is not None
    assert len(row.files) == len(before.files) + 1 and row.status == "completed"
    assert_row_is_analyze(forty, run_id)


def test_a_rewritten_run_of_the_same_size_is_read_again(forty: Catalogue) -> None:
    row = forty.index.select(RunQuery(limit=1))[0]
    path = Path(row.files[0])
    path.write_bytes(path.read_bytes())  # the same size, written again: another mtime
    assert forty.refresh().updated == 1


def test_a_deleted_run_is_gone_at_the_next_sync(forty: Catalogue) -> None:
    row = forty.index.select(RunQuery(limit=1))[0]
    for file in row.files:
        Path(file).unlink()
    synced = forty.refresh()
    assert (synced.removed, synced.unchanged) == (1, 39)
    assert row.run_id not in listed_ids(forty) and forty.index.get(row.run_id) is None
    assert forty.index.operations([row.run_id]) == {}


def test_the_full_text_table_holds_each_listed_run_once_as_runs_are_rewritten_and_deleted(forty: Catalogue) -> None:
    first, second = forty.index.select(RunQuery(limit=2))
    Path(first.files[0]).write_bytes(Path(first.files[0]).read_bytes())  # read again: its row written anew
    for file in second.files:
        Path(file).unlink()
    forty.refresh()
    with sqlite3.connect(forty.directory / INDEX_NAME) as connection:
        ids = connection.execute("SELECT runs_text.rowid, runs.run_id FROM runs_text LEFT JOIN runs"
                                 " ON runs.rowid = runs_text.rowid").fetchall()
    assert sorted(run_id for _, run_id in ids) == sorted(listed_ids(forty)) and len(ids) == 39
    assert [row.run_id for row in forty.index.select(RunQuery(RunFilter(grep=first.run_id)))] == [first.run_id]


def test_a_sync_with_nothing_changed_reads_nothing(forty: Catalogue) -> None:
    synced = forty.refresh()
    assert (synced.added, synced.updated, synced.removed, synced.failed, synced.unchanged) == (0, 0, 0, 0, 40)


def test_a_run_that_cannot_be_read_is_a_note_and_is_tried_again(forty: Catalogue) -> None:
    bad = forty.directory / "broken.jsonl"
    bad.write_text("this is not a trace\n")
    first = forty.refresh()
    assert first.failed == 1 and "cannot read run broken.jsonl" in first.notes[0]
    assert len(listed_ids(forty)) == 40
    again = forty.refresh()
    assert again.failed == 1 and again.notes == []  # tried again, said once while it stays as it was
    assert again.version == first.version  # no row changed
    bad.write_text("still not a trace\n")
    assert "cannot read run broken.jsonl" in forty.refresh().notes[0]  # changed: said again
    bad.unlink()
    assert forty.refresh().failed == 0


def test_many_runs_that_cannot_be_read_are_said_in_a_few_lines(forty: Catalogue) -> None:
    for number in range(12):
        (forty.directory / f"junk-{number}.jsonl").write_text("junk\n")
    synced = forty.refresh()
    assert synced.failed == 12 and len(synced.notes) == 6
    assert synced.notes[-1] == f"... and 7 more runs in {forty.directory} could not be read"


def test_a_run_with_an_invalid_line_is_listed_with_its_problem_and_left_out_when_strict(forty: Catalogue) -> None:
    row = forty.index.select(RunQuery(limit=1))[0]
    with open(row.files[-1], "ab") as file:
        file.write(b"{not json}\n")
    forty.refresh()
    assert forty.index.get(row.run_id).problems == 1  # type: ignore[union-attr]
    assert_row_is_analyze(forty, row.run_id)
    warnings: list[str] = []
    strict = open_catalogue(CatalogueRequest(str(forty.directory), strict=True), environment(forty.directory, warnings))
    assert row.run_id not in listed_ids(strict) and strict.index.get(row.run_id) is None
    assert len(listed_ids(strict)) == 39
    assert warnings == [f"1 run(s) left out (only whole runs are listed): their lines are torn, invalid or out of "
                        f"sequence: {row.run_id} (`analyze RUN` says which)"]


def test_runs_written_in_batches_are_all_listed_whatever_fails_among_them(tmp_path: Path) -> None:
    """More runs than one transaction writes (`WRITE_BATCH`), with runs that cannot be read among them."""
    ids = write_runs(tmp_path / "runs", WRITE_BATCH * 2 + 3, seed=68)
    for number in range(3):
        (tmp_path / "runs" / f"junk-{number}.jsonl").write_text("junk\n")
    listed = catalogue(tmp_path / "runs", [])
    assert listed_ids(listed) == set(ids)
    assert (listed.synced.added, listed.synced.failed) == (len(ids), 3)
    assert_row_is_analyze(listed, ids[WRITE_BATCH + 1])


def test_runs_read_in_worker_processes_are_the_rows_one_process_writes(forty: Catalogue) -> None:
    directory = forty.directory
    serial = forty.index.select(RunQuery())
    forty.index.close()
    (directory / INDEX_NAME).unlink()
    parallel = open_catalogue(CatalogueRequest(str(directory), jobs=2), environment(directory, []))
    assert parallel.synced.added == 40 and parallel.reading.jobs == 2
    assert parallel.index.select(RunQuery()) == serial


def test_a_missing_index_is_built_with_a_note(forty: Catalogue) -> None:
    forty.index.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{forty.directory / INDEX_NAME}{suffix}").unlink(missing_ok=True)
    warnings: list[str] = []
    again = catalogue(forty.directory, warnings)
    assert again.synced.added == 40
    assert any("not found: built from the traces" in warning for warning in warnings)


def test_a_corrupt_index_is_rebuilt_with_a_note(forty: Catalogue) -> None:
    forty.index.close()
    index = forty.directory / INDEX_NAME
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    index.write_bytes(b"not a database, though it has the name of one " * 100)
    warnings: list[str] = []
    again = catalogue(forty.directory, warnings)
    assert warnings == [f"run index {index} was corrupt (file is not a database): rebuilt from the traces"]
    assert again.synced.added == 40 and len(listed_ids(again)) == 40


def _reopened(catalogue: Catalogue) -> RunIndex:
    """The catalogue's index closed (its WAL files gone) and opened again: one connection, to damage under."""
    index = catalogue.directory / INDEX_NAME
    catalogue.index.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    return RunIndex(catalogue.directory, key=catalogue.reading.key)


def test_an_index_damaged_while_open_is_rebuilt_at_the_next_sync(forty: Catalogue) -> None:
    index = forty.directory / INDEX_NAME
    reopened = _reopened(forty)
    index.write_bytes(b"\0" * 8192)  # damaged under an open connection
    synced = reopened.sync(forty.reading)
    assert any("corrupt" in note for note in synced.notes) and synced.added == 40


def test_an_index_damaged_under_a_listing_fails_it_once_and_is_rebuilt(forty: Catalogue) -> None:
    index = forty.directory / INDEX_NAME
    reopened = _reopened(forty)
    index.write_bytes(b"\0" * 8192)
    with pytest.raises(TraceError, match="was corrupt .*: it is rebuilt from the traces"):
        reopened.select(RunQuery())
    assert reopened.sync(forty.reading).added == 40 and len(reopened.select(RunQuery())) == 40


@pytest.mark.parametrize("change, said", [
    ("UPDATE meta SET value = 1 WHERE name = 'format'; ALTER TABLE runs DROP COLUMN problems", "another format"),
    ("UPDATE meta SET value = 'another' WHERE name = 'key'", "another version, prices"),
])
def test_an_index_of_another_format_or_key_is_rebuilt_with_a_note(forty: Catalogue, change: str, said: str) -> None:
    forty.index.close()
    with sqlite3.connect(forty.directory / INDEX_NAME) as connection:
        connection.executescript(change)
    warnings: list[str] = []
    again = catalogue(forty.directory, warnings)
    assert any(said in warning and "rebuilt from the traces" in warning for warning in warnings)
    assert again.synced.added == 40


def test_diagnose_thresholds_are_part_of_the_key(forty: Catalogue) -> None:
    warnings: list[str] = []
    env = environment(forty.directory, warnings)
    tuned = replace(env, environ={**env.environ, "NAMEL3SS_DEBUG_DIAGNOSE_TOOL_FAILURES": "7"})
    again = open_catalogue(CatalogueRequest(str(forty.directory)), tuned)
    assert again.reading.key != forty.reading.key and again.synced.added == 40
    assert any("rebuilt from the traces" in warning for warning in warnings)


def test_an_index_that_cannot_be_written_to_is_one_error(forty: Catalogue, tmp_path: Path) -> None:
    (new,) = write_runs(tmp_path / "elsewhere", 1, seed=70)
    for path in segments(tmp_path / "elsewhere", new):
        shutil.move(path, forty.directory / path.name)
    forty.index._connection.execute("PRAGMA query_only = ON")  # as a full disk or a read-only file refuses
    with pytest.raises(Namel3ssDebugError, match="cannot write the run index .*: attempt to write a readonly"):
        forty.refresh()


class Bar(ByteCount):
    """The environment's progress, as the CLI's bar is made: for the runs about to be read, entered once."""

    def __init__(self, sources: Sequence[RunSource]) -> None:
        super().__init__()
        self.sources, self.entered = list(sources), 0
        bars.append(self)

    def __enter__(self) -> Bar:
        self.entered += 1
        return self


bars: list[Bar] = []


def test_one_bar_counts_the_bytes_of_the_runs_a_sync_reads(forty: Catalogue, tmp_path: Path) -> None:
    new = write_runs(tmp_path / "elsewhere", 3, seed=71)
    for run_id in new:
        for path in segments(tmp_path / "elsewhere", run_id):
            shutil.move(path, forty.directory / path.name)
    bars.clear()
    forty.env = replace(forty.env, progress=Bar)
    forty.refresh()
    (bar,) = bars
    assert sorted(source.run_id or "" for source in bar.sources) == sorted(new) and bar.entered == 1
    assert bar.done == sum(Path(file).stat().st_size for source in bar.sources for file in source.files)


@pytest.mark.parametrize("cache, sidecar", [(False, False), (True, True)])
def test_the_cache_option_says_whether_reading_a_run_writes_its_offset_sidecar(tmp_path: Path, cache: bool,
                                                                              sidecar: bool) -> None:
    trace = many_llm_calls(2000).write(tmp_path / "big.jsonl")  # past the 1 MiB a sidecar is written for
    listed = open_catalogue(CatalogueRequest(str(tmp_path), cache=cache), environment(tmp_path, []))
    assert listed.synced.added == 1
    assert Path(f"{trace}.idx").exists() == sidecar
    assert (tmp_path / INDEX_NAME).exists()  # the index itself is kept either way: it is the listing


def test_a_directory_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no directory"):
        catalogue(tmp_path / "nowhere", [])


def _sync_in_a_process(directory: str, rounds: int) -> list[str]:
    """Open and sync `rounds` times (a new run written between rounds by the other side); the notes."""
    notes = []
    for _ in range(rounds):
        listed = catalogue(Path(directory), notes)
        listed.index.close()
    return notes


def test_two_processes_syncing_at_once_lose_nothing_and_raise_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    ids = write_runs(directory, 60, seed=68)
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = [pool.apply_async(_sync_in_a_process, (str(directory), 2)) for _ in range(2)]
        more = write_runs(tmp_path / "later", 20, seed=69)
        for run_id in more:
            for path in segments(tmp_path / "later", run_id):
                shutil.move(path, directory / path.name)
        notes = [result.get(timeout=600) for result in results]
    assert not [note for side in notes for note in side if "not found" not in note]
    listed = catalogue(directory, [])
    assert listed.synced.failed == 0
    assert listed_ids(listed) == set(ids) | set(more)
    fresh = RunIndex(directory, key=listed.reading.key, path=tmp_path / "fresh.sqlite")
    fresh.sync(listed.reading)
    assert [row_fields(row) for row in listed.index.select(RunQuery())] == \
        [row_fields(row) for row in fresh.select(RunQuery())]


def test_index_run_puts_one_run_in_the_sqlite_index_beside_the_traces(tmp_path: Path) -> None:
    run_ids = write_runs(tmp_path / "runs", 3, seed=68)
    env = environment(tmp_path / "runs")
    result = index_run(tmp_path / "runs", run_ids[1], load_settings(env.environ, tmp_path), env)
    assert result.added == 1
    with sqlite3.connect(tmp_path / "runs" / INDEX_NAME) as connection:  # the other two are not read
        assert connection.execute("SELECT run_id FROM runs").fetchall() == [(run_ids[1],)]
