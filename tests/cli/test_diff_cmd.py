"""`namel3ss-debug diff BASE NEW`: formats, thresholds and exit codes, bad input, and a real pair of runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config


def diff(*args, input=None):
    return CliRunner().invoke(cli, ["diff", *args], input=input, catch_exceptions=False)


def run_events(run_id="20261122-100000-aaaaaa", *, searches=("solar",), llm_ms=100.0, tool="search",
               answer="Sunlight frees electrons."):
    b = TraceBuilder(run_id)
    b.run_start()
    agent = b.start("agent", "researcher")
    b.span("llm", "planner", llm_ms, agent, inputs={"prompt": "plan"}, outputs={"return": "plan"})
    for query in searches:
        b.span("tool", tool, 20.0, agent, inputs={"query": query}, outputs={"return": [query]})
    b.span("llm", "writer", llm_ms, agent, inputs={"prompt": "write"}, outputs={"return": answer})
    b.end(agent, 2 * llm_ms + 20.0 * len(searches))
    b.run_end()
    return b.events


def write(path, events):
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return str(path)


@pytest.fixture
def pair(tmp_path):
    """BASE: one search, LLM calls of 100 ms; NEW: a second search and LLM calls of 150 ms."""
    return (write(tmp_path / "base.jsonl", run_events()),
            write(tmp_path / "new.jsonl", run_events("20261122-110000-bbbbbb", searches=("solar", "cells"),
                                                     llm_ms=150.0)))


def test_the_table_names_the_added_call_as_the_first_divergence(pair):
    result = diff(*pair)
    assert result.exit_code == 0
    assert "first divergence: tool:search#2, call 5 of NEW: 1 call only NEW has\n" in result.output
    assert any(line.startswith(" + ") and line.split() == ["+", "tool:search#2", "seq", "6", "20", "ms"]
               for line in result.output.splitlines())


def test_the_table_shows_the_overview_and_latency_changes(pair):
    lines = diff(*pair).output.splitlines()
    assert any(line.split() == ["tool", "calls", "1", "2", "+1", "+100.0%"] for line in lines)
    assert any(line.split()[:9] == ["llm", "2", "100", "ms", "150", "ms", "+50", "ms", "+50.0%"] for line in lines)


def test_identical_runs_have_no_divergence(tmp_path):
    path = write(tmp_path / "run.jsonl", run_events())
    result = diff(path, path)
    document = orjson.loads(diff(path, path, "--format", "json").stdout)
    assert "first divergence: none" in result.output
    assert (document["calls"]["divergence"], document["calls"]["added"], document["outputs"]["changed"]) == (None, 0, 0)


def test_a_tool_that_failed_in_new_is_the_first_divergence_and_each_run_says_its_health(tmp_path):
    base = write(tmp_path / "base.jsonl", run_events())
    events = run_events("20261122-110000-bbbbbb")
    end = next(e for e in events if e["event_type"] == "tool_call_end")
    end.update(status="failed", error={"type": "KeyError", "message": "'tokyo'"}, outputs=None)
    result = diff(base, write(tmp_path / "new.jsonl", events))
    assert "first divergence: tool:search#1, call 4 of both: the same call, completed in BASE, failed in NEW\n" \
        in result.output
    assert "     health: healthy\n" in result.output
    assert "     health: degraded: completed with 1 handled error (KeyError 1)\n" in result.output
    document = orjson.loads(diff(base, str(tmp_path / "new.jsonl"), "--format", "json").stdout)
    assert (document["calls"]["divergence"]["kind"], document["base"]["outcome"], document["new"]["outcome"]) == \
        ("changed", "healthy", "degraded")


def test_json_has_the_schema_first_and_raw_numbers(pair):
    document = orjson.loads(diff(*pair, "--format", "json", "--fail-on", "p95(llm)>+20%").stdout)
    tool_calls = next(c for c in document["overview"] if c["metric"] == "tool_calls")
    assert next(iter(document)) == "schema" and document["schema"] == "namel3ss-debug/diff/v1"
    assert tool_calls == {"metric": "tool_calls", "unit": "count", "base": 1.0, "new": 2.0, "delta": 1.0,
                          "percent": 100.0}
    assert document["calls"]["divergence"]["added"][0]["key"] == "tool:search#2"
    assert (document["thresholds"][0]["change"], document["crossed"]) == (50.0, 1)


def test_json_shows_a_change_from_zero_as_a_null_percentage(tmp_path):
    base = write(tmp_path / "b.jsonl", run_events(searches=()))
    new = write(tmp_path / "n.jsonl", run_events(searches=("a",)))
    tool_calls = next(c for c in orjson.loads(diff(base, new, "--format", "json").stdout)["overview"]
                      if c["metric"] == "tool_calls")
    assert (tool_calls["delta"], tool_calls["percent"]) == (1.0, None)
    assert any(line.split() == ["tool", "calls", "0", "1", "+1", "new"] for line in diff(base, new).output.splitlines())


def test_a_crossed_threshold_exits_1_and_is_listed(pair):
    result = diff(*pair, "--fail-on", "p95(llm)>+20%", "--fail-on", "tokens>+10%")
    assert result.exit_code == 1
    assert "thresholds: 1 of 2 crossed" in result.output and "crossed  p95(llm)>+20%  +50.0%" in result.output


def test_thresholds_not_crossed_exit_0(pair):
    result = diff(*pair, "--fail-on", "p95(llm)>+80%", "--fail-on", "tool_calls>+1")
    assert (result.exit_code, "thresholds: 0 of 2 crossed" in result.output) == (0, True)


def test_a_bad_threshold_exits_2_naming_the_column(pair):
    result = diff(*pair, "--fail-on", "cost>>10%")
    assert result.exit_code == 2
    assert result.stderr.startswith("namel3ss-debug: error: --fail-on 'cost>>10%': column 6: expected a signed change")


def test_a_threshold_on_an_operation_neither_run_has_exits_2(pair):
    result = diff(*pair, "--fail-on", "p95(tool:serch)>+10%")
    assert (result.exit_code, "neither run has operation 'tool:serch'" in result.stderr) == (2, True)


def test_a_missing_trace_exits_2(pair):
    result = diff(pair[0], "nope.jsonl")
    assert (result.exit_code, "no such trace file: nope.jsonl" in result.stderr) == (2, True)


def test_an_input_holding_two_runs_exits_2(tmp_path, pair):
    both = write(tmp_path / "both.jsonl", run_events() + run_events("20261122-120000-cccccc"))
    result = diff(both, pair[1])
    assert result.exit_code == 2
    assert "BASE " in result.stderr and "holds 2 runs (20261122-100000-aaaaaa, 20261122-120000-cccccc)" in result.stderr


def test_a_trace_that_cannot_be_read_exits_3(tmp_path, pair):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert diff(pair[0], str(bad)).exit_code == 3


def test_new_can_come_from_standard_input(pair):
    result = diff(pair[0], "-", "--format", "json", input=Path(pair[1]).read_bytes())
    assert orjson.loads(result.stdout)["new"]["calls"] == 6


def test_markdown_has_tables_and_escapes_text_from_the_trace(tmp_path):
    name = "a|b `x` <script>"
    base = write(tmp_path / "b.jsonl", run_events(searches=()))
    new = write(tmp_path / "n.jsonl", run_events(searches=("q",), tool=name))
    text = diff(base, new, "--format", "markdown", "--fail-on", "tool_calls>+0").stdout
    assert text.startswith("## namel3ss-debug diff\n")
    assert "| **crossed** | tool\\_calls&gt;+0 | 0 | 1 | +1 |" in text
    assert "| tool:a\\|b \\`x\\` &lt;script&gt; | 0 | 1 | +1 | 0 |" in text
    assert "<script>" not in text and "`x`" not in text


def test_markdown_folds_changed_outputs(tmp_path):
    base = write(tmp_path / "b.jsonl", run_events(answer="Sunlight frees electrons."))
    new = write(tmp_path / "n.jsonl", run_events(answer="Sunlight frees <b>holes</b>."))
    text = diff(base, new, "--format", "markdown").stdout
    assert "<details><summary>llm:writer\\#1: BASE seq 6 completed, NEW seq 6 completed</summary>" in text
    assert "- NEW: Sunlight frees &lt;b&gt;holes&lt;/b&gt;." in text


def test_the_table_shows_trace_text_as_text(tmp_path):
    name = "[bold red]x[/]\x1b[2J"
    base = write(tmp_path / "b.jsonl", run_events(searches=()))
    new = write(tmp_path / "n.jsonl", run_events(searches=("q",), tool=name))
    output = diff(base, new).output
    assert "tool:[bold red]x[/]\\x1b[2J#1" in output and "\x1b" not in output


def test_help_explains_the_grammar_with_examples_and_exit_codes():
    text = CliRunner().invoke(cli, ["diff", "--help"], terminal_width=100).output
    assert "METRIC OP CHANGE" in text and "namel3ss-debug diff base.jsonl new.jsonl" in text
    assert "1 a --fail-on threshold" in text and "3 a trace that cannot be read" in text


# --- a real pair of runs ------------------------------------------------------------------------------

def traced(tmp_path, name, *args):
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    out = tmp_path / name
    subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(out), "research_agent.py",
                    *args], cwd=ROOT / "examples", env=env, check=True, capture_output=True)
    return str(out)


def test_diff_of_two_traced_runs_names_the_added_search_and_the_slower_llm(tmp_path):
    base = traced(tmp_path, "base")
    new = traced(tmp_path, "new", "--extra-search", "perovskite cells", "--llm-latency", "0.05")
    document = orjson.loads(diff(base, new, "--format", "json").stdout)
    divergence = document["calls"]["divergence"]
    llm = next(row for row in document["components"] if row["operation"] == "llm")
    assert (divergence["kind"], [call["operation"] for call in divergence["added"]]) == ("insert", ["tool:search"])
    assert divergence["added"][0]["key"] == "tool:search#5"
    assert llm["p95_ms"]["delta"] > 0
    assert diff(base, new, "--fail-on", "p95(llm)>+20%").exit_code == 1
    assert diff(base, new, "--fail-on", "p95(llm)>+100000%", "--fail-on", "tool_calls>+1").exit_code == 0


def test_context_sets_how_many_calls_are_shown_around_the_divergence(pair):
    divergence = orjson.loads(diff(*pair, "--format", "json", "--context", "1").stdout)["calls"]["divergence"]
    assert ([c["key"] for c in divergence["before_new"]], [c["key"] for c in divergence["after_new"]]) == (
        ["tool:search#1"], ["llm:writer#1"])


def test_a_changed_output_is_shown_whether_it_is_read_again_from_its_file_or_kept(tmp_path):
    base = write(tmp_path / "b.jsonl", run_events(answer="Sunlight frees electrons."))
    new = write(tmp_path / "n.jsonl", run_events(answer="Sunlight frees holes."))
    from_files = orjson.loads(diff(base, new, "--format", "json").stdout)["outputs"]["items"][0]
    from_stdin = orjson.loads(diff("-", new, "--format", "json", input=Path(base).read_bytes()).stdout)
    kept = from_stdin["outputs"]["items"][0]
    assert (from_files["base_preview"], from_files["new_preview"]) == ("Sunlight frees electrons.",
                                                                       "Sunlight frees holes.")
    assert (kept["base_preview"], kept["new_preview"]) == (from_files["base_preview"], from_files["new_preview"])


def test_a_newline_in_trace_text_cannot_start_a_line_of_the_table(tmp_path):
    base = write(tmp_path / "b.jsonl", run_events(searches=()))
    new = write(tmp_path / "n.jsonl", run_events(searches=("q",), tool="x\n::error::forged"))
    output = CliRunner().invoke(cli, ["diff", base, new], env={"COLUMNS": "250"}).output
    assert "::error::forged" in output and not any(line.lstrip().startswith("::") for line in output.splitlines())


def test_a_change_written_with_non_ascii_digits_is_a_usage_error(pair):
    base, new = pair
    result = diff(base, new, "--fail-on", "cost>+\u0661\u0660%")
    assert (result.exit_code, "column 7" in result.stderr) == (2, True)


def test_a_warning_about_base_is_told(tmp_path):
    base = tmp_path / "base.jsonl"
    write(base, run_events())
    base.write_bytes(base.read_bytes() + b'{"v":1,"run_id":"torn')
    new = write(tmp_path / "new.jsonl", run_events("20261122-110000-bbbbbb"))
    result = diff(str(base), new)
    assert result.exit_code == 0 and f"base.jsonl:{len(run_events()) + 1}" in result.stderr


def test_an_error_in_base_stops_the_diff(tmp_path):
    base = tmp_path / "base.jsonl"
    base.write_text("")
    result = diff(str(base), write(tmp_path / "new.jsonl", run_events("20261122-110000-bbbbbb")))
    assert result.exit_code == 3 and "BASE " in result.stderr and "no events" in result.stderr
