"""`replay --rerun` runs what consent checked: a link or folder turned elsewhere after the check is not followed.

The race the issue measured (a link flipped every 4 ms) is made deterministic: the real command runs in a
subprocess whose consent step (`cli/questions.allow_rerun`) is wrapped so that, the moment it has judged
the app plainly the project's, the test's turn is made (a link pointed outside, a folder swapped for a
link). Code outside the project writes a mark when it runs: the mark must never appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

INSIDE = "import pathlib, sys\npathlib.Path({mark!r}).write_text('inside ran')\n"
OUTSIDE = "import pathlib\npathlib.Path({mark!r}).write_text('outside ran')\n"
CWD_APP = "import os, pathlib\npathlib.Path({mark!r}).write_text(os.getcwd())\n"

# The command line, its consent step followed by the turns in $TURN_AFTER_CONSENT (JSON: [op, args...]).
TURNED = """
import json, os, sys
import namel3ss_debug.cli.questions as questions
from namel3ss_debug.cli.main import main
judged = questions.allow_rerun
OPS = {"rename": os.rename, "symlink": os.symlink, "unlink": os.unlink}
def judged_then_turned(*args, **kwargs):
    judged(*args, **kwargs)
    for op, *paths in json.loads(os.environ["TURN_AFTER_CONSENT"]):
        OPS[op](*paths)
questions.allow_rerun = judged_then_turned
sys.argv[0] = "namel3ss-debug"
main()
"""


def environ(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    return {**env, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1", **extra}


def record(cwd: Path, *args: str) -> Path:
    """A real recording of the app, made by `trace` in `cwd`; the trace file."""
    out = cwd / "traces"
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(out), *args], cwd=cwd,
                          env=environ(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return next(out.glob("*.jsonl"))


def rerun_turning(trace: Path, project: Path, turns: list[list[str]],
                  *options: str) -> subprocess.CompletedProcess[str]:
    """`replay TRACE --rerun` in `project`, the turns made right after consent judged the app."""
    return subprocess.run([sys.executable, "-c", TURNED, "replay", str(trace), "--rerun", "-o", str(project / "new"),
                           *options],
                          cwd=project, env=environ(TURN_AFTER_CONSENT=json.dumps(turns)), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A git project, a folder outside it, and the marks code inside and outside writes."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    return {"project": project, "outside": tmp_path / "outside", "inside_mark": tmp_path / "inside.txt",
            "outside_mark": tmp_path / "outside.txt"}


def package(folder: Path, code: str) -> Path:
    write(folder / "__init__.py", "")
    write(folder / "__main__.py", code)
    return folder


def test_a_package_link_turned_outside_after_consent_still_runs_the_package_consent_saw(places):
    project, outside = places["project"], places["outside"]
    real = package(project / "realpkg", INSIDE.format(mark=str(places["inside_mark"])))
    package(outside / "pkg", OUTSIDE.format(mark=str(places["outside_mark"])))
    (project / "pkg").symlink_to(real)
    trace = record(project, "-m", "pkg")
    places["inside_mark"].unlink()
    done = rerun_turning(trace, project, [["unlink", str(project / "pkg")],
                                          ["symlink", str(outside / "pkg"), str(project / "pkg")]])
    assert not places["outside_mark"].exists(), "code outside the project ran without consent"
    assert done.returncode == 0, done.stderr
    assert places["inside_mark"].read_text() == "inside ran"


def test_the_folder_the_app_runs_in_swapped_for_a_link_after_consent_is_refused_in_one_line(places):
    project, outside = places["project"], places["outside"]
    write(project / "agents" / "agent.py", INSIDE.format(mark=str(places["inside_mark"])))
    write(outside / "agent.py", OUTSIDE.format(mark=str(places["outside_mark"])))
    trace = record(project / "agents", "-m", "agent")
    places["inside_mark"].unlink()
    agents = project / "agents"
    done = rerun_turning(trace, project, [["rename", str(agents), str(project / "agents.old")],
                                          ["symlink", str(outside), str(agents)]])
    assert not places["outside_mark"].exists(), "code outside the project ran without consent"
    assert not places["inside_mark"].exists()
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert errors == [f"namel3ss-debug: error: {agents} changed after the rerun checked it (it is no longer the file "
                      "or folder judged): not running it (something is moving links or folders in the project; "
                      "stop it, then rerun)"], done.stderr
    assert "Traceback" not in done.stderr


def test_a_scripts_folder_swapped_for_a_link_after_consent_is_refused(places):
    project, outside = places["project"], places["outside"]
    write(project / "agents" / "app.py", INSIDE.format(mark=str(places["inside_mark"])))
    write(outside / "app.py", OUTSIDE.format(mark=str(places["outside_mark"])))
    trace = record(project, "agents/app.py")
    places["inside_mark"].unlink()
    agents = project / "agents"
    done = rerun_turning(trace, project, [["rename", str(agents), str(project / "agents.old")],
                                          ["symlink", str(outside), str(agents)]])
    assert not places["outside_mark"].exists(), "code outside the project ran without consent"
    assert done.returncode == 2, done.stderr
    assert f"{agents / 'app.py'} changed after the rerun checked it" in done.stderr
    assert "Traceback" not in done.stderr


def crafted(trace: Path, **attrs: Any) -> Path:
    """The trace with its run_start's attrs changed, as anyone handing over a trace could."""
    events = [orjson.loads(line) for line in trace.read_bytes().splitlines()]
    for event in events:
        if event["event_type"] == "run_start":
            event["attrs"].update(attrs)
    path = trace.with_name("crafted.jsonl")
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


def test_a_recorded_directory_that_is_a_link_is_used_and_reported_resolved_even_when_turned(places):
    project, outside = places["project"], places["outside"]
    inside = project / "inside"
    write(inside / "app.py", CWD_APP.format(mark=str(places["inside_mark"])))
    write(outside / "app.py", OUTSIDE.format(mark=str(places["outside_mark"])))
    trace = record(inside, "app.py")
    (project / "link").symlink_to(inside)
    start = next(event for event in map(orjson.loads, trace.read_bytes().splitlines())
                 if event["event_type"] == "run_start")
    project_attrs = start["attrs"]["project"]
    trace = crafted(trace, cwd=str(project / "link"), project={**project_attrs, "cwd": "link"})
    done = rerun_turning(trace, project, [["unlink", str(project / "link")],
                                          ["symlink", str(outside), str(project / "link")]],
                         "--yes")  # the crafted trace's answers are a stranger's; the app is judged plain as before
    assert done.returncode == 0, done.stderr
    assert "not plainly this project's" not in done.stderr
    assert not places["outside_mark"].exists()
    assert places["inside_mark"].read_text() == str(inside)  # the app's os.getcwd(): the folder judged
    assert f"(in {inside})" in done.stderr and str(project / "link") not in done.stderr
