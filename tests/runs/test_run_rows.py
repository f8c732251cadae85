"""The run index's rows: each holds `analyze`'s figures of its run alone (1 and 100 generated runs), the filters
and sorts select what they say, a row holds no text redaction would hide, and an index that cannot be kept on
disk lives in memory with a note."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from runs.indexcheck import (
    analyzed,
    catalogue,
    environment,
    expected_operations,
    expected_row,
    operation_fields,
    row_fields,
)
from runs.generate import write_runs
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.run_row import IndexedRun, RunRow
from namel3ss_debug.analysis.window import parse_duration_ms
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest
from namel3ss_debug.ops.runs.catalogue import Catalogue
from namel3ss_debug.ops.runs import index as index_module
from namel3ss_debug.ops.runs.index import INDEX_NAME, RunIndex
from namel3ss_debug.ops.runs.query import RunFilter, RunQuery

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def assert_rows_are_analyze(listed: Catalogue) -> None:
    rows = listed.index.select(RunQuery())
    operations = listed.index.operations([row.run_id for row in rows])
    env = environment(listed.directory)
    for row in rows:
        data = analyzed(row.files, env)
        assert row_fields(row) == expected_row(data), row.run_id
        want, got = expected_operations(data), operation_fields(operations[row.run_id])
        assert {op: figures[:2] for op, figures in got.items()} == {op: figures[:2] for op, figures in want.items()}
        assert {op: figures[2] for op, figures in got.items()} == pytest.approx(
            {op: figures[2] for op, figures in want.items()}, abs=2e-3)


@pytest.fixture(scope="module")
def hundred(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    directory = tmp_path_factory.mktemp("hundred")
    write_runs(directory, 100, seed=7)
    return catalogue(directory, [])


def test_the_row_of_one_run_holds_analyze_figures(tmp_path: Path) -> None:
    write_runs(tmp_path / "one", 1, seed=1)
    listed = catalogue(tmp_path / "one", [])
    assert listed.synced.added == 1
    assert_rows_are_analyze(listed)


def test_every_row_of_100_runs_holds_analyze_figures_of_its_run(hundred: Catalogue) -> None:
    rows = hundred.index.select(RunQuery())
    assert len(rows) == 100
    kinds = {(row.status, row.lineage, bool(row.handled_errors), len(row.files) > 1) for row in rows}
    assert {("completed", None, False, False), ("completed", None, True, False), ("failed", None, False, False),
            ("unfinished", None, False, False), ("completed", None, False, True)} <= kinds
    assert any(row.lineage for row in rows) and any(row.cost_usd is None or row.unpriced_calls for row in rows)
    assert_rows_are_analyze(hundred)


def _matching(rows: list[RunRow], keep) -> list[str]:
    return sorted(row.run_id for row in rows if keep(row))


@pytest.mark.parametrize("where, keep", [
    (RunFilter(statuses=("failed", "unfinished")), lambda row: row.status in ("failed", "unfinished")),
    (RunFilter(health=("failing",)), lambda row: row.health == "failing"),
    (RunFilter(models=("gpt-4o-mini",)), lambda row: "gpt-4o-mini" in row.models),
    (RunFilter(grep="SUPPORT_BOT"), lambda row: "support_bot" in (row.entry or "")),
    (RunFilter(grep="lookup_order"), lambda row: "lookup_order" in row.tools),
    (RunFilter(min_cost=0.001), lambda row: row.cost_usd is not None and row.cost_usd >= 0.001),
    (RunFilter(findings=(("dominant_latency", None),)), lambda row: "dominant_latency" in row.findings),
    (RunFilter(findings=(("cacheable_calls", "warning"), ("prompt_growth", None))),
     lambda row: row.findings.get("cacheable_calls") in ("warning", "critical") or "prompt_growth" in row.findings),
    (RunFilter(tags=("nightly", "ci")), lambda row: {"nightly", "ci"} <= set(row.tags)),
    (RunFilter(lineage="hide"), lambda row: row.parent is None),
    (RunFilter(lineage="only"), lambda row: row.parent is not None),
    (RunFilter(since="2026-11-10", until="2026-11-20"), lambda row: "2026-11-10" <= (row.started or "") < "2026-11-20"),
])
def test_a_filter_selects_the_runs_it_says(hundred: Catalogue, where: RunFilter, keep) -> None:
    every = hundred.index.select(RunQuery())
    expected = _matching(every, keep)
    assert expected and len(expected) < len(every)  # the generated runs make each filter choose
    assert sorted(row.run_id for row in hundred.index.select(RunQuery(where))) == expected


def test_an_entry_filter_and_a_filter_of_many_conditions_hold_every_condition(hundred: Catalogue) -> None:
    every = hundred.index.select(RunQuery())
    entry = every[0].entry
    where = RunFilter(statuses=("completed",), entry=entry, lineage="hide")
    expected = _matching(every, lambda row: row.status == "completed" and row.entry == entry and not row.parent)
    assert sorted(row.run_id for row in hundred.index.select(RunQuery(where))) == expected


@pytest.mark.parametrize("sort, figure", [
    ("started", lambda row: row.started), ("duration", lambda row: row.duration_ms),
    ("cost", lambda row: row.cost_usd), ("tokens", lambda row: row.total_tokens),
    ("calls", lambda row: row.llm_calls), ("errors", lambda row: row.errors),
    ("findings", lambda row: sum(row.findings_by_severity.values())),
])
@pytest.mark.parametrize("descending", [True, False])
def test_a_sort_orders_by_its_figure_with_unknown_figures_last(hundred: Catalogue, sort, figure, descending) -> None:
    rows = hundred.index.select(RunQuery(sort=sort, descending=descending))
    known = [figure(row) for row in rows if figure(row) is not None]
    assert known == sorted(known, reverse=descending)
    assert [figure(row) for row in rows[len(known):]] == [None] * (len(rows) - len(known))


def test_a_limit_keeps_the_first_rows(hundred: Catalogue) -> None:
    every = hundred.index.select(RunQuery(sort="cost"))
    assert hundred.index.select(RunQuery(sort="cost", limit=5)) == every[:5]


def test_get_finds_a_run_by_its_id_and_nothing_for_another(hundred: Catalogue) -> None:
    row = hundred.index.select(RunQuery(limit=1))[0]
    assert hundred.index.get(row.run_id) == row
    assert hundred.index.get("no-such-run") is None


def test_a_bound_parameter_is_never_sql(hundred: Catalogue) -> None:
    assert hundred.index.select(RunQuery(RunFilter(grep="' OR 1=1 --", entry="x' OR '1'='1"))) == []
    assert len(hundred.index.select(RunQuery())) == 100


def _secret_run(path: Path) -> str:
    """A run written without redaction whose entry, tool, error type and message, question and answer hold a
    credential's shape, and whose question holds a password given under a sensitive key too, across the row's
    200th character (the text is redacted whole, then cut: no half of it is kept)."""
    secret = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
    trace = TraceBuilder("20261122-100000-5ec4e7")
    trace.run_start(f"app-{secret}.py")
    trace.span("tool", f"fetch {secret}", 5.0, trace.root, status="failed",
               error={"type": f"Denied {secret}", "message": f"key {secret} refused", "category": "auth"})
    trace.span("tool", "search", 5.0, trace.root)
    question = f"Trip to Paris? My key is {secret}.{'x' * 110} hunter2hunter2hunter2 is it."
    trace.span("llm", "plan", 5.0, trace.root, inputs={"password": "hunter2hunter2hunter2", "messages": [
        {"role": "user", "content": question}]}, outputs={"text": f"Paris! And your key\n{secret} works."})
    trace.run_end()
    trace.write(path)
    return secret


def _stored(directory: Path) -> bytes:
    """The index's bytes on disk: its file and its write-ahead log."""
    return b"".join(path.read_bytes() for path in directory.glob(INDEX_NAME + "*"))


