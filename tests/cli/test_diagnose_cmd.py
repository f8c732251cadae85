"""`namel3ss-debug diagnose TRACE...`: the findings and the blames, in every format, filtered, with --expect and the
workspace's checks as failures, and every kind of bad input in one line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from support.tracefactory import TraceBuilder, error, hanging_lines, multi_line_error_run

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_analyze_schema, load_diagnose_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

USAGE = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["diagnose", *args], input=input, catch_exceptions=False,
                              env={"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})


def weather_run(path: Path, *, status: str = "failed", tool: str = "get_weather",
                answer: str = "Sorry, I could not get the weather.") -> Path:
    """An agent whose tool fails three times at once on 'Paris, FR' (a retry without back-off), then apologises."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    trace.span("llm", "planner", 40, agent, model="gpt-4o", usage=USAGE, outputs={"text": "call the tool"})
    for _ in range(3):
        trace.span("tool", tool, 5, agent, status="failed", inputs={"city": "Paris, FR"},
                   error=error("KeyError", "'Paris, FR'"))
    trace.span("llm", "writer", 50, agent, model="gpt-4o", usage=USAGE, outputs={"text": answer})
    trace.end(agent, 1, advance=False)
    trace.run_end(status)
    return trace.write(path)


def healthy_run(path: Path) -> Path:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    trace.span("tool", "get_weather", 5, agent, inputs={"city": "Paris"}, outputs={"temp": 21})
    trace.span("llm", "writer", 50, agent, model="gpt-4o", usage=USAGE, outputs={"text": "It is 21 C in Paris."})
    trace.end(agent, 1, advance=False)
    trace.run_end()
    return trace.write(path)


def document(result) -> dict:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    errors = [error.message for error in Draft202012Validator(load_diagnose_schema()).iter_errors(data)]
    assert errors == []
    return data


# --- what it shows ---------------------------------------------------------------------------------------------------

def test_a_healthy_run_has_no_finding_and_no_blame(tmp_path: Path) -> None:
    data = document(invoke(str(healthy_run(tmp_path / "ok.jsonl")), "--format", "json"))
    assert (data["schema"], data["findings"], data["blames"], data["failures"]) == (
        "namel3ss-debug/diagnose/v1", [], [], [])
    assert "no findings" in invoke(str(tmp_path / "ok.jsonl")).stdout


def test_the_table_shows_the_blame_first_then_findings_with_evidence_at_file_and_line(tmp_path: Path) -> None:
    result = invoke(str(weather_run(tmp_path / "bad.jsonl")))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.index("Blame") < text.index("decisive step") < text.index("Findings:")
    assert "failed: run ended failed" in text
    assert "retry_without_backoff (high confidence, agent weather)" in text
    assert f"tool:get_weather#1  seq 4  {tmp_path / 'bad.jsonl'}:5" in text  # address, seq, line in the file
    assert "setting: diagnose_backoff_ms" in text


def test_json_names_the_failure_its_blame_and_the_findings(tmp_path: Path) -> None:
    data = document(invoke(str(weather_run(tmp_path / "bad.jsonl")), "--format", "json"))
    assert [(failure["source"], failure["what"]) for failure in data["failures"]] == [("run", "run ended failed")]
    [blame] = data["blames"]
    assert blame["failure"] == "run ended failed" and blame["chain"][-1]["role"] == "failure"
    kinds = [finding["kind"] for finding in data["findings"]]
    assert "retry_without_backoff" in kinds
    evidence = next(f for f in data["findings"] if f["kind"] == "retry_without_backoff")["evidence"][0]
    assert evidence["location"] == f"{tmp_path / 'bad.jsonl'}:5"
    assert data["counts"]["warning"] >= 1 and data["failed_runs"] == [blame["run_id"]]


def test_markdown_has_the_blame_and_each_severity_as_headings(tmp_path: Path) -> None:
    result = invoke(str(weather_run(tmp_path / "bad.jsonl")), "--format", "markdown")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# namel3ss-debug diagnose: run ")
    assert "## Blame" in lines and "## Warnings" in lines
    assert "- setting: `diagnose_backoff_ms`" in lines


