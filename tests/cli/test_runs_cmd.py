"""`namel3ss-debug runs [DIR]`: 60 generated runs listed with `analyze`'s figures of each run, each filter choosing
exactly the runs analyze's figures say, sorts, json/jsonl, reruns and forks marked or hidden, the trend's figures
computed again by hand from analyze and the traces, and every kind of bad input in one line."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from support.pgserver import PgServer
from support.privileges import unprivileged
from runs.generate import write_runs
from runs.indexcheck import analyzed, environment, expected_row
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_runs_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")
SEVERITIES = ("info", "warning", "critical")


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["runs", *args], catch_exceptions=False,
                              env={"COLUMNS": "240", "NO_COLOR": "1", **(env or {})})


def document(result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [error.message for error in Draft202012Validator(load_runs_schema()).iter_errors(data)] == []
    return data


@pytest.fixture(scope="module")
def sixty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """60 generated runs (failed, handled, unfinished, unpriced, two reruns and a fork among them) and each run's
    row as `analyze RUN --format json` says it."""
    directory = tmp_path_factory.mktemp("runs")
    run_ids = write_runs(directory, 60, seed=3)
    env = environment(directory)
    expected = {}
    for run_id in run_ids:
        files = sorted(str(path) for path in directory.glob(f"{run_id}.*.jsonl"))
        expected[run_id] = expected_row(analyzed(files, env))
    return directory, expected


def listed(directory: Path, *args: str) -> list[dict[str, Any]]:
    return document(invoke(str(directory), "--format", "json", *args))["runs"]


def worst_at_least(row: dict[str, Any], kind: str, least: str) -> bool:
    found = row["findings"].get(kind)
    return found is not None and SEVERITIES.index(found) >= SEVERITIES.index(least)


# -- the list ----------------------------------------------------------------------------------------------------


def test_every_row_is_analyze_of_its_run_alone_newest_first(sixty) -> None:
    directory, expected = sixty
    rows = listed(directory)
    assert [row["run_id"] for row in rows] == sorted(expected, key=lambda run: expected[run]["started"],
                                                     reverse=True)
    for row in rows:
        want = expected[row["run_id"]]
        assert {key: value for key, value in row.items() if key != "files"} == \
            {key: value for key, value in want.items() if key != "files"}
        assert [Path(file).name for file in row["files"]] == [Path(file).name for file in want["files"]]


FILTERS: list[tuple[list[str], Callable[[dict[str, Any]], bool]]] = [
    (["--status", "failed"], lambda row: row["status"] == "failed"),
    (["--status", "failed", "--status", "unfinished"], lambda row: row["status"] in ("failed", "unfinished")),
    (["--health", "degraded"], lambda row: row["health"] == "degraded"),
    (["--model", "gpt-4o"], lambda row: "gpt-4o" in row["models"]),
    (["--grep", "LOOKUP_order"], lambda row: "lookup_order" in row["tools"]),
    (["--min-cost", "0.005"], lambda row: row["cost_usd"] is not None and row["cost_usd"] >= 0.005),
    (["--finding", "swallowed_error"], lambda row: worst_at_least(row, "swallowed_error", "warning")),
    (["--finding", "cacheable_calls:warning"], lambda row: worst_at_least(row, "cacheable_calls", "warning")),
    (["--finding", "cacheable_calls:info"], lambda row: "cacheable_calls" in row["findings"]),
    (["--finding", "any:warning"], lambda row: any(SEVERITIES.index(s) >= 1 for s in row["findings"].values())),
    (["--tag", "nightly"], lambda row: "nightly" in row["tags"]),
    (["--entry", "script support_bot.py"], lambda row: row["entry"] == "script support_bot.py"),
    (["--since", "2026-11-15"], lambda row: row["started"] >= "2026-11-15"),
    (["--until", "2026-11-15T00:00:00+01:00"], lambda row: row["started"] < "2026-11-14T23:00"),
    (["--reruns", "only"], lambda row: row["parent"] is not None),
    (["--reruns", "hide"], lambda row: row["parent"] is None),
]


@pytest.mark.parametrize("args, keep", FILTERS, ids=[" ".join(args) for args, _ in FILTERS])
def test_a_filter_lists_exactly_the_runs_analyze_says_match(sixty, args: list[str], keep) -> None:
    directory, expected = sixty
    want = {run_id for run_id, row in expected.items() if keep(row)}
    assert want and len(want) < len(expected), "the generated runs make the filter choose"
    assert {row["run_id"] for row in listed(directory, *args)} == want


def test_filters_together_hold_every_condition(sixty) -> None:
    directory, expected = sixty
    want = {run_id for run_id, row in expected.items()
            if row["entry"] == "script triage_agent.py" and row["health"] != "healthy" and row["parent"] is None}
    got = listed(directory, "--entry", "script triage_agent.py", "--health", "degraded", "--health", "failing",
                 "--reruns", "hide")
    assert want and {row["run_id"] for row in got} == want


def test_a_sort_orders_by_its_figure_unknown_costs_last_and_reverse_turns_it(sixty) -> None:
    directory, _ = sixty
    costs = [row["cost_usd"] for row in listed(directory, "--sort", "cost")]
    known = [cost for cost in costs if cost is not None]
    assert known == sorted(known, reverse=True) and costs == known + [None] * (len(costs) - len(known))
    assert len(known) < len(costs), "some generated runs have an unknown cost"
    ascending = [row["cost_usd"] for row in listed(directory, "--sort", "cost", "--reverse")]
    assert ascending[:len(known)] == sorted(known)
    tokens = [row["total_tokens"] for row in listed(directory, "--sort", "tokens", "--reverse")]
    assert tokens == sorted(tokens)


def test_a_limit_keeps_the_first_runs_and_says_more_match(sixty) -> None:
    directory, _ = sixty
    data = document(invoke(str(directory), "--format", "json", "--sort", "duration", "--limit", "5"))
    every = listed(directory, "--sort", "duration")
    assert [row["run_id"] for row in data["runs"]] == [row["run_id"] for row in every[:5]] and data["more"] is True
    assert document(invoke(str(directory), "--format", "json", "--limit", "60"))["more"] is False
    table = invoke(str(directory), "--limit", "5")
    assert "5 runs of" in table.output and "more match" in table.output


def test_jsonl_is_one_run_a_line_as_in_the_document(sixty) -> None:
    directory, _ = sixty
    result = invoke(str(directory), "--format", "jsonl", "--status", "failed")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines] == listed(directory, "--status", "failed") and lines


def test_the_table_marks_reruns_and_forks_under_their_id_and_hides_them(sixty) -> None:
    directory, expected = sixty
    shown = invoke(str(directory)).output
    children = {run_id: row for run_id, row in expected.items() if row["parent"] is not None}
    assert {row["lineage"] for row in children.values()} == {"rerun", "fork"}
    for run_id, row in children.items():
        assert re.search(rf"{run_id}\s.*\n↳ {row['lineage']} of {row['parent']}", shown)
    hidden = invoke(str(directory), "--reruns", "hide").output
    assert "↳" not in hidden and not any(run_id in hidden for run_id in children)
    assert f"{len(expected) - len(children)} runs of" in hidden


def test_the_table_shows_each_run_with_its_figures_and_unknown_cost_as_unknown(sixty) -> None:
    directory, expected = sixty
    lines = invoke(str(directory)).output.splitlines()
    unpriced = next(run_id for run_id, row in expected.items() if row["cost_usd"] is None and row["unpriced_calls"])
    failed = next(run_id for run_id, row in expected.items() if row["status"] == "failed")
    line = next(line for line in lines if line.startswith(unpriced))
    assert "unknown" in line and "$0.00 " not in line
    assert re.search(r"failed \(exit 1\).*failing", next(line for line in lines if line.startswith(failed)))
    assert "\x1b[" not in "\n".join(lines)  # NO_COLOR, and no terminal


def test_no_run_matching_is_a_line_and_exit_0(sixty) -> None:
    directory, _ = sixty
    result = invoke(str(directory), "--status", "no-such-status")
    assert result.exit_code == 0 and "no runs in" in result.output and "match" in result.output
    assert document(invoke(str(directory), "--format", "json", "--grep", "nothing-has-this"))["runs"] == []


def test_the_first_listing_builds_the_index_and_says_so_in_the_notes(tmp_path: Path) -> None:
    write_runs(tmp_path / "traces", 3, seed=2)
    first = document(invoke(str(tmp_path / "traces"), "--format", "json"))
    assert len(first["runs"]) == 3 and any("built from the traces" in note for note in first["notes"])
    again = document(invoke(str(tmp_path / "traces"), "--format", "json"))
    assert again["notes"] == [] and again["runs"] == first["runs"]


def test_without_dir_the_runs_of_trace_output_dir(tmp_path: Path) -> None:
    write_runs(tmp_path / "debug" / "traces", 2, seed=2)
    assert len(document(invoke("--format", "json"))["runs"]) == 2


# -- the trend ---------------------------------------------------------------------------------------------------


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def _spans(directory: Path, event_type: str, name: str) -> list[float]:
    """Every `event_type` end's duration named `name`, read straight from the trace files."""
    found = []
    for path in directory.glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            event = orjson.loads(line)
            if event["event_type"] == event_type and event["name"] == name and event.get("duration_ms") is not None:
                found.append(event["duration_ms"])
    return found


