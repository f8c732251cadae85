"""`diagnose` of many runs in worker processes (`--jobs`, `ops/diagnose_runs.py`): the same answer as one process
gives, byte for byte, with `--expect`, a time window and a run with a torn line among them; the warnings said in
the runs' order; a trace with no events stops the command as in one process."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.manyruns import a_run, stops_when_one_vanishes


from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops.diagnose import DiagnoseReport, DiagnoseRequest, diagnose_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.ops.workers import MIN_PARALLEL
from namel3ss_debug.render.diagnose.diagnose_json import render_diagnose_json

RUNS = MIN_PARALLEL + 8  # enough for worker processes


def env_for(tmp_path: Path, said: list[str]) -> Environment:
    return Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append)


def diagnose(paths: list[Path], tmp_path: Path, jobs: int, said: list[str], **options) -> DiagnoseReport:  # type: ignore[no-untyped-def]
    return diagnose_traces(DiagnoseRequest(TraceArgs(tuple(str(path) for path in paths)), cache=False, jobs=jobs,
                                           **options), env_for(tmp_path, said))


@pytest.mark.parametrize("options", [{}, {"expect": "contains:Lisbon", "min_severity": "warning"},
                                     {"since": "+5ms", "components": ("tool",)}], ids=["plain", "expect", "window"])
def test_runs_judged_in_worker_processes_are_what_one_process_gives(tmp_path: Path, options: dict) -> None:
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    torn = paths[RUNS // 2]
    torn.write_bytes(torn.read_bytes() + b'{"v": 1, "torn')
    one_said: list[str] = []
    many_said: list[str] = []
    one = diagnose(paths, tmp_path, 1, one_said, **options)
    many = diagnose(paths, tmp_path, 2, many_said, **options)
    assert render_diagnose_json(many) == render_diagnose_json(one)
    assert many_said == one_said and any("incomplete" in line for line in many_said)
    assert len(one.run_ids) == RUNS and one.blames


def test_a_trace_with_no_events_stops_the_command_as_in_one_process(tmp_path: Path) -> None:
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    paths[3].write_bytes(b"")
    for jobs in (1, 2):
        with pytest.raises(TraceError, match="no events in"):
            diagnose(paths, tmp_path, jobs, [])


def test_a_run_from_standard_input_among_many_is_read_here_and_the_answer_is_the_same(tmp_path: Path) -> None:
    """Only this process can read standard input (once): with it among the runs, none goes to a worker."""
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    (tmp_path / "piped").mkdir()
    piped = a_run(tmp_path / "piped", RUNS)
    answers = []
    for jobs in (1, 2):
        env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path,
                          stdin=io.BytesIO(piped.read_bytes()))
        request = DiagnoseRequest(TraceArgs((*(str(path) for path in paths), "-")), cache=False, jobs=jobs)
        answers.append(render_diagnose_json(diagnose_traces(request, env)))
    assert answers[0] == answers[1] and f"20261128-10{RUNS:04d}-abcdef".encode() in answers[0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_that_vanishes_while_the_runs_are_read_stops_the_diagnosis_as_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """A run's file removed after the runs were listed, as its reader opens it: one process's error, in a worker
    too, and no answer for the other runs."""
    stops_when_one_vanishes(monkeypatch, [a_run(tmp_path, number) for number in range(RUNS)],
                            lambda paths: diagnose(paths, tmp_path, jobs, []))