def test_trace_text_is_shown_as_text_in_every_view(tmp_path: Path) -> None:
    path = weather_run(tmp_path / "bad.jsonl", tool="[bold red]x[/]<script>\x1b[2J")
    table = invoke(str(path)).stdout
    assert "[bold red]x[/]<script>\\x1b[2J" in table and "\x1b" not in table
    markdown = invoke(str(path), "--format", "markdown").stdout
    assert "<script>" not in markdown and "\\[bold red\\]x\\[/\\]&lt;script&gt;" in markdown
    assert "\x1b" not in invoke(str(path), "--format", "json").stdout


# --- filters ---------------------------------------------------------------------------------------------------------

def test_min_severity_leaves_out_lower_findings_and_says_how_many(tmp_path: Path) -> None:
    path = str(weather_run(tmp_path / "bad.jsonl"))
    every = document(invoke(path, "--format", "json"))
    worst = document(invoke(path, "--format", "json", "--min-severity", "critical"))
    below = [finding for finding in every["findings"] if finding["severity"] != "critical"]
    assert below  # the retries without back-off: a warning
    assert worst["findings"] and all(finding["severity"] == "critical" for finding in worst["findings"])
    assert worst["hidden"] == len(below) and worst["filters"] == {"min_severity": "critical"}
    assert worst["counts"]["warning"] == 0 and worst["blames"] == every["blames"]
    assert f"({len(below)} left out by the filters)" in invoke(path, "--min-severity", "critical").stdout


def test_kind_keeps_only_the_kinds_named(tmp_path: Path) -> None:
    data = document(invoke(str(weather_run(tmp_path / "bad.jsonl")), "--format", "json",
                           "--kind", "retry_without_backoff", "--kind", "call_loop"))
    assert [finding["kind"] for finding in data["findings"]] == ["retry_without_backoff"]
    assert data["filters"]["kinds"] == "retry_without_backoff,call_loop"


def test_a_threshold_set_in_the_environment_changes_what_is_found(tmp_path: Path) -> None:
    path = str(weather_run(tmp_path / "bad.jsonl"))
    data = document(invoke(path, "--format", "json", env={"NAMEL3SS_DEBUG_DIAGNOSE_BACKOFF_MS": "0"}))
    assert "retry_without_backoff" not in [finding["kind"] for finding in data["findings"]]


# --- failures judged outside the run ---------------------------------------------------------------------------------

def test_an_expectation_the_final_answer_breaks_is_a_failure_with_a_blame(tmp_path: Path) -> None:
    path = str(healthy_run(tmp_path / "ok.jsonl"))
    data = document(invoke(path, "--format", "json", "--expect", "contains:Lisbon"))
    [failure] = data["failures"]
    assert failure["source"] == "expect" and failure["what"].startswith("expect contains:Lisbon not met")
    assert [blame["failure"] for blame in data["blames"]] == [failure["what"]]
    assert data["filters"] == {"expect": "contains:Lisbon"}
    assert document(invoke(path, "--format", "json", "--expect", "contains:Paris"))["blames"] == []


def test_a_broken_rule_of_the_workspace_checks_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text('{"checks": {"max_llm_calls": 0}}', encoding="utf-8")
    data = document(invoke(str(healthy_run(tmp_path / "ok.jsonl")), "--format", "json"))
    [failure] = data["failures"]
    assert failure["source"] == "check" and "max_llm_calls" in failure["what"]
    assert len(data["blames"]) == 1


def test_standard_input_is_diagnosed_without_places(tmp_path: Path) -> None:
    text = weather_run(tmp_path / "bad.jsonl").read_text(encoding="utf-8")
    data = document(invoke("-", "--format", "json", input=text))
    assert data["findings"] and all(evidence["location"] is None for finding in data["findings"]
                                    for evidence in finding["evidence"])


