"""`analyze --all` of a folder holding one run the user may not read (a file of mode 000, read as a user whose
modes hold, as root under `setpriv`): the other runs are analysed, exit 0, and the one left out is named in one
warning line; a folder where no run can be read is still exit 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.privileges import unprivileged
from support.tracefactory import TraceBuilder

RUN_IDS = ("20261122-100000-aaaaaa", "20261122-100100-bbbbbb", "20261122-100200-cccccc")


@pytest.fixture
def as_user() -> list[str]:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: modes do not stop root's reads")
    return prefix


def folder_of_runs(folder: Path) -> list[Path]:
    paths = []
    for run_id in RUN_IDS:
        trace = TraceBuilder(run_id)
        trace.run_start()
        trace.span("tool", "search", 5)
        trace.run_end()
        paths.append(trace.write(folder / f"{run_id}.0000.jsonl"))
    return paths


def analyze_all(folder: Path, prefix: list[str], *jobs: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.update({"NO_COLOR": "1", "XDG_CACHE_HOME": str(folder.parent / "cache")})
    return subprocess.run([*prefix, sys.executable, "-m", "namel3ss_debug", "analyze", "--all", str(folder),
                           "--format", "json", "--no-cache", *jobs],
                          capture_output=True, text=True, env=env, timeout=300, cwd=folder.parent)


@pytest.mark.parametrize("jobs", [("--jobs", "1"), ("--jobs", "2")], ids=["one-process", "workers"])
def test_one_unreadable_run_is_left_out_in_one_line_and_the_others_are_analysed(tmp_path, as_user, jobs):
    folder = tmp_path / "traces"
    folder.mkdir()
    locked = folder_of_runs(folder)[1]
    locked.chmod(0)
    done = analyze_all(folder, as_user, *jobs)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug: warning:")]
    assert warnings == [f"namel3ss-debug: warning: cannot read {locked}: Permission denied: left out of the report, "
                        "the other runs are analysed (check its permissions (ls -ld))"]
    report = json.loads(done.stdout)
    assert [run["run_id"] for run in report["overview"]["runs"]] == [RUN_IDS[0], RUN_IDS[2]]


def test_a_folder_where_no_run_can_be_read_is_still_exit_3(tmp_path, as_user):
    folder = tmp_path / "traces"
    folder.mkdir()
    for path in folder_of_runs(folder):
        path.chmod(0)
    done = analyze_all(folder, as_user)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 3 and "Permission denied" in done.stderr.splitlines()[-1], done.stderr
