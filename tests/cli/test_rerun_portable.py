"""Recordings that travel with their repository, and reruns known as reruns.

A real example (examples/research_agent.py, offline) is traced in a temporary git repository, committed and
cloned (`git clone`) to another path; the commands run in subprocesses, from the clone, as a user runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from support.rerunhelpers import in_process

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "research_agent.py"
REPRODUCED = "reproduced: the rerun matches the recording"
TOUCH = "import pathlib\npathlib.Path({mark!r}).write_text('code ran')\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def environ() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NAMEL3SS_DEBUG_", "GIT_"))}
    return {**env, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": os.environ.get("HOME", "/")}


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=environ(),
                          capture_output=True, text=True, timeout=180)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=environ(), check=True, capture_output=True, timeout=60)


def events_of(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def write_events(path: Path, events: list[dict]) -> None:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))


def run_start(path: Path) -> dict:
    return next(event for event in events_of(path) if event["event_type"] == "run_start")


@dataclass
class Repositories:
    origin: Path  # where the example was recorded and committed (still on disk)
    clone: Path  # `git clone` of it, elsewhere
    trace: str  # the recording's path inside either, `debug/traces/R.0000.jsonl`
    run_id: str


@pytest.fixture(scope="module")
def cloned(tmp_path_factory: pytest.TempPathFactory) -> Repositories:
    base = tmp_path_factory.mktemp("portable")
    origin = base / "origin"
    (origin / "examples").mkdir(parents=True)
    shutil.copyfile(EXAMPLE, origin / "examples" / EXAMPLE.name)
    git("init", "-q", cwd=origin)
    traced = command("trace", "-q", f"examples/{EXAMPLE.name}", cwd=origin)
    assert traced.returncode == 0, traced.stderr
    trace = next((origin / "debug" / "traces").glob("*.jsonl"))
    git("add", "examples", "debug", cwd=origin)
    git("commit", "-q", "-m", "a recording", cwd=origin)
    clone = base / "elsewhere" / "clone"
    git("clone", "-q", str(origin), str(clone), cwd=base)
    return Repositories(origin.resolve(), clone.resolve(), str(trace.relative_to(origin)), trace.name.split(".")[0])


def test_run_start_records_the_entry_and_cwd_within_the_project(cloned):
    attrs = run_start(cloned.origin / cloned.trace)["attrs"]
    assert attrs["project"] == {"root": str(cloned.origin), "marker": ".git", "cwd": "."}
    assert attrs["entry"]["project_path"] == f"examples/{EXAMPLE.name}"
    assert attrs["entry"]["path"] == str(cloned.origin / "examples" / EXAMPLE.name)  # the absolute hint stays
    assert attrs["cwd"] == str(cloned.origin)


def test_a_clone_elsewhere_reruns_its_committed_recording_with_no_flag(cloned, tmp_path):
    assert (cloned.origin / "examples" / EXAMPLE.name).is_file()  # the recorded absolute path is still there
    done = command("replay", cloned.trace, "--rerun", "-o", str(tmp_path / "new"), cwd=cloned.clone)
    assert done.returncode == 0, done.stderr
    assert REPRODUCED in done.stdout
    assert f"examples/{EXAMPLE.name}  (in {cloned.clone})" in done.stderr  # the clone's app, in the clone
    assert str(cloned.origin) not in done.stderr and "warning" not in done.stderr


def test_a_rerun_from_a_folder_of_the_clone_still_runs_the_clones_app_in_its_root(cloned, tmp_path):
    folder = cloned.clone / "examples"
    done = command("replay", str(cloned.clone / cloned.trace), "--rerun", "-o", str(tmp_path / "new"), cwd=folder)
    assert done.returncode == 0, done.stderr
    assert REPRODUCED in done.stdout and f"(in {cloned.clone})" in done.stderr


def crafted(cloned: Repositories, name: str, entry: dict, project_cwd: str = ".") -> Path:
    """The clone's recording with its run_start's relative paths rewritten, as anyone handing a trace could."""
    events = events_of(cloned.clone / cloned.trace)
    for event in events:
        if event["event_type"] == "run_start":
            event["attrs"]["entry"] = entry
            event["attrs"]["project"]["cwd"] = project_cwd
    path = cloned.clone / "debug" / f"{name}.jsonl"
    write_events(path, events)
    return path


def outside_script(cloned: Repositories, mark: Path) -> Path:
    script = cloned.clone.parent / "tool.py"
    script.write_text(TOUCH.format(mark=str(mark)))
    return script


def test_a_relative_entry_that_escapes_the_project_still_asks_for_consent(cloned, tmp_path):
    mark = tmp_path / "ran.txt"
    script = outside_script(cloned, mark)
    entry = {"kind": "script", "path": str(script), "name": "tool.py", "project_path": "../tool.py"}
    done = command("replay", str(crafted(cloned, "escape", entry)), "--rerun", "-o", str(tmp_path / "new"),
                   cwd=cloned.clone)
    assert done.returncode == 2, done.stderr
    assert "not running the app this trace names, as it is not plainly this project's (" in done.stderr
    assert f"the script {script} is outside {cloned.clone}" in done.stderr and "add --yes" in done.stderr
    assert not mark.exists()


def test_a_relative_cwd_that_escapes_the_project_still_asks_for_consent(cloned, tmp_path):
    mark = tmp_path / "ran.txt"
    app = cloned.clone / "examples" / EXAMPLE.name
    entry = {"kind": "script", "path": str(app), "name": EXAMPLE.name, "project_path": f"examples/{EXAMPLE.name}"}
    done = command("replay", str(crafted(cloned, "outside-cwd", entry, project_cwd="..")), "--rerun", "-o",
                   str(tmp_path / "new"), cwd=cloned.clone)
    assert done.returncode == 2, done.stderr
    assert f"it runs in {cloned.clone.parent}, outside {cloned.clone}" in done.stderr
    assert not mark.exists()


def test_an_older_recording_without_the_relative_paths_is_resolved_as_before(cloned, tmp_path):
    """Without `project` and `project_path`, the absolute paths decide: the recorded app, still in the first
    checkout, is outside the clone, so it is refused there without --yes (as before), and runs in its own."""
    events = events_of(cloned.clone / cloned.trace)
    for event in events:
        if event["event_type"] == "run_start":
            del event["attrs"]["project"], event["attrs"]["entry"]["project_path"]
    old = cloned.clone / "debug" / "older.jsonl"
    write_events(old, events)
    refused = command("replay", str(old), "--rerun", "-o", str(tmp_path / "new"), cwd=cloned.clone)
    assert refused.returncode == 2 and f"the script {cloned.origin / 'examples' / EXAMPLE.name} is outside" \
        in refused.stderr
    # --yes: the rewritten trace's answers are a stranger's; its app is judged plain in its own checkout
    done = command("replay", str(old), "--rerun", "-o", str(tmp_path / "new"), "--yes", cwd=cloned.origin)
    assert done.returncode == 0, done.stderr
    assert REPRODUCED in done.stdout and f"(in {cloned.origin})" in done.stderr
    assert "not plainly this project's" not in done.stderr


def test_rerun_with_no_trace_picks_the_newest_run_that_is_no_rerun_and_names_it(cloned):
    first = command("replay", "--rerun", cwd=cloned.clone)  # the rerun is written into debug/traces too
    assert first.returncode == 0, first.stderr
    assert f"rerunning run {cloned.run_id} ({cloned.trace}), the newest that is not a rerun\n" in first.stderr
    runs = sorted(path.name.split(".")[0] for path in (cloned.clone / "debug" / "traces").glob("*.jsonl"))
    assert len(runs) == 2 and runs[0] == cloned.run_id  # the newest run is now the rerun
    second = command("replay", "--rerun", cwd=cloned.clone)
    assert second.returncode == 0, second.stderr
    assert f"rerunning run {cloned.run_id} ({cloned.trace}), the newest that is not a rerun, 1 newer rerun(s) " \
           "left aside" in second.stderr
    assert f"rerun of {cloned.run_id}:" in second.stderr and REPRODUCED in second.stdout
    listed = in_process("analyze", "debug/traces", "--all", "--no-cache", cwd=cloned.clone)
    assert listed.returncode == 0, listed.stderr
    lines = [line for line in listed.stdout.splitlines() if line.startswith("run          ")]  # the overview's
    assert len(lines) == 3
    assert "rerun of" not in lines[0] and lines[0].split()[1] == cloned.run_id
    assert all(f"rerun of {cloned.run_id}" in line for line in lines[1:])
    as_json = in_process("analyze", "debug/traces", "--all", "--no-cache", "--format", "json", cwd=cloned.clone)
    rows = orjson.loads(as_json.stdout)["overview"]["runs"]
    assert [row["rerun_of"] and row["rerun_of"]["run_id"] for row in rows] == [None, cloned.run_id, cloned.run_id]


def test_rerun_with_no_trace_when_every_run_is_a_rerun_says_so(tmp_path):
    traces = tmp_path / "debug" / "traces"
    traces.mkdir(parents=True)
    shutil.copyfile(EXAMPLE, tmp_path / EXAMPLE.name)
    assert command("trace", "-q", EXAMPLE.name, cwd=tmp_path).returncode == 0
    original = next(traces.glob("*.jsonl"))
    assert command("replay", "--rerun", cwd=tmp_path).returncode == 0
    original.unlink()
    done = command("replay", "--rerun", cwd=tmp_path)
    assert done.returncode == 2
    assert "no TRACE given, and every run in" in done.stderr and "is a rerun (1 of them)" in done.stderr
