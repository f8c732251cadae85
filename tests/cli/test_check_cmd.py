"""`namel3ss-debug check TRACE...`: each rule kind passes and fails with an explanation; formats; exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error, retried_tool_run

from namel3ss_debug.ops.reading import whole as reading_module
from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.secret_scope import SCOPE

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config


def check(*args, input=None):
    # Wide: a rule's line names the trace's path, which `failed_line` could not unwrap where a path is broken.
    return CliRunner().invoke(cli, ["check", *args], input=input, catch_exceptions=False, env={"COLUMNS": "400"})


def agent_run(*, tool_error=None, slow_llm_ms=1200.0, tokens=(100, 50), cost=0.02, secret=None, run_id=None):
    """planner (llm) -> search (tool) -> fetch (tool) -> writer (llm), in one agent span."""
    trace = TraceBuilder(run_id) if run_id else TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    usage = {"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)}
    trace.span("llm", "planner", slow_llm_ms, agent, model="m", usage=usage, cost_usd=cost,
               inputs={"prompt": secret} if secret else None)
    if tool_error:
        trace.span("tool", "search", 40.0, agent, status="failed", error=tool_error)
    trace.span("tool", "search", 30.0, agent)
    trace.span("tool", "fetch_page", 20.0, agent)
    trace.span("llm", "writer", 800.0, agent, model="m", usage=usage, cost_usd=cost)
    trace.end(agent, 10.0)
    trace.run_end()
    return trace


def write(tmp_path, trace, name="run.jsonl"):
    return str(trace.write(tmp_path / name))


def seq_of(trace, event_type, name):
    return next(e["seq"] for e in trace.events if e["event_type"] == event_type and e["name"] == name)


def failed_line(result, rule):
    """The explanation of one failed rule (the table's FAIL line, unwrapped)."""
    text = " ".join(result.stdout.split())
    start = text.index(f"FAIL {rule}:")
    return text[start:text.index("rule from", start)]


# ---------------------------------------------------------------- passing


def test_a_clean_run_passes_every_kind_of_rule_and_exits_0(tmp_path):
    path = write(tmp_path, agent_run())
    result = check(path, "--max-errors", "0", "--max-component-errors", "tool=0", "--max-category-errors", "auth=0",
                   "--max-p95", "llm=3s", "--max-p99", "tool:search=1s", "--max-latency", "llm:planner=2s",
                   "--max-tokens", "1000", "--max-cost", "0.50", "--max-llm-calls", "2", "--max-tool-calls", "2",
                   "--max-duration", "1m", "--require", "tool:search", "--require-order", "llm:planner,llm:writer",
                   "--forbid", "tool:delete_*", "--forbid-secrets", "--clean-integrity")
    assert result.exit_code == 0, result.output
    assert "check passed: 16 rules passed, 0 failed" in result.stdout


def test_the_traced_example_app_passes_a_sensible_rules_set(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env["NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR"] = str(tmp_path / "traces")
    subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "research_agent.py"],
                   cwd=ROOT / "examples", env=env, check=True, capture_output=True)
    result = check(str(tmp_path / "traces"), "--max-errors", "1", "--max-category-errors", "auth=0",
                   "--max-p95", "llm=3s", "--max-cost", "0.50", "--require", "tool:search>=2",
                   "--require-order", "llm:planner,tool:search,llm:writer", "--forbid", "error:auth",
                   "--forbid-secrets", "--clean-integrity", "--format", "json")
    report = json.loads(result.stdout)
    assert (result.exit_code, report["passed"], report["rules"]) == (0, True, 9)
    assert [r["rule"] for r in report["runs"][0]["results"] if r["passed"]][:2] == ["max_errors",
                                                                                     "max_category_errors auth"]


# ---------------------------------------------------------------- one failing trace per rule kind


# A failing rule's line: its limit, its count and where the first event it counts is (seq, name, file:line).
FAILING = {
    "max_errors": (dict(tool_error=error("TimeoutError", "search took too long")), ["--max-errors", "0"],
                   ("tool_call_end", "search"), "max_errors",
                   "FAIL max_errors: 1 error (1 handled, 0 unhandled) (limit 0); seq {seq} tool:search "
                   "(TimeoutError: search took too long) at {where} "),
    "forbid": ({}, ["--forbid", "tool:fetch_*"], ("tool_call_start", "fetch_page"), "forbid tool:fetch_*",
               "FAIL forbid tool:fetch_*: 1 occurrence (limit none); seq {seq} tool:fetch_page at {where} "),
}