def test_a_row_holds_no_text_redaction_would_hide(tmp_path: Path) -> None:
    secret = _secret_run(tmp_path / "secret.jsonl")
    listed = catalogue(tmp_path, [])
    (row,) = listed.index.select(RunQuery())
    assert row.entry is None and row.tools == {"search": [1, 0]} and row.error_types == []
    assert (row.errors, row.tool_calls, row.llm_calls) == (1, 2, 1)  # the figures stay; only the names go
    for text in (row.input, row.output, *row.error_messages):  # the texts stay, redacted
        assert text is not None and "[REDACTED" in text and secret[:12] not in text, text
    assert row.input.startswith("Trip to Paris?") and row.output.startswith("Paris! And your key [REDACTED")
    stored = _stored(tmp_path)
    assert secret.encode() not in stored and secret[:12].encode() not in stored and b"hunter2" not in stored
    assert listed.index.select(RunQuery(RunFilter(grep="sk-proj"))) == []
    assert [found.run_id for found in listed.index.select(RunQuery(RunFilter(grep="paris")))] == [row.run_id]


def test_grep_finds_the_same_runs_in_an_index_without_full_text_search(hundred: Catalogue, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "full_text_search", lambda: False)
    plain = RunIndex(hundred.directory, key=hundred.reading.key, path=tmp_path / INDEX_NAME)
    assert not plain.searchable
    plain.sync(hundred.reading)
    for text in ("support", "LOOKUP_ORDER", "what next after step 2", "step", "o", '"', "NEAR(a b)"):
        query = RunQuery(RunFilter(grep=text))
        assert plain.select(query) == hundred.index.select(query), text
    assert len(plain.select(RunQuery(RunFilter(grep="what next")))) > 0


