"""Off a terminal (a pipe, a file, a CI log) no line of text or JSON is wrapped, and tables are laid out `COLUMNS` wide,
or 200 columns when `COLUMNS` is unset: diff's output lines, check's FAIL line and analyze's overview stay whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.cli.main import cli
from namel3ss_debug.render.console import OFF_TERMINAL_WIDTH

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

LONG_NAME = "lookup_" + "x" * 150  # far past 80 columns and the wide default's table cells


def invoke(*args: str, columns: str | None = None) -> str:
    """The command's stdout as a pipe sees it: CliRunner's stream is not a terminal."""
    env = {"COLUMNS": columns, "NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env).output


def write_run(path: Path, run_id: str, answer: str, *, failing_tool: bool = False) -> str:
    trace = TraceBuilder(run_id)
    trace.run_start(name=f"{LONG_NAME}.py")
    agent = trace.start("agent", "researcher")
    trace.span("llm", "writer", 100.0, agent, inputs={"prompt": "write"}, outputs={"return": {"answer": answer}})
    if failing_tool:
        trace.span("tool", LONG_NAME, 20.0, agent, status="failed", error=error("KeyError", "no such city " * 12))
    trace.end(agent, 120.0)
    trace.run_end()
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in trace.events))
    return str(path)


def test_diff_keeps_each_changed_output_on_one_line(tmp_path):
    base = write_run(tmp_path / "base.jsonl", "20261122-100000-aaaaaa", "a " * 150)
    new = write_run(tmp_path / "new.jsonl", "20261122-100000-bbbbbb", "b " * 150)
    lines = invoke("diff", base, new).splitlines()
    removed = next(line for line in lines if line.lstrip().startswith("- {"))
    added = next(line for line in lines if line.lstrip().startswith("+ {"))
    assert removed.count("a ") > 50 and added.count("b ") > 50  # the JSON preview whole, not cut at 80 columns
    assert len(removed) > 100


def test_check_fail_line_stays_whole_and_its_table_is_wide(tmp_path):
    trace = write_run(tmp_path / "run.jsonl", "20261122-100000-aaaaaa", "ok", failing_tool=True)
    lines = invoke("check", trace, "--max-errors", "0").splitlines()
    fail = next(line for line in lines if line.startswith("FAIL "))
    assert fail.startswith("FAIL max_errors") and fail.endswith("run.jsonl:6") and len(fail) > OFF_TERMINAL_WIDTH
    table = [line for line in lines if line.startswith(("┃", "│", "┏", "└"))]
    assert 80 < max(map(len, table)) <= OFF_TERMINAL_WIDTH  # laid out wide, not at 80 columns


def test_analyze_overview_lines_never_break_and_tables_follow_columns(tmp_path):
    trace = write_run(tmp_path / "run.jsonl", "20261122-100000-aaaaaa", "ok", failing_tool=True)
    lines = invoke("analyze", trace, columns="100").splitlines()
    run_line = next(line for line in lines if line.startswith("run "))
    assert f"{LONG_NAME}.py" in run_line and run_line.endswith("run.jsonl")
    table = [line for line in lines if "───" in line]
    assert table and max(map(len, table)) <= 100  # COLUMNS set: tables are laid out that wide


def test_a_real_pipe_gets_the_same_whole_lines(tmp_path):
    trace = write_run(tmp_path / "run.jsonl", "20261122-100000-aaaaaa", "ok", failing_tool=True)
    env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "FORCE_COLOR")}
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "check", trace, "--max-errors", "0"],
                            capture_output=True, text=True, env={**env, "NO_COLOR": "1"}, check=False)
    assert result.returncode == 1
    fail = next(line for line in result.stdout.splitlines() if line.startswith("FAIL "))
    assert fail.endswith("run.jsonl:6") and len(fail) > OFF_TERMINAL_WIDTH


def test_inspect_keeps_each_line_of_an_events_json_whole(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "writer", 10.0, outputs={"text": "word " * 70})  # 350 characters: under the fold, past 200
    trace.run_end()
    (tmp_path / "run.jsonl").write_bytes(trace.lines())
    lines = invoke("inspect", str(tmp_path / "run.jsonl"), "--event", "2").splitlines()
    assert f'  "text": "{"word " * 70}"' in lines