@pytest.mark.parametrize("case", FAILING)
def test_a_failing_rule_names_its_limit_its_count_and_where_the_first_event_is(tmp_path, case):
    run, args, (event_type, name), rule, said = FAILING[case]
    trace = agent_run(**run)
    result = check(write(tmp_path, trace), *args)
    seq = seq_of(trace, event_type, name)
    assert result.exit_code == 1
    assert failed_line(result, rule) == said.format(seq=seq, where=f"{tmp_path}/run.jsonl:{seq + 1}")


def test_max_component_errors_counts_failed_spans_of_that_component(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "late"))
    result = check(write(tmp_path, trace), "--max-component-errors", "tool=0", "--max-component-errors", "llm=0")
    assert result.exit_code == 1
    assert "max_component_errors tool: 1 failed tool span (limit 0); seq" in failed_line(
        result, "max_component_errors tool")
    assert "FAIL max_component_errors llm" not in result.stdout


def test_max_category_errors_fails_only_for_that_category(tmp_path):
    trace = agent_run(tool_error=error("PermissionError", "invalid api key", "auth"))
    result = check(write(tmp_path, trace), "--max-category-errors", "auth=0", "--max-category-errors", "timeout=0")
    assert result.exit_code == 1
    line = failed_line(result, "max_category_errors auth")
    assert "1 auth error (limit 0)" in line and "tool:search (PermissionError: invalid api key)" in line
    assert "FAIL max_category_errors timeout" not in result.stdout


@pytest.mark.parametrize(("flag", "word"), [("--max-p95", "p95"), ("--max-p99", "p99"), ("--max-latency", "max")])
def test_latency_rules_fail_with_the_percentile_and_the_slow_spans(tmp_path, flag, word):
    trace = agent_run(slow_llm_ms=5000.0)
    result = check(write(tmp_path, trace), flag, "llm:planner=3s")
    seq = seq_of(trace, "llm_call_end", "planner")
    assert result.exit_code == 1
    assert failed_line(result, f"{flag[2:].replace('-', '_')} llm:planner") == (
        f"FAIL {flag[2:].replace('-', '_')} llm:planner: {word} 5s (limit 3s); "
        f"seq {seq} llm:planner (5s) at {tmp_path}/run.jsonl:{seq + 1} ")


def test_a_component_latency_target_covers_all_its_operations(tmp_path):
    result = check(write(tmp_path, agent_run(slow_llm_ms=5000.0)), "--max-latency", "llm=1s")
    line = failed_line(result, "max_latency llm")
    assert "max 5s (limit 1s)" in line and "llm:planner" in line and "llm:writer" not in line  # 800 ms is fine


def test_max_tokens_fails_listing_the_biggest_calls(tmp_path):
    result = check(write(tmp_path, agent_run(tokens=(600, 200))), "--max-tokens", "1000")
    line = failed_line(result, "max_tokens")
    assert result.exit_code == 1 and "1600 tokens (limit 1000)" in line and "800 tokens" in line


def test_max_cost_fails_in_dollars(tmp_path):
    result = check(write(tmp_path, agent_run(cost=0.40)), "--max-cost", "0.50")
    line = failed_line(result, "max_cost")
    assert result.exit_code == 1 and "$0.80 (limit $0.50)" in line and "llm:planner (150 tokens, $0.40)" in line


def test_max_llm_and_tool_calls_name_the_calls_past_the_limit(tmp_path):
    trace = agent_run()
    result = check(write(tmp_path, trace), "--max-llm-calls", "1", "--max-tool-calls", "1")
    assert result.exit_code == 1
    writer = seq_of(trace, "llm_call_start", "writer")
    assert f"2 llm calls (limit 1); seq {writer} llm:writer (call 2)" in failed_line(result, "max_llm_calls")
    fetch = seq_of(trace, "tool_call_start", "fetch_page")
    assert f"2 tool calls (limit 1); seq {fetch} tool:fetch_page (call 2)" in failed_line(result, "max_tool_calls")


def test_max_duration_fails_pointing_at_the_run_end(tmp_path):
    trace = agent_run(slow_llm_ms=70_000.0)
    result = check(write(tmp_path, trace), "--max-duration", "1m")
    assert result.exit_code == 1
    line = failed_line(result, "max_duration")
    assert "70.86s (limit 60s)" in line and f"seq {len(trace.events) - 1} app:app.py" in line


def test_require_fails_with_the_count_and_suggests_a_close_name(tmp_path):
    result = check(write(tmp_path, agent_run()), "--require", "tool:search>=2", "--require", "tool:serch")
    assert result.exit_code == 1
    assert "require tool:search: 1 occurrence (limit >= 2); seq" in failed_line(result, "require tool:search")
    assert failed_line(result, "require tool:serch") == (
        "FAIL require tool:serch: 0 occurrences (limit >= 1); no tool:serch in this run "
        "(did you mean tool:search?) ")