def test_the_trend_figures_are_those_of_analyze_and_the_traces_added_up(sixty) -> None:
    directory, expected = sixty
    trend = document(invoke(str(directory), "--format", "json", "--trend"))["trend"]
    rows = list(expected.values())
    assert trend["runs"] == 60
    assert trend["errors"] == {"runs": 60, "with_errors": sum(row["errors"] > 0 for row in rows),
                               "with_unhandled": sum(row["unhandled_errors"] > 0 for row in rows),
                               "rate": round(sum(row["errors"] > 0 for row in rows) / 60, 6),
                               "unhandled_rate": round(sum(row["unhandled_errors"] > 0 for row in rows) / 60, 6)}
    search = _spans(directory, "tool_call_end", "search_docs")
    (op,) = [op for op in trend["operations"] if op["operation"] == "tool:search_docs"]
    assert op["spans"] == len(search)
    assert op["p50_ms"] == pytest.approx(_percentile(search, 50), abs=1e-3)
    assert op["p95_ms"] == pytest.approx(_percentile(search, 95), abs=1e-3)
    calls = sum(row["tools"].get("lookup_order", [0, 0])[0] for row in rows)
    failures = sum(row["tools"].get("lookup_order", [0, 0])[1] for row in rows)
    assert trend["tools"][0]["tool"] == "lookup_order" and failures
    assert (trend["tools"][0]["calls"], trend["tools"][0]["failures"]) == (calls, failures)


