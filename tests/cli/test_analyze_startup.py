"""`analyze` says a run's start-up apart from its work: in the table, in Markdown and in JSON (valid by its schema),
and the critical path starts after the start-up."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_analyze_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def write_run(path, startup: bool = True):
    """3.6 s: 3.42 s of start-up (or as much time before the first span), then 180 ms of an agent's work."""
    b = TraceBuilder()
    b.run_start()
    if startup:
        b.startup(3420.0)
    else:
        b.advance(3420.0)
    agent = b.start("agent", "planner")
    b.span("llm", "plan", 150.0, agent, model="m", usage={"input_tokens": 3, "output_tokens": 4})
    b.end(agent, 180.0, advance=False)
    b.run_end(duration_ms=3600.0)
    return b.write(path)


def analyze(*args):
    return CliRunner().invoke(cli, ["analyze", *args], catch_exceptions=False)


def test_the_table_says_start_up_and_work_apart(tmp_path):
    write_run(tmp_path / "run.jsonl")
    result = analyze("run.jsonl")
    assert "duration     3.60 s (start-up 3.42 s, work 180 ms)" in result.stdout
    critical = result.stdout.split("Critical path")[1]
    assert "start-up" not in critical and "180 ms" in critical.splitlines()[1]


def test_markdown_says_them_apart_too(tmp_path):
    write_run(tmp_path / "run.jsonl")
    assert "| duration | 3.60 s (start-up 3.42 s, work 180 ms) |" in analyze("run.jsonl", "--format", "markdown").stdout


def test_json_carries_them_valid_by_the_schema(tmp_path):
    write_run(tmp_path / "run.jsonl")
    document = json.loads(analyze("run.jsonl", "--format", "json").stdout)
    Draft202012Validator(load_analyze_schema()).validate(document)
    overview = document["overview"]
    assert (overview["startup_ms"], overview["work_ms"]) == (3420.0, 180.0)
    assert (overview["runs"][0]["startup_ms"], overview["runs"][0]["work_ms"]) == (3420.0, 180.0)
    assert document["critical_path"][0]["total_ms"] == 180.0


def test_a_run_recorded_without_a_start_up_span_shows_its_duration_alone(tmp_path):
    write_run(tmp_path / "run.jsonl", startup=False)
    result = analyze("run.jsonl")
    assert "duration     3.60 s\n" in result.stdout
    document = json.loads(analyze("run.jsonl", "--format", "json").stdout)
    Draft202012Validator(load_analyze_schema()).validate(document)
    assert (document["overview"]["startup_ms"], document["critical_path"][0]["total_ms"]) == (None, 3600.0)