def test_require_order_fails_saying_which_step_is_missing_after_what(tmp_path):
    trace = agent_run()
    result = check(write(tmp_path, trace), "--require-order", "llm:writer,tool:search")
    writer = seq_of(trace, "llm_call_start", "writer")
    assert result.exit_code == 1
    assert failed_line(result, "require_order llm:writer,tool:search").startswith(
        f"FAIL require_order llm:writer,tool:search: tool:search not seen after seq {writer} (1 of 2 in "
        f"order) (limit llm:writer then tool:search); seq {writer} llm:writer")


def test_forbid_an_error_category(tmp_path):
    trace = agent_run(tool_error=error("AuthError", "401 unauthorized", "auth"))
    result = check(write(tmp_path, trace), "--forbid", "error:auth")
    assert result.exit_code == 1
    assert "forbid error:auth: 1 occurrence (limit none); seq" in failed_line(result, "forbid error:auth")


def test_forbid_secrets_names_the_field_never_the_secret(tmp_path):
    key = "sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2"
    result = check(write(tmp_path, agent_run(secret=f"use {key}")), "--forbid-secrets")
    line = failed_line(result, "forbid_secrets")
    assert result.exit_code == 1 and "1 event with secret-looking text" in line
    assert "(secret-looking text in inputs.prompt: openai_key)" in line and key not in result.stdout


def test_forbid_secrets_alone_reads_the_run_without_analysing_it(tmp_path, monkeypatch):
    def no_analysis(*args, **kwargs):
        raise AssertionError("analyze was called")

    monkeypatch.setattr(reading_module, "analyze", no_analysis)
    trace = agent_run(secret="use sk-" + "a1B2c3D4e5F6g7H8i9J0k1L2")
    result = check(write(tmp_path, trace), "--forbid-secrets", "--format", "json")
    run = orjson.loads(result.stdout)["runs"][0]
    assert (result.exit_code, run["run_id"], run["results"][0]["value_number"]) == (1, trace.run_id, 1)


def test_forbid_secrets_alone_still_reports_torn_and_invalid_lines(tmp_path):
    lines = agent_run().lines().split(b"\n")
    lines.insert(2, b"not json")
    (tmp_path / "run.jsonl").write_bytes(b"\n".join(lines) + b'{"v":1,"run_id":"r","se')
    result = check("run.jsonl", "--forbid-secrets")
    assert (result.exit_code, result.stderr.splitlines()) == (0, [
        "namel3ss-debug: warning: run.jsonl:3: not JSON (invalid literal, expected 'null')",
        f"namel3ss-debug: warning: run.jsonl:{len(lines)}: last line is incomplete (the writer stopped "
        "mid-line, e.g. a crash); ignored", *(f"namel3ss-debug: warning: forbid_secrets: {note}" for note in SCOPE)])


def test_forbid_secrets_accepts_what_the_tracer_already_redacted(tmp_path):
    trace = agent_run(secret="[REDACTED:openai_key]")
    trace.events[2]["inputs"]["api_key"] = "[REDACTED]"
    result = check(write(tmp_path, trace), "--forbid-secrets")
    assert result.exit_code == 0, result.stdout


def test_clean_integrity_fails_with_each_problem(tmp_path):
    trace = agent_run()
    trace.events = [e for e in trace.events if e["event_type"] != "tool_call_end"]
    result = check(write(tmp_path, trace), "--clean-integrity")
    line = failed_line(result, "clean_integrity")
    assert result.exit_code == 1 and "clean_integrity: unclosed spans 2, seq gaps 2 (limit clean)" in line
    assert "2 span(s) never ended, e.g. 0000000000000004 (tool:search)" in line


def test_clean_integrity_also_wants_the_run_to_have_ended(tmp_path):
    trace = agent_run()
    trace.events = [e for e in trace.events if e["event_type"] != "run_end"]
    result = check(write(tmp_path, trace), "--clean-integrity")
    assert result.exit_code == 1
    assert "clean_integrity: runs not ended 1 (limit clean)" in failed_line(result, "clean_integrity")


# ---------------------------------------------------------------- rules files and the workspace section


