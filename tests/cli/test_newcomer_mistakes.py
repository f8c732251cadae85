"""A newcomer's mistakes get one line and a way out: a script named where a trace goes, a mistyped command,
option or choice, no TRACE and no trace directory, an `.ai` app that does not load."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import COMMANDS, cli
from namel3ss_debug.cli.suggest import Choice

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

SCRIPT = "".join(f"x{n} = {n}\n" for n in range(30))  # 30 lines, none of them JSON


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"NO_COLOR": "1"},
                              prog_name="namel3ss-debug")


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("argv", [["analyze"], ["inspect"], ["check", "--max-errors", "0"], ["replay"],
                                  ["report", "-o", "page.html"], ["diff", "app.py"]])
def test_a_script_named_as_a_trace_is_one_line_that_says_how_to_trace_it(tmp_path, argv):
    (tmp_path / "app.py").write_text(SCRIPT)
    done = invoke(*argv, "app.py")
    assert done.exit_code == 3
    assert error_lines(done.stderr) == ["namel3ss-debug: error: app.py: not a trace: no line is a JSON event "
                                        "(did you mean `namel3ss-debug trace app.py`? It runs the app and records "
                                        "a trace)"]


def test_an_ai_app_named_as_a_trace_gets_the_same_way_out(tmp_path):
    (tmp_path / "app.ai").write_text('spec is "1.0"\n\nflow "hello":\n  return "hi"\n')
    done = invoke("analyze", "app.ai")
    assert done.exit_code == 3 and "did you mean `namel3ss-debug trace app.ai`?" in done.stderr
    assert len(error_lines(done.stderr)) == 1


def test_another_file_that_is_no_trace_says_what_a_trace_is(tmp_path):
    (tmp_path / "notes.txt").write_text(SCRIPT)
    done = invoke("analyze", "notes.txt")
    assert done.exit_code == 3 and "did you mean" not in done.stderr
    assert error_lines(done.stderr) == ["namel3ss-debug: error: notes.txt: not a trace: no line is a JSON event "
                                        "(a trace is the JSON Lines file `namel3ss-debug trace` writes)"]


def test_bad_lines_before_a_traces_events_are_still_warned_about(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    (tmp_path / "run.jsonl").write_bytes(b"x = 1\ny = 2\n" + trace.lines())
    done = invoke("analyze", "run.jsonl")
    assert done.exit_code == 0
    assert [line for line in done.stderr.splitlines() if "not JSON" in line] == [
        "namel3ss-debug: warning: run.jsonl:1: not JSON (unexpected character, expected a JSON value)",
        "namel3ss-debug: warning: run.jsonl:2: not JSON (unexpected character, expected a JSON value)"]


@pytest.mark.parametrize(("argv", "guess"), [
    (["analyze", "--section", "error"], "did you mean `--section errors`?"),
    (["analyze", "--format", "jsn"], "did you mean `--format json`?"),
    (["check", "--format", "githbu"], "did you mean `--format github`?"),
    (["analyse"], "did you mean `namel3ss-debug analyze`?"),
    (["config", "shwo"], "did you mean `namel3ss-debug config show`?"),
    (["analyze", "--sectoin", "errors"], "did you mean `--section`?"),
    (["app.py"], "did you mean `namel3ss-debug trace app.py`?"),
    (["run.jsonl"], "did you mean `namel3ss-debug analyze run.jsonl`?"),
])
def test_a_mistyped_command_option_or_choice_gets_a_did_you_mean(argv, guess):
    done = invoke(*argv)
    assert done.exit_code == 2
    [line] = error_lines(done.stderr)
    assert line.startswith("namel3ss-debug: error: ") and guess in line


def test_a_word_near_nothing_gets_the_help_and_no_guess():
    done = invoke("xyzzy")
    assert done.exit_code == 2
    assert error_lines(done.stderr) == ["namel3ss-debug: error: no such command 'xyzzy' "
                                        "(see `namel3ss-debug --help`)"]


@pytest.mark.parametrize("argv", [["analyze"], ["replay", "--rerun"], ["check", "--max-errors", "0"]])
def test_no_trace_and_no_trace_directory_says_how_to_record_one(argv):
    done = invoke(*argv)
    assert done.exit_code == 2
    assert error_lines(done.stderr) == [
        "namel3ss-debug: error: no TRACE given, and no directory debug/traces to take the newest run from "
        "(record one with `namel3ss-debug trace app.py`, or name a trace file)"]


def test_every_choice_of_every_command_guesses():
    """An option with choices declared with click's own Choice would refuse a near miss with no guess."""
    ctx = click.Context(cli)
    commands = [cli.get_command(ctx, name) for name in COMMANDS]
    commands += [command for group in commands if isinstance(group, click.Group) for command in group.commands.values()]
    plain = [f"{command.name} {param.name}" for command in commands for param in command.params
             if isinstance(param.type, click.Choice) and not isinstance(param.type, Choice)]
    assert plain == []


