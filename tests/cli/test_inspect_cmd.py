"""`namel3ss-debug inspect TRACE...`: filters, views, formats, the offset index, and traces that are not clean.

Traces are built in code (`TraceBuilder`); one test traces a real example app. Text from a trace must
reach the terminal as text: the escape tests look at the bytes written, through CliRunner and through
a real pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import tty
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.cli.main import cli
from namel3ss_debug.store.index import index_path
from namel3ss_debug.store.reader import TraceReader

ROOT = Path(__file__).resolve().parents[2]
EVIL = "[bold red]x[/] \x1b[2J\x1b]0;pwned\x07 back\rline c1:\x9b31m :smile:"
EVIL_BYTES = (b"\x1b[2J", b"\x1b]0", b"\x07", b"\r", b"\xc2\x9b")  # none of these may reach stdout raw


def research_run(output_text: str = "plan: search, then write") -> TraceBuilder:
    """run > researcher > turn > (llm planner, tool search failed, memory write, tool search); a critic after."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher", inputs={"question": "why is the sky blue?"})
    turn = trace.start("agent", "researcher", agent, kind="agent_turn")
    trace.span("llm", "planner", 30, turn, inputs={"prompt": "plan it"}, outputs={"text": output_text},
               usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}, model="fake-1")
    trace.span("tool", "search", 20, turn, status="failed", inputs={"query": "sky"},
               error={**error("TimeoutError", "search timed out", "timeout"), "stack": "Traceback ...\nTimeoutError"})
    trace.instant("memory_operation", "memory", "write", turn, inputs={"key": "notes"})
    trace.span("tool", "search", 10, turn, inputs={"query": "rayleigh"}, outputs={"return": ["Rayleigh scattering"]})
    trace.end(turn, 70)
    trace.end(agent, 75)
    critic = trace.start("agent", "critic")
    trace.span("llm", "judge", 5, critic, outputs={"text": "fine"})
    trace.end(critic, 6)
    trace.run_end()
    return trace


def write(tmp_path: Path, trace: TraceBuilder, name: str = "run.jsonl") -> str:
    return str(trace.write(tmp_path / name))


def inspect(*args: str, input: bytes | None = None, columns: int = 200):
    return CliRunner().invoke(cli, ["inspect", *args], catch_exceptions=False, input=input,
                              env={"COLUMNS": str(columns), "NO_COLOR": "1"})


def seqs_in_table(output: str) -> list[int]:
    """The seq column of the event list."""
    rows = [line.split() for line in output.splitlines()]
    return [int(row[0]) for row in rows if len(row) > 2 and row[0].isdigit() and row[1] not in ("event", "events")]


def jsonl(output: str) -> list[dict]:
    return [orjson.loads(line) for line in output.splitlines()]


@pytest.fixture
def run_path(tmp_path):
    return write(tmp_path, research_run())


# --- the event list and its filters ---------------------------------------------------------------

def test_without_options_every_event_is_listed_with_a_count(run_path):
    result = inspect(run_path)
    assert result.exit_code == 0
    assert seqs_in_table(result.stdout) == list(range(17))
    assert "17 events" in result.stdout and "search timed out" in result.stdout


@pytest.mark.parametrize("options, expected", [
    (["--component", "llm"], [3, 4, 13, 14]),
    (["--name", "sea*"], [5, 6, 8, 9]),
    (["--type", "tool_call_end"], [6, 9]),
    (["--type", "llm_call_*", "--type", "memory_*"], [3, 4, 7, 13, 14]),
    (["--status", "failed"], [6]),
    (["--errors-only"], [6]),
    (["--agent", "critic"], [12, 13, 14, 15]),
    (["--grep", "RAYLEIGH"], [8, 9]),
    (["--since", "+200ms", "--until", "+211ms"], [11, 12, 13, 14]),
    (["--component", "tool", "--status", "completed"], [9]),
])
def test_each_filter_keeps_only_the_events_it_names(run_path, options, expected):
    result = inspect(run_path, *options, "--format", "jsonl")
    assert [event["seq"] for event in jsonl(result.stdout)] == expected


def test_filters_apply_to_the_table_too(run_path):
    assert seqs_in_table(inspect(run_path, "--errors-only").stdout) == [6]