def test_a_rules_file_uses_the_flag_vocabulary_and_flags_override_it(tmp_path):
    (tmp_path / "rules.json").write_text(json.dumps({"max_p95": {"llm": "1s"}, "max_errors": 0}))
    path = write(tmp_path, agent_run(slow_llm_ms=2000.0))
    assert check(path, "--rules", "rules.json").exit_code == 1
    result = check(path, "--rules", "rules.json", "--max-p95", "llm=5s", "--format", "json")
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert result.exit_code == 0
    assert [(r["rule"], r["origin"]) for r in results] == [("max_p95 llm", "--max-p95 llm=5s"),
                                                           ("max_errors", "rules.json:1:28")]


def test_the_workspace_checks_section_is_read_and_a_rules_file_adds_to_it(tmp_path):
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss/debug.json").write_text('{"enabled": false,\n "checks": {"max_tool_calls": 1}}')
    (tmp_path / "rules.json").write_text('{"forbid_secrets": true}')
    result = check(write(tmp_path, agent_run()), "--rules", "rules.json", "--format", "json")
    assert result.exit_code == 1
    assert [(r["rule"], r["origin"], r["passed"]) for r in json.loads(result.stdout)["runs"][0]["results"]] == [
        ("max_tool_calls", ".namel3ss/debug.json:2:13", False), ("forbid_secrets", "rules.json:1:2", True)]


def test_false_in_a_rules_file_switches_off_a_workspace_rule(tmp_path):
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss/debug.json").write_text('{"checks": {"forbid_secrets": true, "max_errors": 5}}')
    (tmp_path / "rules.json").write_text('{"forbid_secrets": false}')
    result = check(write(tmp_path, agent_run()), "--rules", "rules.json", "--format", "json")
    assert [r["rule"] for r in json.loads(result.stdout)["runs"][0]["results"]] == ["max_errors"]


def test_an_unknown_rule_key_names_the_closest_key_and_its_place(tmp_path):
    (tmp_path / "rules.json").write_text('{\n  "max_erors": 0\n}')
    result = check(write(tmp_path, agent_run()), "--rules", "rules.json")
    assert (result.exit_code, result.stderr) == (
        2, 'namel3ss-debug: error: rules.json:2:3: unknown key "max_erors" (did you mean "max_errors"?)\n')


def test_a_bad_value_in_the_workspace_section_points_at_the_entry(tmp_path):
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss/debug.json").write_text('{"checks": {\n  "max_p95": {"llm": "3s", "tool": "fast"}}}')
    result = check(write(tmp_path, agent_run()))
    assert result.exit_code == 2
    assert result.stderr.startswith('namel3ss-debug: error: .namel3ss/debug.json:2:28: max_p95: "fast" is not a '
                                    "duration")


def test_other_commands_ignore_the_checks_section(tmp_path):
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss/debug.json").write_text('{"checks": {"no_such_rule": 1}}')
    result = CliRunner().invoke(cli, ["analyze", write(tmp_path, agent_run())], catch_exceptions=False)
    assert result.exit_code == 0 and "checks" not in result.stderr


def test_a_rules_file_with_invalid_json_is_a_usage_error_with_its_position(tmp_path):
    (tmp_path / "rules.json").write_text('{"max_errors": 0,}')
    result = check(write(tmp_path, agent_run()), "--rules", "rules.json")
    assert result.exit_code == 2 and result.stderr.startswith("namel3ss-debug: error: rules.json:1:18: invalid JSON")


# ---------------------------------------------------------------- formats


def test_json_has_the_schema_and_for_each_rule_limit_value_and_events(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "late"))
    result = check(write(tmp_path, trace), "--max-errors", "0", "--format", "json")
    report = json.loads(result.stdout)
    (rule,) = report["runs"][0]["results"]
    assert (report["schema"], report["passed"], report["failed"]) == ("namel3ss-debug/check/v1", False, 1)
    assert (rule["limit_number"], rule["value_number"], rule["passed"]) == (0, 1, False)
    assert rule["events"] == [{"run_id": trace.run_id, "seq": seq_of(trace, "tool_call_end", "search"),
                               "where": f"{tmp_path}/run.jsonl:{seq_of(trace, 'tool_call_end', 'search') + 1}",
                               "event_type": "tool_call_end", "component": "tool", "name": "search",
                               "detail": "TimeoutError: late"}]
    assert result.stderr == ""


