"""The Parquet tables read by DuckDB, with the docs' own queries (docs/export.md), give the failure counts, token
sums and p95s that `analyze --format json` gives of the same generated runs."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from runs.generate import write_runs

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "export.md"
RUNS = 30


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    traces, tables = tmp_path_factory.mktemp("traces"), tmp_path_factory.mktemp("out") / "tables"
    write_runs(traces, RUNS, seed=3)  # a seed whose last week has failed tool calls
    done = CliRunner().invoke(cli, ["export", str(traces), "--all", "--to", "parquet", str(tables)],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return traces, tables


def docs_query(label: str) -> str:
    """The page's DuckDB block that begins `-- duckdb: LABEL`."""
    blocks = re.findall(r"```sql\n(-- duckdb: (.*?)\n.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return next(sql for sql, named in blocks if named == label)


def duck(sql: str, tables: Path, now: datetime | None = None) -> list[tuple]:
    sql = sql.replace("'tables/", f"'{tables}/")
    if now is not None:  # the week ending at a moment of the generated runs, not the test's clock
        sql = sql.replace("now()", f"TIMESTAMPTZ '{now.isoformat()}'")
    return duckdb.connect().execute(sql).fetchall()


def analyze(*args: str) -> dict:
    done = CliRunner().invoke(cli, ["analyze", "--format", "json", "--no-cache", *args], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def week_end(tables: Path) -> datetime:
    """"Now" for the week's query: after the last run, so the query's open end is the data's, and where a week
    before it falls inside no run, so `analyze --since` counts whole runs, as the query does."""
    spans = f"read_parquet('{tables}/spans/*/*.parquet', hive_partitioning = true)"
    runs = duckdb.connect().execute(f"SELECT min(start_ts), max(end_ts) FROM {spans} GROUP BY run_id").fetchall()
    end = max(last for _, last in runs) + timedelta(seconds=1)
    for first, last in sorted(runs, reverse=True):
        if first <= end - timedelta(7) <= last:
            end = last + timedelta(days=7, seconds=1)
    return end


def test_the_tools_that_failed_most_this_week_are_analyzes_counts(exported) -> None:
    traces, tables = exported
    end = week_end(tables)
    asked = duck(docs_query("tools that failed most this week"), tables, now=end)
    report = analyze(str(traces), "--all", "--since", (end - timedelta(7)).isoformat())
    expected = {tool["name"]: (tool["failures"], tool["calls"]) for tool in report["tools"] if tool["calls"]}
    assert {tool: (failures, calls) for tool, failures, calls in asked} == expected
    assert sum(failures for _, failures, _ in asked) > 0
    assert [failures for _, failures, _ in asked] == sorted((failures for _, failures, _ in asked), reverse=True)


def test_the_tokens_of_each_model_are_analyzes(exported) -> None:
    traces, tables = exported
    asked = {model: (calls, tokens_in, tokens_out)
             for model, calls, _, tokens_in, tokens_out in duck(docs_query("p95 latency per model"), tables)}
    report = analyze(str(traces), "--all")
    assert asked == {model["model"]: (model["calls"], model["input_tokens"], model["output_tokens"])
                     for model in report["llm"]["models"]}


def test_the_p95_of_each_model_is_analyzes_of_the_runs_of_that_model(exported) -> None:
    """`analyze` has no p95 per model; each generated run uses one model, so the p95 of a model's calls is
    `analyze`'s p95 of the LLM calls of that model's runs (both numpy's linear method: like with like)."""
    _, tables = exported
    runs = f"read_parquet('{tables}/runs/*/*.parquet', hive_partitioning = true)"
    asked = duck(docs_query("p95 latency per model"), tables)
    assert len(asked) == 3
    for model, calls, p95, _, _ in asked:
        files = [file for (listed,) in duckdb.connect().execute(
            f"SELECT files FROM {runs} WHERE list_contains(models, ?)", [model]).fetchall() for file in listed]
        assert all(models == [model] for (models,) in duckdb.connect().execute(
            f"SELECT models FROM {runs} WHERE list_contains(models, ?)", [model]).fetchall())
        (llm,) = [row for row in analyze(*files)["components"] if row["component"] == "llm"]
        assert (llm["latency"]["count"], llm["latency"]["p95_ms"]) == (calls, round(p95, 3)), model


def test_the_cost_of_the_agents_adds_up_to_analyzes(exported) -> None:
    traces, tables = exported
    asked = duck(docs_query("cost per agent"), tables)
    report = analyze(str(traces), "--all")
    assert sum(cost or 0 for _, cost, _, _ in asked) == pytest.approx(report["llm"]["cost_usd"], rel=1e-9)
    assert sum(unpriced for _, _, unpriced, _ in asked) == report["llm"]["unpriced_calls"]
    assert sum(tokens for _, _, _, tokens in asked) == report["overview"]["total_tokens"]
    assert {agent for agent, _, _, _ in asked} >= {"support_agent"}


def test_the_runs_table_lists_each_run_with_analyzes_figures(exported) -> None:
    traces, tables = exported
    runs = f"read_parquet('{tables}/runs/*/*.parquet', hive_partitioning = true)"
    (count, tokens, llm_calls, errors), = duckdb.connect().execute(
        f"SELECT count(*), sum(total_tokens), sum(llm_calls), sum(errors) FROM {runs}").fetchall()
    overview = analyze(str(traces), "--all")["overview"]
    assert (count, tokens, llm_calls, errors) == (RUNS, overview["total_tokens"], overview["llm_calls"],
                                                  overview["errors"])