def test_limit_stops_after_n_events(run_path):
    result = inspect(run_path, "--limit", "3")
    assert seqs_in_table(result.stdout) == [0, 1, 2]
    assert "3 events (--limit reached)" in result.stdout


def test_nothing_matching_is_said_and_is_not_an_error(run_path):
    result = inspect(run_path, "--name", "nothing-like-this")
    assert (result.exit_code, result.stdout.strip()) == (0, "no events match")


def test_bad_filter_values_are_usage_errors_in_one_line(run_path):
    for options, message in ((["--status", "done"], "--status 'done' is not a status"),
                             (["--component", "llmm"], "--component 'llmm' is not a component"),
                             (["--since", "yesterday"], "--since 'yesterday': not a date and time")):
        result = inspect(run_path, *options)
        assert result.exit_code == 2 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


# --- JSON and JSON Lines ------------------------------------------------------------------------

def test_json_is_one_document_with_a_schema_and_the_events_as_written(run_path):
    result = inspect(run_path, "--format", "json", "--errors-only")
    document = orjson.loads(result.stdout)
    original = research_run().events[6]
    assert (document["schema"], document["view"], document["events"], document["count"]) == \
        ("namel3ss-debug/inspect/v1", "events", [original], 1)
    assert document["problems"]["invalid_lines"] == 0


def test_jsonl_is_one_original_event_per_line(run_path):
    assert jsonl(inspect(run_path, "--format", "jsonl").stdout) == research_run().events


@pytest.mark.parametrize("view", [["--tree"], ["--timeline"], ["--journey", "researcher"], ["--causality", "6"],
                                  ["--event", "6"], ["--span", "0000000000000004"]])
def test_every_view_has_a_json_document_with_the_schema(run_path, view):
    result = inspect(run_path, *view, "--format", "json")
    document = orjson.loads(result.stdout)
    assert (result.exit_code, document["schema"], document["view"]) == \
        (0, "namel3ss-debug/inspect/v1", view[0].lstrip("-"))


def test_json_of_the_tree_is_flat_with_depths(run_path):
    nodes = orjson.loads(inspect(run_path, "--tree", "--format", "json").stdout)["nodes"]
    assert [(n["depth"], n["name"], n["status"]) for n in nodes[:4]] == [
        (0, "app.py", "completed"), (1, "researcher", "completed"), (2, "researcher", "completed"),
        (3, "planner", "completed")]
    assert nodes[3]["tokens"] == 15 and nodes[1]["total_tokens"] == 15


def test_json_output_is_terminal_safe_yet_the_same_strings(tmp_path):
    path = write(tmp_path, research_run(EVIL))
    result = inspect(path, "--format", "jsonl", "--component", "llm")
    raw = result.stdout_bytes
    assert not any(sequence in raw for sequence in EVIL_BYTES)
    assert jsonl(result.stdout)[1]["outputs"]["text"] == EVIL


# --- one event ------------------------------------------------------------------------------------

def test_event_n_shows_the_envelope_and_the_payload_as_json(run_path):
    result = inspect(run_path, "--event", "6")
    out = result.stdout
    assert result.exit_code == 0
    assert "seq 6  tool_call search  failed  20.0ms" in out
    assert f"where        {run_path}:7" in out
    assert '"type": "TimeoutError"' in out and "stack" in out and "Traceback ..." in out


def test_event_by_span_id_shows_the_start_and_the_end(run_path):
    out = inspect(run_path, "--event", "0000000000000005").stdout
    assert "seq 5  tool_call search  started" in out and "seq 6  tool_call search  failed" in out


def test_an_event_that_is_not_there_is_a_usage_error_naming_the_range(run_path):
    result = inspect(run_path, "--event", "99")
    assert result.exit_code == 2
    assert result.stderr.startswith("namel3ss-debug: error: no event 99 in")
    assert "(the run has seq 0..16)" in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_unknown_id_is_a_usage_error(run_path):
    result = inspect(run_path, "--event", "abc")
    assert result.exit_code == 2 and "no event or span with id 'abc'" in result.stderr