# --- bad input: one line, the documented exit code -------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--kind", "call_loops"], "call_loop"),
    (["--min-severity", "fatal"], "critical"),
    (["--expect", "has:Paris"], "contains"),
    (["--since", "yesterday"], "--since"),
])
def test_a_bad_option_is_one_line_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    result = invoke(str(healthy_run(tmp_path / "ok.jsonl")), *args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content", [b"", b"not json at all\n"])
def test_a_trace_that_cannot_be_read_is_exit_3(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_bytes(content)
    result = invoke(str(path), "--strict")
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("namel3ss-debug: error:")]
    assert len(errors) == 1 and "Traceback" not in result.output


def test_the_diagnosis_definitions_are_the_same_in_both_schemas() -> None:
    diagnose, analyze = load_diagnose_schema()["$defs"], load_analyze_schema()["$defs"]
    shared = ("ref", "evidence", "finding", "blameLink", "blame", "findingCounts", "diagnosis")
    assert {name: diagnose[name] for name in shared} == {name: analyze[name] for name in shared}
    assert orjson.loads(orjson.dumps(diagnose["failure"]))["properties"]["source"]["enum"] == [
        "run", "finding", "check", "expect"]


def test_a_gzipped_run_is_placed_at_its_lines_too(tmp_path: Path) -> None:
    plain = weather_run(tmp_path / "bad.jsonl")
    packed = tmp_path / "bad.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    data = document(invoke(str(packed), "--format", "json"))
    places = [evidence["location"] for finding in data["findings"] for evidence in finding["evidence"]]
    assert places and all(place and place.startswith(f"{packed}:") for place in places)


def test_several_runs_name_their_run_in_each_reference(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    weather_run(runs / "20261122-100000-abcdef.0000.jsonl")
    healthy = TraceBuilder("20261122-110000-fedcba")
    healthy.run_start()
    healthy.span("llm", "writer", 50, model="gpt-4o", usage=USAGE, outputs={"text": "fine"})
    healthy.run_end()
    healthy.write(runs / "20261122-110000-fedcba.0000.jsonl")
    result = invoke(str(runs), "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("namel3ss-debug diagnose: 2 runs")
    assert "20261122-100000-abcdef seq 4" in result.stdout and "Blame  run 20261122-100000-abcdef" in result.stdout
    data = document(invoke(str(runs), "--all", "--format", "json"))
    assert data["run_ids"] == ["20261122-100000-abcdef", "20261122-110000-fedcba"]
    assert data["failed_runs"] == ["20261122-100000-abcdef"]


def test_forbid_secrets_in_the_workspace_checks_uses_its_redact_keys(tmp_path: Path) -> None:
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text(
        '{"redact_keys": ["ticket_code"], "checks": {"forbid_secrets": true}}', encoding="utf-8")
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "book", 5, inputs={"ticket_code": "plain-words-here"}, outputs={"ok": True})
    trace.run_end()
    data = document(invoke(str(trace.write(tmp_path / "run.jsonl")), "--format", "json"))
    assert [(failure["source"], failure["what"].split(":")[0]) for failure in data["failures"]] == [
        ("check", "check forbid_secrets")]


def test_an_error_message_of_several_lines_hangs_under_its_first_line(tmp_path):
    result = invoke(str(multi_line_error_run(tmp_path / "t.jsonl")))
    assert result.output.count("You can increase the limit") >= 3, result.output  # failed:, blame, chain...
    assert hanging_lines(result.output) == []
    assert " " * len("failure        ") + "You can increase the limit by setting the `recursion_limit` config " \
                                          "key." in result.output.splitlines()


def stopped_rerun(path: Path) -> Path:
    """A rerun a miss stopped, as the tracer writes one: the call it stopped at ended failed with the stop, the
    stop reported as unhandled, `run_end` failed with it."""
    miss = error("namel3ss_debug.model.rerun_protocol.RerunMiss", "tool:lookup#2: the recording has no call here")
    trace = TraceBuilder()
    trace.run_start()
    stopped = trace.span("tool", "lookup", 5, status="failed", error=miss)
    trace.instant("error_occurred", "tool", "RerunMiss", stopped, status="failed", error=miss,
                  attrs={"unhandled": True})
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = miss
    return trace.write(path)


def test_a_rerun_a_miss_stopped_says_so_and_blames_nothing(tmp_path):
    trace = str(stopped_rerun(tmp_path / "t.jsonl"))
    result = invoke(trace)
    assert "stopped: no recorded answer\n" in result.output and "failed" not in result.output, result.output
    data = document(invoke(trace, "--format", "json"))
    assert (data["stopped"], data["failures"], data["blames"]) == ({data["run_ids"][0]: "no recorded answer"}, [], [])
    assert "- stopped: no recorded answer" in invoke(trace, "--format", "markdown").output