def test_an_index_made_with_full_text_search_is_made_again_by_a_sqlite_without_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_runs(tmp_path, 2, seed=8)
    catalogue(tmp_path, []).index.close()
    monkeypatch.setattr(index_module, "full_text_search", lambda: False)
    warnings: list[str] = []
    again = catalogue(tmp_path, warnings)
    assert not again.index.searchable and any("another format" in warning for warning in warnings)
    assert again.synced.added == 2 and len(again.index.select(RunQuery(RunFilter(grep="what next")))) == 2


def test_an_index_that_cannot_be_written_lives_in_memory_with_a_note(tmp_path: Path) -> None:
    write_runs(tmp_path, 2, seed=3)
    listed = catalogue(tmp_path, [])
    index = RunIndex(tmp_path, key=listed.reading.key, path=tmp_path / "missing-dir" / INDEX_NAME)
    assert index.path is None and "indexed in memory" in index.notes[0]
    synced = index.sync(listed.reading)
    assert synced.added == 2 and "indexed in memory" in synced.notes[0]
    assert [row.run_id for row in index.select(RunQuery())] == [row.run_id for row in listed.index.select(RunQuery())]


def test_the_version_goes_up_when_a_row_changes_and_only_then(tmp_path: Path) -> None:
    write_runs(tmp_path, 3, seed=4)
    listed = catalogue(tmp_path, [])
    before = listed.index.version
    assert listed.refresh().version == before
    write_runs(tmp_path / "more", 1, seed=5)
    (added,) = (tmp_path / "more").iterdir()
    added.rename(tmp_path / added.name)
    assert listed.refresh().version > before


def test_rows_and_operations_survive_the_round_trip_through_sqlite(tmp_path: Path) -> None:
    write_runs(tmp_path, 2, seed=6)
    listed = catalogue(tmp_path, [])
    row = listed.index.select(RunQuery(limit=1))[0]
    fresh = listed.reading(listed.index.changes().source(tmp_path, row.run_id))
    assert isinstance(fresh, IndexedRun)
    assert msgspec.to_builtins(fresh.row) == msgspec.to_builtins(row)
    assert listed.index.operations([row.run_id])[row.run_id] == fresh.operations


@pytest.mark.parametrize("query, said", [
    (RunQuery(sort="size"), "cannot sort runs by 'size'"),
    (RunQuery(RunFilter(findings=(("cacheable_calls", "fatal"),))), "finding severity 'fatal' is not one of"),
    (RunQuery(RunFilter(lineage="some")), "lineage 'some' is not one of"),
])
def test_a_query_the_index_cannot_answer_is_a_usage_error(hundred: Catalogue, query: RunQuery, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        hundred.index.select(query)


def test_a_run_is_read_with_the_options_analyze_reads_it_with_by_default(hundred: Catalogue) -> None:
    defaults = AnalyzeRequest()
    options = hundred.reading.settings
    assert (options.slow_threshold_ms, options.block_threshold_ms, options.top) == (
        parse_duration_ms(defaults.slow_threshold, "--slow-threshold"),
        parse_duration_ms(defaults.block_threshold, "--block-threshold"), defaults.top)