def test_long_text_is_folded_unless_full(tmp_path):
    path = write(tmp_path, research_run("word " * 300))
    folded = inspect(path, "--event", "4").stdout
    assert "… (1100 more chars, --full to show)" in folded and "word " * 100 not in folded.replace("\n", "")
    full = inspect(path, "--event", "4", "--full").stdout
    assert "more chars" not in full and full.count("word") == 300


def test_event_n_uses_the_offset_index_of_a_big_trace(tmp_path, monkeypatch):
    trace = TraceBuilder()
    trace.run_start()
    for n in range(6000):
        trace.span("llm", "plan", 1, inputs={"prompt": "p" * 200, "n": n})
    trace.run_end()
    path = write(tmp_path, trace, "big.jsonl")
    assert Path(path).stat().st_size > 1 << 20
    first = inspect(path, "--event", "11000", "--format", "json")  # no index yet: read in full, index written
    assert index_path(path).exists()
    def no_full_read(self, source):
        raise AssertionError("the whole trace was read")

    monkeypatch.setattr(TraceReader, "events", no_full_read)
    second = inspect(path, "--event", "11000", "--format", "json")
    assert orjson.loads(second.stdout)["events"] == orjson.loads(first.stdout)["events"] == [trace.events[11000]]
    assert orjson.loads(second.stdout)["where"] == [f"{path}:11001"]


def test_filters_do_not_go_with_one_event(run_path):
    result = inspect(run_path, "--event", "3", "--grep", "x")
    assert result.exit_code == 2 and "--grep does not apply to --event" in result.stderr


def test_two_views_cannot_be_combined(run_path):
    result = inspect(run_path, "--tree", "--timeline")
    assert result.exit_code == 2 and "--tree and --timeline cannot be combined" in result.stderr


# --- spans, tree, timeline ----------------------------------------------------------------------

def test_span_shows_its_events_and_the_tree_under_it(run_path):
    out = inspect(run_path, "--span", "0000000000000003").stdout
    assert "seq 2  agent_turn researcher  started" in out and "seq 10  agent_turn researcher  completed" in out
    assert "└── tool_call search  completed  10.0ms  seq 8-9" in out
    assert "critic" not in out


def test_an_unknown_span_is_a_usage_error(run_path):
    result = inspect(run_path, "--span", "ffff")
    assert result.exit_code == 2 and "no span with id 'ffff'" in result.stderr


def test_tree_shows_nesting_durations_status_and_tokens(run_path):
    out = inspect(run_path, "--tree").stdout
    assert "run app.py  completed" in out
    assert "│       ├── llm_call planner  completed  30.0ms  15 tok  seq 3-4" in out
    assert "tool_call search  failed  20.0ms  seq 5-6  TimeoutError: search timed out" in out
    assert "memory_operation write  completed  seq 7" in out


