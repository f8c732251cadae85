"""`check` of many runs in worker processes (`--jobs`, `ops/each_run.py`): the same report as one process gives,
with `fail_on_finding` events placed at `file:line` and `forbid_secrets` looking with the workspace's rules; the
warnings said in the runs' order; a trace with no events stops the command as in one process."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.manyruns import a_run, stops_when_one_vanishes


from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops.check import CheckRequest, check_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.ops.workers import MIN_PARALLEL

RUNS = MIN_PARALLEL + 8  # enough for worker processes
FLAGS = {"max_errors": "2", "fail_on_finding": ["tool_failing_repeatedly"], "forbid_secrets": True,
         "max_p95": ["tool=15ms"]}


def check(paths: list[Path], tmp_path: Path, jobs: int, said: list[str]):  # type: ignore[no-untyped-def]
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append)
    return check_traces(CheckRequest(TraceArgs(tuple(str(path) for path in paths)), flags=FLAGS, cache=False,
                                     jobs=jobs), env)


def test_runs_checked_in_worker_processes_are_what_one_process_gives(tmp_path: Path) -> None:
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    paths[5].write_bytes(paths[5].read_bytes() + b'{"v": 1, "torn')
    one_said: list[str] = []
    many_said: list[str] = []
    one = check(paths, tmp_path, 1, one_said)
    many = check(paths, tmp_path, 2, many_said)
    assert many == one and many_said == one_said and any("incomplete" in line for line in one_said)
    placed = [ref.where for run in one.runs for result in run.results if result.key == "fail_on_finding"
              for ref in result.events]
    assert placed and all(where and ".jsonl:" in where for where in placed)


def test_a_trace_with_no_events_stops_the_check_as_in_one_process(tmp_path: Path) -> None:
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    paths[-1].write_bytes(b"")
    for jobs in (1, 2):
        with pytest.raises(TraceError, match="no events in"):
            check(paths, tmp_path, jobs, [])


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_that_vanishes_while_the_runs_are_read_stops_the_check_as_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """A run's file removed after the runs were listed, as its reader opens it: one process's error, in a worker
    too, and no answer for the other runs."""
    stops_when_one_vanishes(monkeypatch, [a_run(tmp_path, number) for number in range(RUNS)],
                            lambda paths: check(paths, tmp_path, jobs, []))