NAMEL3SS = importlib.util.find_spec("namel3ss") is not None


@pytest.mark.skipif(not NAMEL3SS, reason="the namel3ss runtime is not installed")
@pytest.mark.parametrize(("source", "expected"), [
    (b'spec is "1.0"\n\xff\xfe flow\n', "app.ai:2:1: not UTF-8 text: byte 0xff (invalid start byte) "
                                        "(save the file as UTF-8, the encoding namel3ss reads)"),
    (b'spec is "1.0"\n\nflow "x":\n  return 1 +\n', "app.ai:4:13: does not load: Unexpected expression"),
])
def test_an_ai_app_that_does_not_load_is_one_line(tmp_path, source, expected):
    (tmp_path / "app.ai").write_bytes(source)
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-o", "traces", "app.ai"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"namel3ss-debug: error: {expected}")
    assert [line for line in done.stderr.splitlines() if not line.startswith("namel3ss-debug: warning:")] == errors
    assert list(Path(tmp_path, "traces").glob("*.jsonl"))  # the failed run is recorded, as a script's would be


def recorded_run(tmp_path: Path) -> bytes:
    """A run in debug/traces (the newest, which a lone FILE would be filled with) and its bytes."""
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    (tmp_path / "debug" / "traces").mkdir(parents=True)
    (tmp_path / "debug" / "traces" / f"{trace.run_id}.0000.jsonl").write_bytes(trace.lines())
    return trace.lines()


@pytest.mark.parametrize(("name", "content", "hint"), [
    ("run.jsonl", None, "did you mean `namel3ss-debug export run.jsonl --to perfetto run.perfetto.json`?"),
    ("app.py", b"print('hi')\n", "record it first with `namel3ss-debug trace app.py`"),
])
def test_export_does_not_write_over_a_lone_argument_that_is_not_an_export(tmp_path, name, content, hint):
    """`export run.jsonl --to perfetto` replaced the trace with the newest run's timeline."""
    before = content if content is not None else recorded_run(tmp_path)
    if content is not None:
        recorded_run(tmp_path)
    (tmp_path / name).write_bytes(before)
    done = invoke("export", name, "--to", "perfetto")
    assert done.exit_code == 2 and (tmp_path / name).read_bytes() == before
    [line] = error_lines(done.stderr)
    assert f"{name} would be written over" in line and hint in line


def test_export_replaces_an_earlier_export_of_the_same_format(tmp_path):
    recorded_run(tmp_path)
    (tmp_path / "run.perfetto.json").write_text('{"traceEvents":[]}\n')
    done = invoke("export", "run.perfetto.json", "--to", "perfetto")
    assert done.exit_code == 0
    assert (tmp_path / "run.perfetto.json").read_text().startswith('{"traceEvents":[') and "process_name" in (
        tmp_path / "run.perfetto.json").read_text()
