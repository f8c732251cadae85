"""Handled errors are errors on every read screen: a run that survived its tool's failure is not healthy, counts 1
handled and 0 unhandled, fails `check --max-errors 0` and passes `--max-unhandled-errors 0`; a crash counts its
error as unhandled; `diff` shows both. The rule (`analysis/handling.py`) is held on synthetic runs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from support.tracefactory import TraceBuilder, analyze_events, error

pytestmark = pytest.mark.usefixtures("isolated_workspace")
KEY_ERROR = error("KeyError", "'id'")


def survived() -> TraceBuilder:
    """An agent whose tool raised KeyError, handed to the model, which answered: the run completed."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "helper", kind="agent_execution")
    trace.span("llm", "plan", 5, agent, usage={"input_tokens": 10, "output_tokens": 2}, model="m")
    trace.span("tool", "lookup", 3, agent, status="failed", error=KEY_ERROR)
    trace.span("llm", "plan", 5, agent, usage={"input_tokens": 12, "output_tokens": 4}, model="m")
    trace.end(agent, 20)
    trace.run_end()
    return trace


def crashed() -> TraceBuilder:
    """The same tool's KeyError escaping its agent and the app: the tracer's unhandled report, the run failed."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "helper", kind="agent_execution")
    trace.span("tool", "lookup", 3, agent, status="failed", error=KEY_ERROR)
    trace.end(agent, 5, status="failed", error=KEY_ERROR)
    trace.instant("error_occurred", "app", "KeyError", status="failed", error=KEY_ERROR, attrs={"unhandled": True})
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = KEY_ERROR
    return trace


def run(*args: str):
    # tables are laid out COLUMNS wide off a terminal, and pytest-xdist's workers set it to 80: a width of our own
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


def test_a_run_that_survived_a_failed_tool_is_not_healthy_and_counts_it_handled():
    report = analyze_events(survived().events)
    assert (report.errors.total, report.errors.handled, report.errors.unhandled) == (1, 1, 0)
    assert report.health.verdict != "healthy"
    assert "completed with 1 handled error (KeyError 1)" in report.health.reasons
    (tool,) = report.tools
    assert (tool.failures, tool.handled_failures, tool.unhandled_failures, tool.success_rate) == (1, 1, 0, 0.0)


def test_a_crash_counts_its_error_once_and_unhandled():
    report = analyze_events(crashed().events)
    assert (report.errors.total, report.errors.handled, report.errors.unhandled) == (1, 0, 1)
    assert report.errors.unhandled_by_category == {"parameter": 1} and report.errors.handled_by_category == {}
    assert report.tools[0].unhandled_failures == 1
    assert "1 unhandled error (KeyError 1)" in report.health.reasons


def test_the_error_that_ends_the_run_failed_is_unhandled_without_an_error_event():
    """A writer that reports no error_occurred (a foreign format): the run's failed end says the error escaped."""
    trace = crashed()
    trace.events = [event for event in trace.events if event["event_type"] != "error_occurred"]
    assert analyze_events(trace.events).errors.unhandled == 1


def test_an_error_the_writer_marked_handled_stays_handled_whatever_follows():
    trace = crashed()
    tool_end = next(event for event in trace.events if event["event_type"] == "tool_call_end")
    tool_end["error"] = {**KEY_ERROR, "handled": True}
    errors = analyze_events(trace.events).errors
    assert (errors.handled, errors.unhandled) == (1, 0)


def test_a_handled_error_then_a_crash_of_another_error_counts_one_of_each():
    trace = survived()
    trace.events.pop()  # run_end
    trace.instant("error_occurred", "app", "ValueError", status="failed", error=error("ValueError", "bad"),
                  attrs={"unhandled": True})
    trace.run_end("failed", exit_code=1)
    errors = analyze_events(trace.events).errors
    assert (errors.total, errors.handled, errors.unhandled) == (2, 1, 1)
    assert {(kind.type, kind.handled, kind.unhandled) for kind in errors.by_type} == {("KeyError", 1, 0),
                                                                                       ("ValueError", 0, 1)}


def test_check_max_errors_counts_a_handled_error_and_max_unhandled_errors_does_not(isolated_workspace):
    survived().write(isolated_workspace / "run.jsonl")
    failed = run("check", "run.jsonl", "--max-errors", "0")
    assert failed.exit_code == 1
    assert "FAIL max_errors: 1 error (1 handled, 0 unhandled) (limit 0)" in " ".join(failed.stdout.split())
    passed = run("check", "run.jsonl", "--max-unhandled-errors", "0")
    assert passed.exit_code == 0, passed.stdout
    assert "0 unhandled errors (1 handled, not counted)" in " ".join(passed.stdout.split())


def test_check_max_unhandled_errors_fails_a_crash_and_is_a_rules_file_key(isolated_workspace):
    crashed().write(isolated_workspace / "run.jsonl")
    (isolated_workspace / "rules.json").write_text('{"max_unhandled_errors": 0}')
    done = run("check", "run.jsonl", "--rules", "rules.json", "--format", "json")
    (result,) = json.loads(done.stdout)["runs"][0]["results"]
    assert done.exit_code == 1 and (result["key"], result["passed"], result["value_number"]) == (
        "max_unhandled_errors", False, 1)


def test_the_fail_line_says_failed_once(isolated_workspace):
    crashed().write(isolated_workspace / "run.jsonl")
    text = " ".join(run("check", "run.jsonl", "--max-errors", "0").stdout.split())
    assert "FAIL max_errors: 1 error" in text and "FAIL max_errors: FAILED" not in text


def test_diff_shows_the_handled_and_unhandled_errors_of_each_side(isolated_workspace):
    survived().write(isolated_workspace / "base.jsonl")
    crashed().write(isolated_workspace / "new.jsonl")
    out = json.loads(run("diff", "base.jsonl", "new.jsonl", "--no-cache", "--format", "json").stdout)
    overview = {change["metric"]: (change["base"], change["new"]) for change in out["overview"]}
    assert (overview["errors"], overview["handled_errors"], overview["unhandled_errors"]) == (
        (1, 1), (1, 0), (0, 1))
    table = run("diff", "base.jsonl", "new.jsonl", "--no-cache").stdout
    assert [line.split()[:3] for line in table.splitlines() if line.split()[:1] in (["handled"], ["unhandled"])] == [
        ["handled", "1", "0"], ["unhandled", "0", "1"]]


def test_analyze_views_say_both(isolated_workspace):
    survived().write(isolated_workspace / "run.jsonl")
    table = run("analyze", "run.jsonl", "--no-cache").stdout
    assert "1 error (1 handled, 0 unhandled), 1 failed span" in table
    markdown = run("analyze", "run.jsonl", "--no-cache", "--format", "markdown").stdout
    assert "| KeyError | parameter | 1 | 1 | 0 |" in markdown
    document = json.loads(run("analyze", "run.jsonl", "--no-cache", "--format", "json").stdout)
    assert (document["overview"]["handled_errors"], document["overview"]["unhandled_errors"]) == (1, 0)