def test_a_day_of_unknown_cost_says_so_and_is_never_0(sixty) -> None:
    directory, expected = sixty
    days = {day["day"]: day for day in document(invoke(str(directory), "--format", "json", "--trend"))["trend"]["days"]}
    for day, figures in days.items():
        rows = [row for row in expected.values() if row["started"][:10] == day]
        costs = [row["cost_usd"] for row in rows if row["cost_usd"] is not None]
        assert figures["runs"] == len(rows) and figures["total_tokens"] == sum(row["total_tokens"] for row in rows)
        assert figures["unpriced_runs"] == sum(row["unpriced_calls"] > 0 for row in rows)
        assert figures["cost_usd"] == (pytest.approx(sum(costs)) if costs else None)
    unknown = [day for day, figures in days.items() if figures["cost_usd"] is None]
    assert unknown, "one generated day has only unpriced runs"
    text = invoke(str(directory), "--trend").output
    assert re.search(rf"{unknown[0]}\s+\d+\s+unknown \(\d runs? unpriced\)", text)


def test_the_regressions_are_runs_worse_than_the_last_run_before_of_their_entry_that_did_not_crash(sixty) -> None:
    directory, expected = sixty
    health = ("healthy", "degraded", "failing")
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(expected.values(), key=lambda row: row["started"]):
        by_entry.setdefault(row["entry"], []).append(row)
    want = {}
    for runs in by_entry.values():
        good = [row for row in runs if (row["status"] not in ("failed", "unfinished") or row["gave_up"])
                and row["exit_code"] in (0, None)]  # a run that gave up ended by itself: a baseline
        for after in runs:
            before = next((row for row in reversed(good) if row["started"] < after["started"]), None)
            if before is None:
                continue
            reasons = set()
            if after["total_tokens"] > before["total_tokens"] * 1.10:
                reasons.add("tokens")
            if health.index(after["health"]) > health.index(before["health"]):
                reasons.add("health")
            if any(worst_at_least(after, kind, severity) and not worst_at_least(before, kind, severity)
                   for kind, severity in after["findings"].items() if severity != "info"):
                reasons.add("findings")
            if reasons:
                want[after["run_id"]] = (before["run_id"], reasons)
    trend = document(invoke(str(directory), "--format", "json", "--trend", "--regression", "tokens>+10%"))["trend"]
    got = {item["run_id"]: (item["previous"], {reason["metric"] for reason in item["reasons"]})
           for item in trend["regressions"]}
    assert want and got == want and trend["rules"] == ["tokens>+10%"]
    text = invoke(str(directory), "--trend", "--regression", "tokens>+10%").output
    first = trend["regressions"][0]
    assert re.search(rf"{first['run_id']}\s+{first['previous']}", text)


