"""`namel3ss-debug replay`: scripted sessions, breakpoint walks, JSON Lines, mocks, and every kind of bad input."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from support.replayfactory import agent_run, write_agent_run
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EVIL = "[bold red]x[/] \x1b[2J\x1b]0;pwned\x07 back\rline c1:\x9b31m"
EVIL_BYTES = (b"\x1b[2J", b"\x1b]0", b"\x07", b"\r", b"\xc2\x9b")


def replay(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["replay", *args], catch_exceptions=False, input=input,
                              env={"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})


def jsonl(output: str) -> list[dict]:
    return [orjson.loads(line) for line in output.splitlines()]


@pytest.fixture
def run_path(tmp_path) -> str:
    return str(write_agent_run(tmp_path / "run.jsonl"))


@pytest.fixture(scope="module")
def research_trace(tmp_path_factory) -> Path:
    """A real trace of examples/research_agent.py, made by `namel3ss-debug trace`."""
    directory = tmp_path_factory.mktemp("research")
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env["NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR"] = str(directory)
    subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "research_agent.py"],
                   cwd=ROOT / "examples", env=env, check=True, capture_output=True)
    return next(directory.glob("*.jsonl"))


MUST_SHOW = ['b tool:search#2', 'c', 'where', 'p outputs', 'n', 'finish', 'back', 'goto 0',
             'mock llm:planner#1={"text":"X"}', 'c', 'q']


def seq_of(events: list[dict], event_type: str, name: str, nth: int = 1) -> int:
    return [e["seq"] for e in events if e["event_type"] == event_type and e["name"] == name][nth - 1]


# --- the research agent, scripted on stdin ---------------------------------------------------------

def test_the_research_agent_session_stops_where_its_trace_says(research_trace):
    events = [orjson.loads(line) for line in research_trace.read_bytes().splitlines()]
    search = seq_of(events, "tool_call_start", "search", 2)
    search_end = seq_of(events, "tool_call_end", "search", 2)
    turn_end = next(e["seq"] for e in events if e["event_type"] == "agent_turn_end" and e["seq"] > search_end)
    planner_end = seq_of(events, "llm_call_end", "planner")
    result = replay(str(research_trace), "--step", "--format", "json", input="\n".join(MUST_SHOW) + "\n")
    records = jsonl(result.stdout)
    stops = [(r["reason"], r["seq"]) for r in records if r["kind"] == "stop"]
    assert result.exit_code == 0, result.stderr
    assert stops == [("start", 0), ("breakpoint", search), ("next", search_end), ("finish", turn_end),
                     ("back", search_end), ("goto", 0), ("breakpoint", search)]
    where = next(r for r in records if r["kind"] == "where")
    assert [f["call"] for f in where["frames"]][-2:] == ["agent:researcher#4", "tool:search#2"]
    value = next(r for r in records if r["kind"] == "value")
    assert (value["expression"], value["missing"]) == ("outputs", True)  # the second search failed
    assert (records[-1]["diverged_after"], records[0]["diverged_after"]) == (planner_end, None)


def test_the_research_agent_session_as_text_shows_the_mock(research_trace):
    result = replay(str(research_trace), "--step", input="\n".join(MUST_SHOW) + "\n")
    assert result.exit_code == 0
    assert "Mock llm:planner#1 replaces 1 event(s)" in result.stdout
    assert result.stdout.count("Breakpoint 1 (tool:search#2") == 2
    assert "recorded before the mock at seq" in result.stdout.split("(replay) mock")[1]


def test_the_mocked_call_shows_the_mocked_result(research_trace):
    script = 'mock llm:planner#1={"text":"X"}\nb llm:planner\nc\np outputs\n'
    result = replay(str(research_trace), "--step", "--format", "json", input=script)
    value = [r for r in jsonl(result.stdout) if r["kind"] == "value"][0]
    assert value["value"]["return"] == {"text": "X"}


# --- scripts --------------------------------------------------------------------------------------

def test_commands_come_from_a_file(run_path, tmp_path):
    script = tmp_path / "session.txt"
    script.write_text("b errors\nc\np error.type\n")
    result = replay(run_path, "--commands", str(script), "--format", "json")
    assert [r.get("value") for r in jsonl(result.stdout) if r["kind"] == "value"] == ["TimeoutError"]


def test_commands_dash_reads_standard_input(run_path):
    result = replay(run_path, "--commands", "-", "--format", "json", input="goto 4\np usage.total_tokens\n")
    assert jsonl(result.stdout)[-1]["value"] == 35


def test_a_mistake_in_a_script_is_reported_the_session_goes_on_and_exits_1(run_path):
    result = replay(run_path, "--step", input="b llm if duration_ms >\nb llm\nc\n")
    assert result.exit_code == 1
    assert "*** column 23: expected a value after '>'" in result.stdout
    assert "b llm if duration_ms >\n                      ^" in result.stdout
    assert "Breakpoint 1 (llm, hit 1)" in result.stdout


def test_python_in_a_condition_is_rejected_and_nothing_runs(run_path, tmp_path):
    marker = tmp_path / "pwned"
    script = f'b llm if __import__("os").system("touch {marker}")\nc\n'
    result = replay(run_path, "--step", input=script)
    assert (result.exit_code, marker.exists(), "names starting with __ are not fields" in result.stdout) == (
        1, False, True)


def test_a_script_that_cannot_be_read_is_a_usage_error(run_path, tmp_path):
    result = replay(run_path, "--commands", str(tmp_path / "missing.txt"))
    assert (result.exit_code, "cannot read commands from" in result.stderr) == (2, True)


def test_standard_input_cannot_hold_both_the_trace_and_the_commands(run_path):
    result = replay("-", "--step", input=Path(run_path).read_bytes())
    assert (result.exit_code, "standard input holds the trace" in result.stderr) == (2, True)


# --- without commands: breakpoint to breakpoint, or the timeline ------------------------------------

def test_without_commands_each_breakpoint_stop_is_shown_then_the_end(run_path):
    result = replay(run_path, "--break", "tool:search", "-b", "errors", "--format", "json")
    assert [(r["reason"], r["seq"]) for r in jsonl(result.stdout)] == [
        ("breakpoint", 7), ("breakpoint", 10), ("breakpoint", 11), ("breakpoint", 13), ("end", 19)]


def test_without_breakpoints_the_timeline_lists_every_event(run_path):
    result = replay(run_path)
    rows = [line for line in result.stdout.splitlines() if line.strip()]
    assert (result.exit_code, len(rows)) == (0, 20)
    assert "tool:search#2  tool_call_end  failed  2.00s" in rows[11]


def test_without_breakpoints_json_has_a_stop_for_every_event(run_path):
    records = jsonl(replay(run_path, "--format", "json").stdout)
    assert [r["seq"] for r in records] == list(range(20))
    assert all(r["schema"] == "namel3ss-debug/replay/v1" for r in records)


def test_a_stop_record_carries_the_event_its_call_end_and_its_ancestry(run_path):
    record = jsonl(replay(run_path, "-b", "tool:search#2", "--format", "json").stdout)[0]
    assert record["event"]["inputs"] == {"query": "b"}
    assert record["call_end"]["error"]["type"] == "TimeoutError"
    assert [f["call"] for f in record["ancestry"]] == ["app:app.py#1", "agent:researcher#1", "agent:researcher#3"]
    assert record["breakpoints"][0]["spec"] == "tool:search#2" and record["where"].endswith("run.jsonl:11")


def test_mocks_from_options_and_files_mark_the_stops(run_path, tmp_path):
    (tmp_path / "mocks.json").write_text('{"tool:search#1": ["mocked"]}')
    result = replay(run_path, "-b", "llm", "--mock-file", str(tmp_path / "mocks.json"),
                    "--mock", 'llm:writer={"text": "no"}', "--format", "json")
    planner, writer, end = jsonl(result.stdout)
    assert (planner["diverged_after"], writer["diverged_after"], writer["mocked"]) == (None, 8, "llm:writer")
    assert writer["call_end"]["outputs"] == {"return": {"text": "no"}}


def test_a_mock_option_wins_over_a_mock_file_for_the_same_key(run_path, tmp_path):
    (tmp_path / "mocks.json").write_text('{"llm:planner#1": "from the file"}')
    result = replay(run_path, "-b", "llm:planner", "--mock-file", str(tmp_path / "mocks.json"),
                    "--mock", 'llm:planner#1="from the option"', "--format", "json")
    assert jsonl(result.stdout)[0]["call_end"]["outputs"]["return"] == "from the option"


# --- bad input: one line, the right exit code ------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--break", "llm if duration_ms >"], "--break 'llm if duration_ms >': column 21: expected a value after '>'"),
    (["--break", 'llm if __import__("os").system("id")'], "names starting with __ are not fields"),
    (["--break", "tool:serch"], "no recorded call matches tool:serch (nearest recorded: tool:search"),
    (["--mock", "tool:serch#1=1"], "no recorded call matches tool:serch#1; nearest recorded: tool:search"),
    (["--mock", "llm:planner#1={bad}"], "--mock llm:planner#1:1:2: not JSON"),
    (["--mock", "llm:planner#1"], "is not KEY=JSON or KEY=@FILE"),
    (["--mock-file", "nope.json"], "cannot read mock file nope.json"),
])
def test_a_bad_option_is_one_line_and_exit_2(run_path, args, message):
    result = replay(run_path, *args)
    assert (result.exit_code, result.stderr.count("\n"), message in result.stderr, result.stdout) == (2, 1, True, "")


def test_a_missing_trace_is_a_usage_error(tmp_path):
    result = replay(str(tmp_path / "nope.jsonl"))
    assert (result.exit_code, "no such trace file" in result.stderr) == (2, True)


def test_two_traces_are_a_usage_error(run_path):
    assert replay(run_path, run_path).exit_code == 2


def test_a_newer_format_version_is_an_invalid_trace(tmp_path):
    path = tmp_path / "v2.jsonl"
    path.write_bytes(orjson.dumps({**agent_run()[0], "v": 2}) + b"\n")
    result = replay(str(path))
    assert (result.exit_code, "version 2 is not supported" in result.stderr) == (3, True)


def test_a_file_that_is_not_a_trace_is_an_invalid_trace(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("hello\nworld\n")
    assert replay(str(path)).exit_code == 3


def test_a_torn_last_line_and_a_bad_line_are_warnings_with_file_and_line(tmp_path):
    lines = [orjson.dumps(e) for e in agent_run()]
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join([*lines[:5], b"{oops", *lines[5:]]) + b"\n" + b'{"v":1,"run_id":"x","se')
    result = replay(str(path), "-b", "errors", "--format", "json")
    assert result.exit_code == 0
    assert f"{path}:6" in result.stderr and f"{path}:22" in result.stderr
    assert jsonl(result.stdout)[0]["seq"] == 11


def test_strict_makes_a_bad_line_exit_3(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"{oops\n" + b"".join(orjson.dumps(e) + b"\n" for e in agent_run()))
    assert replay(str(path), "--strict").exit_code == 3


def test_no_trace_means_the_newest_run_in_the_trace_directory(tmp_path):
    directory = tmp_path / "traces"
    directory.mkdir()
    write_agent_run(directory / "20261122-100000-abcdef.0000.jsonl")
    result = replay("-b", "errors", "--format", "json", env={"NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": str(directory)})
    assert jsonl(result.stdout)[0]["seq"] == 11


def test_a_segmented_run_is_replayed_across_its_files(tmp_path):
    events = agent_run()
    (tmp_path / "R.0000.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events[:10]))
    (tmp_path / "R.0001.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events[10:]))
    record = jsonl(replay(str(tmp_path / "R.0001.jsonl"), "-b", "errors", "--format", "json").stdout)[0]
    assert (record["seq"], record["where"]) == (11, f"{tmp_path / 'R.0001.jsonl'}:2")


def test_standard_input_can_be_replayed_without_commands(run_path):
    result = replay("-", "-b", "errors", "--format", "json", input=Path(run_path).read_bytes())
    assert jsonl(result.stdout)[0]["seq"] == 11


# --- text from the trace is shown as text ----------------------------------------------------------

def evil_trace(tmp_path: Path) -> str:
    trace = TraceBuilder()
    root = trace.run_start()
    trace.span("tool", EVIL, 5, root, inputs={"q": EVIL}, outputs={"return": EVIL})
    trace.run_end()
    return str(trace.write(tmp_path / "evil.jsonl"))


@pytest.mark.parametrize("script", ["s\ns\n", "s\np inputs.q\npp outputs\nwhere\nl\nll\n", "s\ninfo\nstats\n",
                                    "mock tool:[bold red]x[/] \x1b[2J=1\nb search\n"])
def test_markup_and_control_characters_from_the_trace_are_shown_as_text(tmp_path, script):
    result = CliRunner().invoke(cli, ["replay", evil_trace(tmp_path), "--step"], input=script,
                                env={"COLUMNS": "200", "FORCE_COLOR": "1"}, catch_exceptions=False)
    output = result.stdout_bytes
    assert not any(sequence in output for sequence in EVIL_BYTES)
    assert b"[bold red]x[/]" in output


def test_help_explains_the_modes_and_lists_the_console_commands():
    result = CliRunner().invoke(cli, ["replay", "--help"], catch_exceptions=False)
    assert all(text in result.output for text in ("--step", "--break", "--mock-file", "--commands", "Exit codes",
                                                   "b(reak)", "tool:search#2"))


# --- details of what is shown ----------------------------------------------------------------------

def test_time_is_counted_from_run_start_not_from_an_earlier_written_segment_start(tmp_path):
    events = agent_run()
    segment = {**events[0], "event_type": "segment_start", "status": "completed", "span_id": "seg",
               "parent_id": events[0]["span_id"], "ts": "2026-11-22T10:00:00.500000Z"}
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [segment, *events]))
    records = jsonl(replay(str(path), "--format", "json").stdout)
    assert (records[0]["at_ms"], records[1]["at_ms"]) == (500.0, 0.0)


def test_a_display_of_a_missing_field_says_so_in_json(run_path):
    records = jsonl(replay(run_path, "--step", "--format", "json", input="display error\ns\n").stdout)
    assert records[-1]["displays"] == [{"expression": "error", "value": None, "missing": True}]


def test_a_breakpoint_on_the_last_event_is_shown_once(run_path):
    records = jsonl(replay(run_path, "-b", "run_end", "--format", "json").stdout)
    assert [(r["reason"], r["seq"]) for r in records] == [("breakpoint", 19)]


def test_a_file_holding_two_runs_replays_the_first_and_says_how_to_pick_another(tmp_path):
    path = tmp_path / "two.jsonl"
    other = [{**event, "run_id": "other-run"} for event in agent_run()]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [*agent_run(), *other]))
    first = replay(str(path), "-b", "@19", "--format", "json")
    second = replay(str(path), "--run", "other-run", "-b", "@19", "--format", "json")
    assert "holds 2 runs; replaying 20261122-100000-abcdef (--run ID for another: other-run)" in first.stderr
    assert [r["event"]["run_id"] for r in jsonl(first.stdout)] == ["20261122-100000-abcdef"]
    assert [r["where"] for r in jsonl(second.stdout)] == [f"{path}:40"]
    assert replay(str(path), "--run", "nope").exit_code == 2


def test_a_closed_stdout_ends_the_walk_quietly(run_path):
    process = subprocess.run(f"{sys.executable} -m namel3ss_debug replay {run_path} | head -1", shell=True,
                             capture_output=True, text=True, timeout=60)
    assert (len(process.stdout.splitlines()), "Traceback" in process.stderr) == (1, False)


# --- what an adversarial review found --------------------------------------------------------------

@pytest.mark.parametrize("command", ["goto ²", "goto ١٢", "list ²", "list 1,²", "until ²", "clear ²", "ignore 1 ²",
                                     "b @²", "b tool:search#²", "b tool:search#١"])
def test_only_ascii_digits_are_numbers(run_path, command):
    result = replay(run_path, "--step", input=f"b llm\n{command}\n")
    assert (result.exit_code, "Traceback" in result.stdout + result.stderr, "***" in result.stdout) == (1, False, True)


def test_standard_input_cannot_be_the_trace_and_the_commands_file(run_path):
    result = replay("-", "--commands", "-", input=Path(run_path).read_bytes())
    assert (result.exit_code, "standard input holds the trace" in result.stderr) == (2, True)


def test_a_seq_past_the_format_s_range_is_an_invalid_line_in_a_gzipped_trace_too(tmp_path):
    events = agent_run()
    events[5] = {**events[5], "seq": 2**63 + 5}
    path = tmp_path / "run.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(orjson.dumps(e) + b"\n" for e in events)))
    result = replay(str(path), "--format", "json")
    assert (result.exit_code, f"{path}:6" in result.stderr, len(jsonl(result.stdout))) == (0, True, 19)


def test_a_trace_with_odd_envelope_types_gives_the_same_events_plain_or_gzipped(tmp_path):
    events = agent_run()
    events[9] = {**events[9], "span_id": 9}
    lines = b"".join(orjson.dumps(e) + b"\n" for e in events)
    (tmp_path / "run.jsonl").write_bytes(lines)
    (tmp_path / "run.jsonl.gz").write_bytes(gzip.compress(lines))
    counts = [len(jsonl(replay(str(tmp_path / name), "--format", "json").stdout)) for name in ("run.jsonl",
                                                                                              "run.jsonl.gz")]
    assert counts == [19, 19]


def test_a_payload_orjson_refuses_is_still_shown_not_taken_for_a_changed_file(tmp_path):
    lines = [orjson.dumps(e) for e in agent_run()]
    lines[4] = lines[4].replace(b'"duration_ms":800', b'"duration_ms":800,"attrs":{"big":1e400,"bad":"\xff"}')
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = replay(str(path), "--step", "--format", "json", input="goto 4\np attrs.bad\n")
    assert (result.exit_code, jsonl(result.stdout)[-1]["value"]) == (0, "\ufffd")


@pytest.mark.parametrize("expression", ["'\\ud800'", "1e99999"])
def test_values_no_json_can_hold_are_parse_errors(run_path, expression):
    result = replay(run_path, "--step", "--format", "json", input=f"p {expression}\n")
    assert (result.exit_code, "Traceback" in result.stderr, "***" in result.stderr) == (1, False, True)


def test_commands_that_are_not_utf8_are_a_usage_error(run_path):
    result = replay(run_path, "--commands", "-", input=b'p "\xff"\n')
    assert (result.exit_code, "are not UTF-8 (byte 3)" in result.stderr) == (2, True)


@pytest.mark.parametrize("option", [["--mock-file", "/dev/zero"], ["--mock", "tool:search=@/dev/zero"],
                                    ["--commands", "/dev/zero"]])
def test_an_endless_file_is_refused_past_its_limit(run_path, option):
    result = replay(run_path, *option)
    assert (result.exit_code, "larger than" in result.stderr or "are over" in result.stderr) == (2, True)


def test_a_breakpoint_on_the_first_event_stops_there(run_path):
    records = jsonl(replay(run_path, "-b", "@0", "--format", "json").stdout)
    assert [(r["reason"], r["seq"], r["breakpoints"][0]["hits"] if r["breakpoints"] else 0) for r in records] == [
        ("breakpoint", 0, 1), ("end", 19, 0)]


def test_clearing_a_breakpoint_named_twice_deletes_it_once(run_path):
    result = replay(run_path, "--step", input="b llm\nclear 1 1\n")
    assert (result.exit_code, result.stdout.count("Deleted breakpoint 1")) == (0, 1)


def test_a_script_line_ends_only_at_a_newline(run_path):
    script = 'mock llm:planner#1={"text": "a\u2028b"}\ngoto 4\np outputs.return.text\n'
    result = replay(run_path, "--commands", "-", "--format", "json", input=script.encode())
    assert (result.exit_code, jsonl(result.stdout)[-1]["value"]) == (0, "a\u2028b")


def test_info_leaves_out_a_duration_the_run_end_does_not_have(tmp_path):
    events = agent_run()
    del events[-1]["duration_ms"]
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    result = replay(str(path), "--step", input="info\n")
    assert "ended     completed\n" in result.stdout and "None" not in result.stdout


def test_a_second_replay_takes_the_timeline_from_the_cache_and_shows_the_same(tmp_path, run_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = "b tool\nc\nwhere\nc\nq\n"
    first = replay(run_path, "--format", "json", "--step", input=script, env=env)
    kept = list((tmp_path / "cache" / "namel3ss-debug" / "results").iterdir())
    again = replay(run_path, "--format", "json", "--step", input=script, env=env)
    plain = replay(run_path, "--format", "json", "--step", "--no-cache", input=script, env=env)
    assert (first.exit_code, again.exit_code, plain.exit_code) == (0, 0, 0)
    assert len(kept) == 1 and first.output == again.output == plain.output
    assert first.output.count('"kind":"stop"') >= 2
