"""A run's labels in the overview: `tags` from `run_start.attrs.tags`, `frameworks` the distinct, sorted
`attrs.framework` its spans start with (what the integrations write). A trace is untrusted: a label of another
type is read as none, never as an error."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from support.tracefactory import TraceBuilder, analyze_events


def framework_run(**start_attrs: object) -> TraceBuilder:
    """Spans of three frameworks, one of them twice, one span naming no framework and one naming a number."""
    b = TraceBuilder()
    b.run_start(**start_attrs)
    for framework in ("openai-agents", "langgraph", "crewai", "langgraph", 7, None):
        span_id = b.new_id()
        attrs = {"framework": framework} if framework is not None else {"kind": "plain"}
        b.event("agent_execution_start", "agent", "planner", span_id, b.root, "started", attrs=attrs)
        b.advance(1.0)
        b.event("agent_execution_end", "agent", "planner", span_id, b.root, "completed", duration_ms=1.0)
    b.run_end()
    return b


def test_frameworks_are_the_distinct_framework_names_of_the_spans_sorted():
    (run,) = analyze_events(framework_run().events).overview.runs
    assert run.frameworks == ["crewai", "langgraph", "openai-agents"]


def test_a_run_without_integrations_names_no_framework():
    b = TraceBuilder()
    b.run_start()
    b.span("llm", "plan", 5.0, model="gpt-4o")
    b.run_end()
    (run,) = analyze_events(b.events).overview.runs
    assert (run.frameworks, run.tags) == ([], [])


def test_tags_are_read_from_run_start():
    (run,) = analyze_events(framework_run(tags=["nightly", "model-b"]).events).overview.runs
    assert run.tags == ["nightly", "model-b"]


@pytest.mark.parametrize("tags", ["nightly", {"a": 1}, ["ok", 3], 5, None, [["nested"]]])
def test_tags_of_another_type_read_as_none(tags: object):
    (run,) = analyze_events(framework_run(tags=tags).events).overview.runs
    assert run.tags == []


def test_the_labels_survive_the_block_reader_and_the_json_view(tmp_path: Path):
    """Through a file (the block decoder keeps attrs raw): analyze's JSON names both, as the schema says."""
    trace = framework_run(tags=["ci", "pr-12"]).write(tmp_path / "run.jsonl")
    result = CliRunner().invoke(cli, ["analyze", str(trace), "--no-cache", "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = orjson.loads(result.stdout)["overview"]["runs"]
    assert (run["frameworks"], run["tags"]) == (["crewai", "langgraph", "openai-agents"], ["ci", "pr-12"])


def test_the_text_view_shows_the_labels_on_one_line_each(tmp_path: Path):
    trace = framework_run(tags=["ci", "pr-12"]).write(tmp_path / "run.jsonl")
    result = CliRunner().invoke(cli, ["analyze", str(trace), "--no-cache", "--section", "overview"],
                                catch_exceptions=False)
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    run = next(n for n, line in enumerate(lines) if line.startswith("run "))
    assert lines[run + 1:run + 3] == ["tags ci, pr-12", "frameworks crewai, langgraph, openai-agents"]


def test_a_run_without_labels_has_no_label_lines(tmp_path: Path):
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    result = CliRunner().invoke(cli, ["analyze", str(trace.write(tmp_path / "run.jsonl")), "--no-cache", "--section",
                                      "overview"], catch_exceptions=False)
    assert not [line for line in result.output.splitlines() if line.startswith(("tags", "frameworks"))]


def test_the_text_view_neutralises_a_tag(tmp_path: Path):
    trace = framework_run(tags=["\x1b[31mred", "[bold]x[/bold]"]).write(tmp_path / "run.jsonl")
    result = CliRunner().invoke(cli, ["analyze", str(trace), "--no-cache", "--section", "overview"],
                                catch_exceptions=False)
    assert "\x1b[31m" not in result.output
    assert "[bold]x[/bold]" in result.output