def test_junit_has_a_testsuite_per_run_and_a_testcase_per_rule(tmp_path):
    write(tmp_path, agent_run(tool_error=error("TimeoutError", "late"), run_id="run-a"), "a.jsonl")
    write(tmp_path, agent_run(run_id="run-b"), "b.jsonl")
    result = check("a.jsonl", "b.jsonl", "--max-errors", "0", "--max-llm-calls", "5", "--junit", "out.xml")
    root = ET.parse(tmp_path / "out.xml").getroot()
    assert result.exit_code == 1
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "4", "1")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("namel3ss-debug check run-a", "2", "1"), ("namel3ss-debug check run-b", "2", "0")]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == ["max_errors", "max_llm_calls"]
    failure = cases[0].find("failure")
    assert failure.get("type") == "max_errors" and failure.get("message").startswith("max_errors: FAILED: 1 error")
    assert "limit: 0\nvalue: 1 error (1 handled, 0 unhandled)\nevent: seq" in failure.text
    assert cases[1].find("failure") is None and suites[1].find("testcase/failure") is None


def test_junit_stays_valid_xml_when_trace_text_holds_control_characters(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "bad \x1b[31m\x00 bytes\ufffe"))
    check(write(tmp_path, trace), "--max-errors", "0", "--junit", "out.xml")
    failure = ET.parse(tmp_path / "out.xml").getroot().find("testsuite/testcase/failure")
    assert "bad \\x1b[31m\\x00 bytes\\ufffe" in failure.get("message")


def test_github_format_writes_escaped_annotations_and_a_notice(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "100% late,\nreally: \x1b[2J"))
    result = check(write(tmp_path, trace), "--max-errors", "0", "--max-tokens", "99999", "--format", "github")
    seq = seq_of(trace, "tool_call_end", "search")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and len(lines) == 2
    assert lines[0].startswith(f"::error file=run.jsonl,line={seq + 1},title=namel3ss-debug check%3A "
                               "max_errors::max_errors: FAILED: 1 error (1 handled, 0 unhandled) (limit 0)")
    assert "(TimeoutError: 100%25 late,%0Areally: \\x1b[2J)" in lines[0]
    assert lines[1] == "::notice title=namel3ss-debug check::1 passed, 1 failed (FAILED)"


def test_table_text_from_a_trace_cannot_inject_markup(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "[bold red]x[/] \x1b[2J"))
    result = check(write(tmp_path, trace), "--max-errors", "0")
    assert "[bold red]x[/] \\x1b[2J" in " ".join(result.stdout.split())


def test_several_runs_are_each_checked_and_one_failure_fails_the_check(tmp_path):
    traces = tmp_path / "traces"
    traces.mkdir()
    write(traces, agent_run(run_id="20261122-100000-aaaaaa"), "20261122-100000-aaaaaa.0000.jsonl")
    write(traces, agent_run(run_id="20261122-100001-bbbbbb", tool_error=error("E", "x")),
          "20261122-100001-bbbbbb.0000.jsonl")
    result = check(str(traces), "--all", "--max-errors", "0", "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [(run["run_id"], run["passed"]) for run in report["runs"]] == [
        ("20261122-100000-aaaaaa", True), ("20261122-100001-bbbbbb", False)]


def test_standard_input_is_read_once_for_figures_and_events(tmp_path):
    trace = agent_run()
    result = check("-", "--max-tool-calls", "1", "--forbid", "tool:fetch_page", input=trace.lines())
    assert result.exit_code == 1
    assert "FAIL max_tool_calls" in result.stdout and "FAIL forbid tool:fetch_page" in result.stdout


def legacy_line(event_type, event_id, at, **fields):
    """One line of the legacy namel3ss debug format (float timestamps, string errors, no `v`)."""
    return {"event_type": event_type, "event_id": event_id, "timestamp": 1_700_000_000.0 + at,
            "parent_event_id": None, "execution_id": "exec_1", "component": "app", "component_name": "demo",
            "inputs": {}, "outputs": {}, "metadata": {}, "duration_ms": None, "status": "started", "error": None,
            **fields}


def test_a_legacy_trace_is_checked_with_its_mapped_closing_events(tmp_path):
    lines = [legacy_line("app_load_start", "a", 0.0),
             legacy_line("tool_call_start", "t", 0.1, component="tool", component_name="search", parent_event_id="a"),
             legacy_line("tool_call_end", "t2", 0.3, component="tool", component_name="search", parent_event_id="t",
                         status="failed", error="tool timed out", duration_ms=200.0)]
    (tmp_path / "legacy.jsonl").write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    result = check("legacy.jsonl", "--max-errors", "0", "--max-duration", "1ms", "--format", "json")
    (errors, duration) = orjson.loads(result.stdout)["runs"][0]["results"]
    assert (result.exit_code, errors["value_number"], errors["events"][0]["where"]) == (1, 1, "legacy.jsonl:3")
    assert (duration["passed"], duration["events"][0]["event_type"]) == (False, "run_end")  # made as the file ends