def test_tree_marks_unclosed_spans(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hang")
    out = inspect(write(tmp_path, trace), "--tree").stdout
    assert "tool_call hang  unclosed  seq 1" in out


def test_tree_limit_counts_what_is_left_out(run_path):
    out = inspect(run_path, "--tree", "--limit", "2").stdout
    assert "… 7 more nodes (raise --limit to see them)" in out


def test_timeline_draws_one_row_per_span_on_the_runs_axis(run_path):
    out = inspect(run_path, "--timeline", "--component", "tool", "--component", "llm", columns=120).stdout
    rows = [line for line in out.splitlines() if "|" in line]
    assert len(rows) == 4 and all(len(line.rstrip()) <= 120 for line in out.splitlines())
    planner, search = rows[0], rows[1]
    assert planner.index("█") < search.index("█")  # search starts after the planner ends
    assert "30.0ms" in planner and "+0.000s" in planner and "+0.030s" in search


# --- journey and causality ----------------------------------------------------------------------

def test_journey_tells_one_agents_events_in_order(run_path):
    out = inspect(run_path, "--journey", "critic").stdout
    assert "journey of agent critic: 4 events" in out
    assert "  13 llm_call_start judge started" in out and "researcher" not in out


def test_an_unknown_agent_lists_the_agents_there_are(run_path):
    result = inspect(run_path, "--journey", "nobody")
    assert result.exit_code == 2 and "(agents here: researcher, critic)" in result.stderr


def test_causality_shows_what_led_up_to_an_error(run_path):
    out = inspect(run_path, "--causality", "6").stdout
    assert "what led up to 6 tool_call_end search failed" in out
    assert "inside: run app.py > agent_execution researcher > agent_turn researcher" in out
    assert "sibling    4 llm_call_end planner completed" in out and "same span  5 tool_call_start" in out


def test_causality_lookback_narrows_the_window(run_path):
    out = inspect(run_path, "--causality", "6", "--lookback", "20ms").stdout
    assert "2 related events in the 20.0ms before it" in out


def test_lookback_needs_causality(run_path):
    result = inspect(run_path, "--lookback", "5s")
    assert result.exit_code == 2 and "--lookback goes with --causality" in result.stderr


# --- text from a trace is text ------------------------------------------------------------------

def evil_run() -> TraceBuilder:
    """EVIL as an LLM output, as the names of the agent and its turn, and in a memory write's inputs."""
    trace = research_run(EVIL)
    trace.events[1]["name"] = trace.events[11]["name"] = EVIL
    trace.events[2]["name"] = trace.events[10]["name"] = EVIL
    trace.events[7]["inputs"] = {"key": EVIL}
    return trace


@pytest.mark.parametrize("view", [[], ["--event", "4"], ["--event", "7"], ["--tree"], ["--timeline"],
                                  ["--journey", EVIL], ["--causality", "6"], ["--span", "0000000000000002"]])
def test_markup_and_control_characters_from_a_trace_are_shown_literally(tmp_path, view):
    result = inspect(write(tmp_path, evil_run()), *view)
    raw = result.stdout_bytes
    assert result.exit_code == 0
    assert not any(sequence in raw for sequence in EVIL_BYTES), raw
    assert b"[bold red]x[/]" in raw
    assert b"\\x1" in raw or b"\\u001b" in raw  # the timeline cuts names short: the escape begins, at least
    if view != ["--timeline"]:
        assert b"\\x1b[2J" in raw or b"\\u001b[2J" in raw


# --- a real terminal ----------------------------------------------------------------------------

def run_in_terminal(args: list[str], env: dict[str, str], columns: int = 160, rows: int = 200) -> bytes:
    """Run the CLI with a pseudo-terminal as stdout (raw mode: bytes arrive exactly as written)."""
    leader, follower = pty.openpty()
    tty.setraw(follower)
    termios.tcsetwinsize(follower, (rows, columns))
    process = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", *args], stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            process.kill()
            raise AssertionError("no output for 30s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(30) == 0, process.stderr.read()
    return output


def terminal_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.pop("NO_COLOR", None)
    env.update({"TERM": "xterm-256color", "COLUMNS": "160", "LINES": "200", **extra})
    return env


@pytest.mark.parametrize("view", [[], ["--event", "4"], ["--tree"]])
def test_in_a_real_terminal_trace_text_cannot_drive_the_terminal(tmp_path, view):
    path = write(tmp_path, evil_run())
    output = run_in_terminal(["inspect", path, "--no-pager", *view], terminal_env())
    assert b"\x1b[" in output  # colours are on: this is a terminal
    assert not any(sequence in output for sequence in EVIL_BYTES)
    assert b"[bold red]x[/]" in output and (b"\\x1b[2J" in output or b"\\u001b[2J" in output)


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path):
    path = write(tmp_path, evil_run())
    log = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c \"import sys; open({str(log)!r}, 'wb').write(sys.stdin.buffer.read())\""
    shown = run_in_terminal(["inspect", path], terminal_env(PAGER=pager, LINES="10"), rows=10)
    paged = log.read_bytes()
    assert b"17 events" in paged and b"17 events" not in shown
    assert not any(sequence in paged for sequence in EVIL_BYTES)


def test_no_pager_keeps_long_output_out_of_the_pager(tmp_path):
    path = write(tmp_path, research_run())
    log = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c \"open({str(log)!r}, 'w').write('paged')\""
    shown = run_in_terminal(["inspect", path, "--no-pager"], terminal_env(PAGER=pager, LINES="10"), rows=10)
    assert b"17 events" in shown and not log.exists()


def test_short_output_on_a_terminal_is_not_paged(tmp_path):
    path = write(tmp_path, research_run())
    log = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c \"open({str(log)!r}, 'w').write('paged')\""
    shown = run_in_terminal(["inspect", path, "--limit", "2"], terminal_env(PAGER=pager))
    assert b"2 events" in shown and not log.exists()


# --- several runs ----------------------------------------------------------------------------------

def test_all_runs_of_a_directory_are_listed_with_a_run_column(tmp_path):
    write(tmp_path, research_run(), "20261122-100000-abcdef.0000.jsonl")
    other = TraceBuilder(run_id="20261122-110000-bbbbbb")
    other.run_start()
    other.span("tool", "only-here", 1)
    other.write(tmp_path / "20261122-110000-bbbbbb.0000.jsonl")
    newest = inspect(str(tmp_path), "--format", "jsonl")
    assert {event["run_id"] for event in jsonl(newest.stdout)} == {"20261122-110000-bbbbbb"}
    every = inspect(str(tmp_path), "--all", "--name", "only-here", "--name", "planner")
    rows = [line.split()[:2] for line in every.stdout.splitlines()[2:-1]]
    assert rows == [["abcdef", "3"], ["abcdef", "4"], ["bbbbbb", "1"], ["bbbbbb", "2"]]


def test_event_n_in_several_runs_looks_in_the_first_and_says_so(tmp_path):
    write(tmp_path, research_run(), "20261122-100000-aaaaaa.0000.jsonl")
    write(tmp_path, research_run(), "20261122-110000-bbbbbb.0000.jsonl")
    result = inspect(str(tmp_path), "--all", "--event", "3", "--format", "json")
    assert orjson.loads(result.stdout)["where"] == [str(tmp_path / "20261122-100000-aaaaaa.0000.jsonl") + ":4"]
    assert "--event 3: looking in the first of 2 runs" in result.stderr


# --- traces that are not clean ------------------------------------------------------------------

def test_a_missing_file_is_a_usage_error_in_one_line(tmp_path):
    result = inspect(str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.startswith("namel3ss-debug: error: no such trace file:")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_a_directory_without_traces_is_a_usage_error(tmp_path):
    result = inspect(str(tmp_path))
    assert result.exit_code == 2 and f"no traces in {tmp_path}" in result.stderr


def test_a_torn_last_line_is_a_warning_naming_file_and_line(tmp_path, run_path):
    with open(run_path, "ab") as handle:
        handle.write(b'{"v":1,"run_id":"x","seq":17,"ts')
    result = inspect(run_path)
    assert result.exit_code == 0 and seqs_in_table(result.stdout) == list(range(17))
    assert f"namel3ss-debug: warning: {run_path}:18: last line is incomplete" in result.stderr


def test_an_invalid_middle_line_is_skipped_with_a_warning(tmp_path):
    lines = research_run().lines().splitlines(keepends=True)
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(lines[:5]) + b"{not json\n" + b"".join(lines[5:]))
    result = inspect(str(path), "--format", "jsonl")
    assert result.exit_code == 0 and len(jsonl(result.stdout)) == 17
    assert f"namel3ss-debug: warning: {path}:6: not JSON" in result.stderr


def test_strict_makes_an_invalid_line_exit_3(tmp_path):
    lines = research_run().lines().splitlines(keepends=True)
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(lines[:5]) + b"[1, 2]\n" + b"".join(lines[5:]))
    result = inspect(str(path), "--strict")
    assert result.exit_code == 3 and f"{path}:6: not a JSON object" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_newer_schema_version_is_exit_3(tmp_path):
    trace = research_run()
    for event in trace.events:
        event["v"] = 2
    result = inspect(write(tmp_path, trace))
    assert result.exit_code == 3 and "trace format version 2 is not supported" in result.stderr


