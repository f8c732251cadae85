"""The rerun report compares what each tool that ran again returned with what its recorded twin returned.

A small app asks a traced model (answered from the recording) and calls a traced tool that reads a file;
`--live-tools` runs the tool's body again. Changing the file between the recording and the rerun makes the
tool return something else, which the report shows beside the recorded result.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

APP = '''
import pathlib
from namel3ss_debug import trace_llm_call, trace_tool_call

@trace_llm_call(name="planner")
def plan(question):
    return "look up the weather in " + question

@trace_tool_call(name="weather")
def weather(city):
    return {"city": city, "forecast": pathlib.Path("forecast.txt").read_text()}

print(plan("Paris"), weather("Paris"))
'''


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1"})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def recorded(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "forecast.txt").write_text("sunny")
    done = command("trace", "-q", "-o", "traces", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return next((tmp_path / "traces").glob("*.jsonl"))


def result(forecast: str) -> dict:
    return {"status": "completed", "outputs": {"return": {"city": "Paris", "forecast": forecast}}}


def test_a_tool_that_ran_again_and_returned_something_else_is_shown_beside_its_recording(tmp_path):
    trace = recorded(tmp_path)
    (tmp_path / "forecast.txt").write_text("heat wave")
    done = command("replay", str(trace), "--rerun", "--live-tools", "-o", "new", cwd=tmp_path)
    lines = done.stdout.splitlines()
    at = lines.index("ran again     tool:weather#1: returned something else")
    assert lines[at + 1] == f"                recorded: {result('sunny')!r}"
    assert lines[at + 2] == f"                rerun:    {result('heat wave')!r}"
    as_json = command("replay", str(trace), "--rerun", "--live-tools", "-o", "new", "--format", "json", cwd=tmp_path)
    assert orjson.loads(as_json.stdout)["ran_again"] == [
        {"key": "tool:weather#1", "same": False, "recorded": result("sunny"), "rerun": result("heat wave")}]


def test_a_tool_that_ran_again_and_returned_the_same_says_so_in_one_line(tmp_path):
    trace = recorded(tmp_path)
    done = command("replay", str(trace), "--rerun", "--live-tools", "-o", "new", cwd=tmp_path)
    assert "ran again     tool:weather#1: returned what the recording has" in done.stdout.splitlines()
    assert "recorded: {" not in done.stdout