# ---------------------------------------------------------------- usage errors and invalid traces


@pytest.mark.parametrize(("args", "message"), [
    (["--max-p95", "llm=fast"], "--max-p95 'llm=fast': \"fast\" is not a duration"),
    (["--max-p95", "llm"], "--max-p95 'llm': expected TARGET=VALUE"),
    (["--max-p95", "lm=3s"],
     "--max-p95 'lm=3s': 'lm' is not a component, a span kind or `error` (did you mean 'llm'?"),
    (["--max-errors", "none"],
     "--max-errors 'none': expected a whole number from 0 to 1000000000000000 (10^15), not \"none\""),
    (["--max-cost", "-1"], "--max-cost '-1': expected an amount in USD from 0 to 1000000000000"),
    (["--max-category-errors", "oops=0"], "--max-category-errors 'oops=0': 'oops' is not an error category"),
    (["--require", "tool:search>=0"],
     "--require 'tool:search>=0': 'tool:search>=0': a required count is from 1 to 1000000000000000 (10^15)"),
    (["--require-order", "llm:planner"], "--require-order 'llm:planner': an order needs at least two event specs"),
    (["--forbid", "error:nope"], "--forbid 'error:nope': error:nope: no such error category"),
    ([], "no rules to check"),
])
def test_bad_rules_are_one_line_usage_errors(tmp_path, args, message):
    result = check(write(tmp_path, agent_run()), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"namel3ss-debug: error: {message}") and result.stderr.count("\n") == 1


def test_a_missing_rules_file_is_a_usage_error(tmp_path):
    result = check(write(tmp_path, agent_run()), "--rules", "nope.json")
    assert (result.exit_code, result.stderr.splitlines()[0][:45]) == (
        2, "namel3ss-debug: error: nope.json: rules file ")


