"""The generated runs the index's tests and bench read: the same for the same seed, whole and valid as `analyze`
reads them, and of every kind they promise (failed, unfinished, two segments, reruns and forks, tags)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from runs.generate import finish_run, write_runs

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def _files(directory: Path) -> dict[str, bytes]:
    """Each file's bytes, the directory's own path (`run_start`'s trace_dir, a rerun's parent) left out."""
    here = str(directory).encode()
    return {path.name: path.read_bytes().replace(here, b"DIR") for path in sorted(directory.glob("*.jsonl"))}


def test_the_same_seed_writes_the_same_runs(tmp_path: Path) -> None:
    first = write_runs(tmp_path / "a", 40, seed=3)
    assert write_runs(tmp_path / "b", 40, seed=3) == first
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert write_runs(tmp_path / "c", 40, seed=4) != first
    assert first == sorted(first)  # oldest first: ids begin with their start time


def test_the_runs_are_whole_and_of_every_kind(tmp_path: Path) -> None:
    write_runs(tmp_path, 300, seed=5)
    report = analyze_traces(AnalyzeRequest(TraceArgs((str(tmp_path),), all_runs=True), cache=False),
                            Environment(cwd=tmp_path))
    assert report.integrity is not None
    runs = report.overview.runs
    assert len(runs) == 300
    assert report.integrity.torn_lines == report.integrity.invalid_lines == report.integrity.seq_gaps == 0
    assert {run.status for run in runs} == {"completed", "failed", "unfinished"}
    assert any(len(run.files) == 2 for run in runs) and any(run.tags for run in runs)
    lineages = [run.rerun_of for run in runs if run.rerun_of is not None]
    assert any(lineage.fork is None for lineage in lineages) and any(lineage.fork for lineage in lineages)
    assert {lineage.run_id for lineage in lineages} <= {run.run_id for run in runs}


@pytest.mark.parametrize("rotate", [False, True])
def test_finish_run_ends_an_unfinished_run(tmp_path: Path, rotate: bool) -> None:
    for run_id in write_runs(tmp_path, 60, seed=6):
        segments = sorted(tmp_path.glob(f"{run_id}.*.jsonl"))
        if len(segments) == 1 and b'"run_end"' not in segments[0].read_bytes():
            break
    else:
        raise AssertionError("no unfinished run among 60")
    written = finish_run(tmp_path, run_id, rotate=rotate)
    assert written.name == f"{run_id}.{int(rotate):04d}.jsonl"
    report = analyze_traces(AnalyzeRequest(TraceArgs((str(segments[0]),)), cache=False), Environment(cwd=tmp_path))
    assert report.integrity is not None and report.integrity.ok
    assert [run.status for run in report.overview.runs] == ["completed"]
    assert len(report.overview.runs[0].files) == 1 + rotate
    last = orjson.loads(written.read_bytes().splitlines()[-1])
    assert (last["event_type"], last["attrs"]["exit_code"]) == ("run_end", 0)