def test_binary_garbage_is_exit_3(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(bytes(range(256)) * 64)
    result = inspect(str(path))
    assert result.exit_code == 3 and "not a trace" in result.stderr and "Traceback" not in result.output


def test_an_empty_file_says_so(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    result = inspect(str(path))
    assert result.exit_code == 0
    assert f"{path}: empty file, no events" in result.stderr and result.stdout.strip() == "no events"


def test_a_line_missing_envelope_fields_is_skipped_with_a_warning(run_path):
    with open(run_path, "ab") as handle:
        handle.write(b'{"v":1,"seq":17}\n')
    result = inspect(run_path, "--format", "jsonl")
    assert len(jsonl(result.stdout)) == 17 and f"{run_path}:18: missing field `run_id`" in result.stderr


def test_fields_of_odd_types_do_not_stop_any_view(tmp_path):
    trace = research_run()
    trace.events[3].update(name=["x"], status=7, usage="many", duration_ms="slow", error="just text")
    trace.events[4].update(ts=12, parent_id={"a": 1}, inputs=None)
    path = write(tmp_path, trace)
    for view in ([], ["--tree"], ["--timeline"], ["--event", "3"], ["--journey", "researcher"],
                 ["--causality", "4"], ["--errors-only", "--since", "+1ms"]):
        assert inspect(path, *view).exit_code == 0, view


def test_standard_input_is_read(run_path):
    data = Path(run_path).read_bytes()
    result = inspect("-", "--causality", "6", "--format", "json", input=data)
    assert orjson.loads(result.stdout)["target"]["seq"] == 6


# --- a real run -----------------------------------------------------------------------------------

def test_a_traced_example_app_can_be_inspected(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env["NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "research_agent.py"],
                   cwd=ROOT / "examples", env=env, check=True, capture_output=True)
    errors = jsonl(inspect(str(tmp_path), "--errors-only", "--format", "jsonl").stdout)
    assert [(e["event_type"], e["name"], e["error"]["type"]) for e in errors] == \
        [("tool_call_end", "search", "TimeoutError")]
    tree = inspect(str(tmp_path), "--tree").stdout
    assert "agent_execution researcher  completed" in tree and "llm_call writer  completed" in tree
    causes = inspect(str(tmp_path), "--causality", str(errors[0]["seq"])).stdout
    assert "target" in causes and "same span" in causes


def test_a_pager_command_that_cannot_be_parsed_means_no_pager(tmp_path):
    path = write(tmp_path, research_run())
    shown = run_in_terminal(["inspect", path], terminal_env(PAGER='less "', LINES="10"), rows=10)
    assert b"17 events" in shown and b"Traceback" not in shown


def test_a_long_analyze_report_on_a_terminal_goes_through_the_pager(tmp_path):
    path = write(tmp_path, research_run())
    log = tmp_path / "paged.txt"
    pager = f"{sys.executable} -c \"import sys; open({str(log)!r}, 'wb').write(sys.stdin.buffer.read())\""
    shown = run_in_terminal(["analyze", path], terminal_env(PAGER=pager, LINES="10"), rows=10)
    assert b"health" in log.read_bytes() and b"health" not in shown


def test_a_lost_segment_is_a_gap_in_seq_named_where_it_shows(tmp_path):
    lines = research_run().lines().split(b"\n")
    run = "20261122-100000-abcdef"
    (tmp_path / f"{run}.0000.jsonl").write_bytes(b"\n".join(lines[:5]) + b"\n")
    (tmp_path / f"{run}.0002.jsonl").write_bytes(b"\n".join(lines[9:]))
    result = inspect(str(tmp_path), "--tree")
    assert result.exit_code == 0 and f"{run}.0002.jsonl:1: seq jumps from 4 to 9" in result.stderr


def test_unknown_types_and_odd_fields_are_said_once_with_their_place(tmp_path):
    trace = research_run()
    trace.instant("something_new", "custom", "x")
    trace.instant("something_new", "custom", "y")
    trace.events[3]["duration_ms"] = "slow"
    path = write(tmp_path, trace)
    result = inspect(path)
    assert result.stderr.count("event type 'something_new' is not one this namel3ss-debug knows") == 1
    assert f"{path}:4: ignored field(s) of the wrong type: duration_ms" in result.stderr


def test_event_n_in_a_file_of_several_runs_says_which_run_it_is(tmp_path):
    first, second = research_run(), TraceBuilder(run_id="20261122-110000-ffffff")
    second.run_start()
    for _ in range(15):
        second.span("tool", "x", 1)
    second.run_end()
    path = tmp_path / "both.jsonl"
    path.write_bytes(first.lines() + second.lines())
    result = inspect(str(path), "--event", "25")
    assert "holds more than one run; this is seq 25 of run 20261122-110000-ffffff" in result.stderr