def test_an_invalid_trace_exits_3(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"v": 1, "run_id": "r"\n')
    result = check("bad.jsonl", "--max-errors", "0", "--strict")
    assert result.exit_code == 3 and result.stderr.startswith("namel3ss-debug: error: ")


def test_an_empty_trace_exits_3(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    assert check("empty.jsonl", "--max-errors", "0").exit_code == 3


def test_a_latency_target_with_no_spans_passes_with_a_warning(tmp_path):
    result = check(write(tmp_path, agent_run()), "--max-p95", "llm:planer=1s")
    assert result.exit_code == 0
    assert result.stderr == ("namel3ss-debug: warning: max_p95 llm:planer: no llm:planer span ended in this run "
                             "(did you mean llm:planner?)\n")


def test_help_explains_exit_codes_and_shows_an_example():
    result = CliRunner().invoke(cli, ["check", "--help"], terminal_width=200, catch_exceptions=False)
    assert "Exit codes: 0 every rule passed on every run, 1 a rule failed" in result.output
    assert ("namel3ss-debug check run.jsonl --max-errors 0 --max-cost 0.50 --max-p95 llm=3s --junit out.xml"
            in result.output)


def test_junit_replaces_an_old_report_whole_and_leaves_no_temporary_file(tmp_path):
    (tmp_path / "out.xml").write_text("old, not XML")
    result = check(write(tmp_path, agent_run()), "--max-errors", "0", "--junit", "out.xml")
    assert result.exit_code == 0
    assert ET.parse(tmp_path / "out.xml").getroot().get("failures") == "0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml", "run.jsonl"]


def test_a_junit_file_that_cannot_be_written_is_a_usage_error(tmp_path):
    result = check(write(tmp_path, agent_run()), "--max-errors", "0", "--junit", "no/such/dir/out.xml")
    assert result.exit_code == 2 and result.stderr.startswith("namel3ss-debug: error: --junit no/such/dir/out.xml: ")


def test_a_symlink_at_the_junit_name_is_replaced_and_its_target_never_written(tmp_path):
    (tmp_path / "target.xml").write_text("")
    (tmp_path / "link.xml").symlink_to(tmp_path / "target.xml")
    check(write(tmp_path, agent_run()), "--max-errors", "0", "--junit", "link.xml")
    assert not (tmp_path / "link.xml").is_symlink() and (tmp_path / "target.xml").read_text() == ""
    assert ET.parse(tmp_path / "link.xml").getroot().tag == "testsuites"


def test_a_junit_file_gets_the_permissions_the_umask_gives(tmp_path):
    previous = os.umask(0o022)
    try:
        check(write(tmp_path, agent_run()), "--max-errors", "0", "--junit", "out.xml")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.xml").stat().st_mode) == 0o644


def one_event_trace(tmp_path, name="run.jsonl", **fields):
    event = {"v": 1, "run_id": "r", "seq": 0, "ts": "2026-11-22T10:00:00.000000Z", "event_type": "custom_x",
             "component": "custom", "name": "n", "span_id": "a", "parent_id": None, "status": "completed", **fields}
    (tmp_path / name).write_bytes(orjson.dumps(event) + b"\n")
    return name


def test_a_secret_in_a_key_is_not_printed_by_the_path_that_finds_it(tmp_path):
    key = "sk-proj-SECRETSECRETSECRET1234567890abcd"
    result = check(one_event_trace(tmp_path, inputs={key: key}), "--forbid-secrets", "--format", "json")
    assert result.exit_code == 1 and "SECRETSECRET" not in result.output and "[REDACTED" in result.output


def test_a_newline_in_trace_text_cannot_start_a_line_of_the_table(tmp_path):
    trace = agent_run(tool_error=error("TimeoutError", "late\n::error::forged"))
    result = CliRunner().invoke(cli, ["check", write(tmp_path, trace), "--max-errors", "0"], env={"COLUMNS": "250"})
    assert "::error::forged" in result.output
    assert not any(line.lstrip().startswith("::") for line in result.output.splitlines())


def test_an_event_type_starting_with_error_is_an_event_not_an_error_spec(tmp_path):
    result = check(one_event_trace(tmp_path, event_type="error_occurred"), "--require", "error_occurred",
                   "--format", "json")
    passed = [rule["passed"] for run in orjson.loads(result.output)["runs"] for rule in run["results"]]
    assert (result.exit_code, passed) == (0, [True])
    assert check("run.jsonl", "--require-order", "error_occurred,custom").exit_code in (0, 1)  # an order of events


def test_a_line_with_an_envelope_of_the_wrong_type_is_an_invalid_line_for_forbid_secrets_too(tmp_path):
    one_event_trace(tmp_path, "bad.jsonl", event_type=5)
    good = tmp_path / "bad.jsonl"
    good.write_bytes(good.read_bytes() + orjson.dumps({**orjson.loads(good.read_bytes()), "seq": 1,
                                                       "event_type": "custom_x"}) + b"\n")
    result = check("bad.jsonl", "--forbid-secrets")
    assert (result.exit_code, "bad.jsonl:1: field `event_type`: expected str" in result.stderr) == (0, True)


def deep_event(bottom):
    deep: dict = {}
    inner = deep
    for _ in range(900):
        inner["a"] = {}
        inner = inner["a"]
    inner.update(bottom)
    return {"v": 1, "run_id": "r", "seq": 0, "ts": "2026-11-22T10:00:00.000000Z", "event_type": "custom_x",
            "component": "custom", "name": "n", "span_id": "a", "parent_id": None, "status": "completed",
            "inputs": deep}


def test_a_payload_nested_900_deep_is_looked_into_and_its_path_shown_by_its_ends(tmp_path):
    (tmp_path / "deep.jsonl").write_text(json.dumps(deep_event({"api_key": "hunter2hunter2"})) + "\n")
    result = check("deep.jsonl", "--forbid-secrets")
    found = "secret-looking text in inputs.a.a.a.a.a ... (902 parts) ... a.a.a.a.a.api_key: a sensitive key"
    assert (result.exit_code, found in failed_line(result, "forbid_secrets")) == (1, True)


def test_a_deep_payload_whose_line_the_pre_scan_clears_passes(tmp_path):
    (tmp_path / "deep.jsonl").write_text(json.dumps(deep_event({"text": "nothing secret"})) + "\n")
    assert check("deep.jsonl", "--forbid-secrets").exit_code == 0


def test_json_figures_keep_twelve_significant_digits(tmp_path):
    result = check(write(tmp_path, agent_run(cost=0.0000123)), "--max-cost", "1", "--format", "json")
    assert '"value_number":0.0000246' in result.output.replace(" ", "") or "2.46e-05" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--max-component-errors", "tools=1"], "did you mean 'tool'?"),
    (["--max-category-errors", "Auth=0"], "did you mean 'auth'?"),
    (["--require", "tool:search>=-1"], "is not an event spec"),
    (["--max-errors", "\u0661\u0662"], "expected a whole number"),
    (["--max-duration", "\u0661\u0662s"], "is not a duration"),
])
def test_a_bad_flag_value_is_one_line_with_exit_2(tmp_path, args, message):
    result = check(write(tmp_path, agent_run()), *args)
    assert (result.exit_code, result.stderr.count("\n"), message in result.stderr) == (2, 1, True)