def test_the_trend_is_over_the_runs_chosen(sixty) -> None:
    directory, expected = sixty
    trend = document(invoke(str(directory), "--format", "json", "--trend", "--status", "failed"))["trend"]
    assert trend["runs"] == sum(row["status"] == "failed" for row in expected.values())
    assert trend["errors"]["with_unhandled"] == trend["runs"]


# -- text from a trace, bad input ----------------------------------------------------------------------------------


def _hostile_run(path: Path) -> Path:
    trace = TraceBuilder(run_id="20261122-100000-aaaaaa")
    trace.run_start(tags=["[bold red]tag[/]"])
    trace.span("tool", "[bold red]boom\x1b[2J", 5, status="failed", error=error("Oops", "bad"))
    trace.span("llm", "chat", 40, model="gpt-4o",
               usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    trace.run_end("failed", exit_code=1)
    return trace.write(path)


def test_text_from_a_trace_is_shown_as_text(tmp_path: Path) -> None:
    (tmp_path / "traces").mkdir()
    _hostile_run(tmp_path / "traces" / "20261122-100000-aaaaaa.0000.jsonl")
    table = invoke(str(tmp_path / "traces"), "--trend")
    assert table.exit_code == 0, table.output
    assert "[bold red]boom" in table.output and "\x1b" not in table.output
    raw = invoke(str(tmp_path / "traces"), "--format", "jsonl").stdout
    assert "\x1b" not in raw and json.loads(raw)["tools"] == {"[bold red]boom\x1b[2J": [1, 1]}


@pytest.mark.parametrize("args, words", [
    (["--finding", "call_loops"], "call_loop"),
    (["--finding", "call_loop:fatal"], "severity"),
    (["--since", "yesterday"], "--since"),
    (["--until", "+30s"], "--until"),
    (["--sort", "price"], "cost"),
    (["--health", "good"], "healthy"),
    (["--min-cost", "-1"], "--min-cost"),
    (["--limit", "-2"], "--limit"),
    (["--trend", "--format", "jsonl"], "--trend"),
    (["--regression", "cost>+10%"], "--trend"),
    (["--trend", "--regression", "p95(llm)>+10%"], "run figure"),
    (["--trend", "--regression", "cost>10%"], "sign"),
])
def test_a_bad_option_is_one_line_and_exit_2(sixty, args: list[str], words: str) -> None:
    directory, _ = sixty
    result = invoke(str(directory), *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    assert "Traceback" not in result.output


def test_a_directory_with_no_traces_is_exit_2_as_analyze_says_it(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no traces in" in result.stderr
    analyze = CliRunner().invoke(cli, ["analyze", str(tmp_path / "empty")])
    assert analyze.exit_code == result.exit_code


def test_a_path_that_is_no_directory_is_exit_2(tmp_path: Path) -> None:
    for path in (tmp_path / "missing", _hostile_run(tmp_path / "run.jsonl")):
        result = invoke(str(path))
        assert result.exit_code == 2 and "directory" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_directory_of_no_readable_run_is_exit_3(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "20261122-100000-bbbbbb.0000.jsonl").write_bytes(b"not json at all\n")
    result = invoke(str(tmp_path / "broken"))
    assert result.exit_code == 3 and "no run in" in result.stderr and "Traceback" not in result.output


def test_on_a_terminal_colours_show_a_long_list_is_paged_and_trace_text_cannot_drive_it(tmp_path: Path) -> None:
    from test_inspect_cmd import run_in_terminal, terminal_env  # noqa: PLC0415 - its pseudo-terminal helpers

    write_runs(tmp_path / "traces", 12, seed=2)
    trace = TraceBuilder(run_id="20261122-100000-cccccc")
    trace.run_start(name="[bold red]x\x1b[2J.py")
    trace.run_end()
    trace.write(tmp_path / "traces" / "20261122-100000-cccccc.0000.jsonl")
    log = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c \"import sys; open({str(log)!r}, 'wb').write(sys.stdin.buffer.read())\""
    shown = run_in_terminal(["runs", str(tmp_path / "traces")], terminal_env(PAGER=pager, LINES="10"), rows=10)
    paged = log.read_bytes()
    assert b"13 runs of" in paged and b"13 runs of" not in shown
    assert b"\x1b[" in paged and b"\x1b[2J" not in paged and b"[bold red]x" in paged
    plain = run_in_terminal(["runs", str(tmp_path / "traces"), "--no-pager"], terminal_env(NO_COLOR="1"))
    assert b"13 runs of" in plain and not re.search(rb"\x1b\[[0-9;]*(3[0-7]|9[0-7])m", plain)  # no colour


def test_a_read_only_directory_is_listed_from_an_index_in_memory(tmp_path: Path) -> None:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: modes do not stop root's writes")
    traces = tmp_path / "traces"
    write_runs(traces, 3, seed=2)
    for path in traces.iterdir():
        path.chmod(0o444)
    traces.chmod(0o555)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "namel3ss_debug", "runs", str(traces), "--format",
                               "json"], capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=tmp_path,
                              timeout=120, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    finally:
        traces.chmod(0o755)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["runs"]) == 3 and any("in memory" in note for note in data["notes"])
    assert "in memory" in done.stderr and not (traces / ".namel3ss-runs.sqlite").exists()


def test_whole_only_leaves_out_the_runs_with_problems_and_says_which(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    _hostile_run(traces / "20261122-100000-aaaaaa.0000.jsonl")
    lines = TraceBuilder(run_id="20261122-110000-dddddd")
    lines.run_start()
    lines.span("llm", "chat", 40, model="gpt-4o")
    lines.run_end()
    (traces / "20261122-110000-dddddd.0000.jsonl").write_bytes(lines.lines().replace(b"\n", b"\nnot json\n", 1))
    every = {row["run_id"]: row["problems"] for row in document(invoke(str(traces), "--format", "json"))["runs"]}
    assert every == {"20261122-100000-aaaaaa": 0, "20261122-110000-dddddd": 1}
    whole = invoke(str(traces), "--format", "json", "--whole-only")
    assert [row["run_id"] for row in document(whole)["runs"]] == ["20261122-100000-aaaaaa"]
    assert "left out (only whole runs are listed)" in whole.stderr and "20261122-110000-dddddd" in whole.stderr
    (traces / "20261122-100000-aaaaaa.0000.jsonl").unlink()
    none = invoke(str(traces), "--whole-only")
    assert none.exit_code == 3 and "--whole-only leaves them all out" in none.stderr


def test_runs_lists_from_a_postgresql_index_named_in_the_environment(tmp_path: Path, pg_server: PgServer,
                                                                     pg_url: str) -> None:
    write_runs(tmp_path / "runs", 6, seed=5)
    env = {**pg_server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": pg_url}
    result = invoke(str(tmp_path / "runs"), "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    assert "made (schema namel3ss_debug)" in result.stderr
    assert not (tmp_path / "runs" / ".namel3ss-runs.sqlite").exists()  # no SQLite index beside the traces
    local = invoke(str(tmp_path / "runs"), "--format", "json")
    assert json.loads(result.stdout)["runs"] == json.loads(local.stdout)["runs"]


def test_runs_says_in_one_line_that_its_postgresql_index_cannot_be_reached(tmp_path: Path) -> None:
    write_runs(tmp_path / "runs", 2, seed=5)
    env = {"NAMEL3SS_DEBUG_RUN_INDEX_URL": "postgresql://ci@127.0.0.1:1/runs", "PGPASSWORD": "s3cret"}
    result = invoke(str(tmp_path / "runs"), env=env)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert "cannot reach the run index at postgresql://ci@127.0.0.1:1/runs" in line and "s3cret" not in line


def test_runs_refuses_a_password_in_the_workspace_file(tmp_path: Path) -> None:
    write_runs(tmp_path / "runs", 1, seed=5)
    config = tmp_path / "debug.json"
    config.write_text(json.dumps({"run_index_url": "postgresql://ci:s3cret@db.internal/runs"}))
    result = invoke(str(tmp_path / "runs"), "--config", str(config))
    assert result.exit_code == 2 and "s3cret" not in result.output
    assert "a URL with a password in a workspace file" in result.stderr and "PGPASSWORD" in result.stderr


def test_runs_reaches_its_postgresql_index_through_a_pgservice_entry(tmp_path: Path, pg_server: PgServer,
                                                                      pg_url: str) -> None:
    write_runs(tmp_path / "runs", 2, seed=5)
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[team]\nhost=127.0.0.1\nport={pg_server.port}\ndbname={pg_url.rsplit('/', 1)[1]}\n"
                        f"user=postgres\npassword={pg_server.password}\n")
    env = {"NAMEL3SS_DEBUG_RUN_INDEX_URL": "postgresql://", "PGSERVICE": "team", "PGSERVICEFILE": str(services)}
    result = invoke(str(tmp_path / "runs"), "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["runs"]) == 2 and "made (schema namel3ss_debug)" in result.stderr