# ---------------------------------------------------------------- a cost that cannot be known


def streamed_run(*, priced_cost=None):
    """A call streamed without include_usage (no usage, no cost_usd), after one that cost `priced_cost`."""
    trace = TraceBuilder()
    trace.run_start()
    if priced_cost is not None:
        trace.span("llm", "planner", 100, model="m", usage={"input_tokens": 10, "output_tokens": 5},
                   cost_usd=priced_cost)
    trace.span("llm", "writer", 100, model="gpt-4o")
    trace.run_end()
    return trace


def test_max_cost_fails_when_a_call_has_no_usage_saying_why_it_cannot_judge(tmp_path):
    result = check(write(tmp_path, streamed_run()), "--max-cost", "0.000000001")
    assert result.exit_code == 1
    assert failed_line(result, "max_cost") == (
        "FAIL max_cost: cost unknown (limit $0.000000001); 1 LLM call recorded no usage, so the cost cannot "
        "be judged (a stream reports usage only when asked: stream_options={'include_usage': True}) ")


def test_max_cost_over_calls_without_usage_fails_whatever_the_limit_and_says_the_lower_bound(tmp_path):
    result = check(write(tmp_path, streamed_run(priced_cost=0.02)), "--max-cost", "100", "--format", "json")
    (rule,) = json.loads(result.stdout)["runs"][0]["results"]
    assert (result.exit_code, rule["passed"], rule["value"], rule["value_number"]) == (1, False, "at least $0.02",
                                                                                       0.02)
    assert rule["details"][0].startswith("1 LLM call recorded no usage, so the cost cannot be judged")


def test_priced_calls_over_the_limit_fail_as_such_beside_calls_without_usage(tmp_path):
    result = check(write(tmp_path, streamed_run(priced_cost=0.40)), "--max-cost", "0.10")
    line = failed_line(result, "max_cost")
    assert result.exit_code == 1
    assert line.startswith("FAIL max_cost: at least $0.40 (limit $0.10); seq 2 llm:planner (15 tokens, $0.40)")
    assert "1 LLM call recorded no usage" in line


def test_a_model_without_a_price_still_passes_as_a_lower_bound_with_a_warning(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "writer", 100, model="nobody-prices-this", usage={"input_tokens": 10, "output_tokens": 5})
    trace.run_end()
    result = check(write(tmp_path, trace), "--max-cost", "0.50", "--format", "json")
    (rule,) = json.loads(result.stdout)["runs"][0]["results"]
    assert (result.exit_code, rule["value"]) == (0, "at least $0.00")
    assert "max_cost: 1 LLM call(s) have no known price: the cost is a lower bound" in result.stderr


# --- fail_on_finding: the diagnosis's findings as a rule ------------------------------------------------------------

def test_fail_on_finding_fails_naming_the_finding_and_its_place(tmp_path):
    path = write(tmp_path, retried_tool_run())
    result = check(path, "--fail-on-finding", "retry_without_backoff", "--format", "json")
    assert result.exit_code == 1
    [rule] = json.loads(result.stdout)["runs"][0]["results"]
    assert (rule["rule"], rule["passed"], rule["value"]) == ("fail_on_finding retry_without_backoff", False,
                                                             "1 finding")
    assert rule["details"][0].startswith("retry_without_backoff (warning): tool:get_weather retried")
    assert rule["events"][0]["where"] == f"{path}:3"  # the first failed call's start, placed after the pass


def test_fail_on_finding_passes_below_its_severity_and_for_other_kinds(tmp_path):
    path = write(tmp_path, retried_tool_run())
    result = check(path, "--fail-on-finding", "retry_without_backoff:critical", "--fail-on-finding", "call_loop")
    assert result.exit_code == 0, result.output
    assert "check passed: 2 rules passed" in result.stdout


def test_fail_on_finding_any_in_the_github_view_and_a_rules_file(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text('{"fail_on_finding": ["any"]}', encoding="utf-8")
    path = write(tmp_path, retried_tool_run())
    result = check(path, "--rules", str(rules), "--format", "github")
    assert result.exit_code == 1
    assert "::error file=run.jsonl,line=3,title=namel3ss-debug check%3A fail_on_finding any::" in result.stdout


@pytest.mark.parametrize("value, words", [("retry_without_backof", "did you mean 'retry_without_backoff'"),
                                          ("call_loop:fatal", "'fatal' is not a severity")])
def test_fail_on_finding_with_a_bad_value_is_one_line_and_exit_2(tmp_path, value, words):
    result = check(write(tmp_path, retried_tool_run()), "--fail-on-finding", value)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
