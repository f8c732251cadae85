"""10,000 generated runs in one index (`slow`): the listing has every run, a sample of rows holds the figures
`analyze RUN --format json` gives of each run, and a run added, grown, rotated or deleted shows at the next sync.

The runs come from `generate.write_runs` (real tracer output, written again with other ids, times and figures);
the expected figures from `analyze` itself (`ops/analyze`, its JSON view), so a row that says other than
`analyze` of its run fails here. No assertion on time: the bench (`bench/runs_index.py`) measures it.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import msgspec
import orjson
import pytest

from namel3ss_debug.analysis.run_row import RunRow
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.runs.catalogue import Catalogue, CatalogueRequest, open_catalogue
from namel3ss_debug.ops.runs.query import RunQuery
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.render.analyze.analyze_json import render_json
from runs.generate import finish_run, write_runs

pytestmark = pytest.mark.slow

RUNS = 10_000
SAMPLE = 50
SEVERITIES = ("info", "warning", "critical")


@dataclass
class Runs:
    """The directory of generated runs, its synced index, and the runs the change test touches."""

    directory: Path
    ids: list[str]
    catalogue: Catalogue
    env: Environment
    grow: str  # runs the change test writes on or deletes, left out of the sample
    rotate: str
    delete: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    directory = tmp_path_factory.mktemp("runs")
    ids = write_runs(directory, RUNS, seed=66)
    env = Environment(environ={k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")},
                      cwd=directory)
    catalogue = open_catalogue(CatalogueRequest(directory=str(directory)), env)
    grow, rotate = _unfinished(directory, ids, 2)
    yield Runs(directory, ids, catalogue, env, grow, rotate, ids[0])
    catalogue.index.close()


def _unfinished(directory: Path, ids: list[str], count: int) -> list[str]:
    """The first `count` runs of one segment that have no `run_end` yet."""
    found = []
    for run_id in ids:
        segments = sorted(directory.glob(f"{run_id}.*.jsonl"))
        if len(segments) == 1 and b'"event_type":"run_end"' not in segments[0].read_bytes():
            found.append(run_id)
        if len(found) == count:
            return found
    raise AssertionError("the generated runs hold too few unfinished ones")


def _expected(runs: Runs, run_id: str) -> dict[str, Any]:
    """The row's figures as `analyze RUN --format json` gives them of the run alone."""
    files = tuple(str(path) for path in sorted(runs.directory.glob(f"{run_id}.*.jsonl")))
    report = analyze_traces(AnalyzeRequest(TraceArgs(files), cache=False), runs.env)
    data = orjson.loads(render_json(report))
    overview, run = data["overview"], data["overview"]["runs"][0]
    findings: dict[str, str] = {}
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in data["findings"]["findings"]:
        kind, severity = finding["kind"], finding["severity"]
        counts[severity] += 1
        if SEVERITIES.index(severity) >= SEVERITIES.index(findings.get(kind, "info")):
            findings[kind] = severity
    lineage = run["rerun_of"]
    return {
        "run_id": run["run_id"], "files": [Path(file).name for file in run["files"]], "entry": run["entry"],
        "started": run["started"], "duration_ms": run["duration_ms"], "status": run["status"],
        "exit_code": run["exit_code"], "models": sorted(model["model"] for model in data["llm"]["models"]),
        "frameworks": sorted(run["frameworks"]), "tags": run["tags"], "llm_calls": overview["llm_calls"],
        "tool_calls": overview["tool_calls"], "total_tokens": overview["total_tokens"],
        "cost_usd": overview["cost_usd"], "unpriced_calls": overview["unpriced_llm_calls"],
        "errors": overview["errors"], "handled_errors": overview["handled_errors"],
        "unhandled_errors": overview["unhandled_errors"], "health": data["health"]["verdict"],
        "findings": findings, "findings_by_severity": {k: v for k, v in counts.items() if v},
        "parent": lineage and lineage["run_id"],
        "lineage": lineage and ("fork" if lineage["fork"] else "rerun"),
        "tools": {tool["name"]: [tool["calls"], tool["failures"]] for tool in data["tools"]},
        "problems": 0,
    }


def _actual(row: RunRow | None) -> dict[str, Any]:
    assert row is not None
    found = msgspec.to_builtins(row)
    found["files"] = [Path(file).name for file in found["files"]]
    found["findings_by_severity"] = {k: v for k, v in found["findings_by_severity"].items() if v}
    return found


def _assert_row(runs: Runs, run_id: str) -> None:
    expected = _expected(runs, run_id)
    actual = _actual(runs.catalogue.index.get(run_id))
    assert {key: actual[key] for key in expected} == expected, run_id


def _in_directory(directory: Path) -> set[str]:
    return {path.name.split(".", 1)[0] for path in directory.glob("*.jsonl")}


def test_the_listing_holds_every_run(runs: Runs) -> None:
    rows = runs.catalogue.index.select(RunQuery())
    assert len(rows) == RUNS
    assert {row.run_id for row in rows} == _in_directory(runs.directory)
    started = [row.started for row in rows]
    assert started == sorted(started, reverse=True)  # newest first, the default order


def test_a_sample_of_rows_holds_analyze_figures(runs: Runs) -> None:
    touched = (runs.grow, runs.rotate, runs.delete)
    sample = random.Random(66).sample([run_id for run_id in runs.ids if run_id not in touched], SAMPLE)
    shapes: dict[tuple[Any, ...], str] = {}  # and the first run of every kind the listing holds
    for row in runs.catalogue.index.select(RunQuery(sort="started", descending=False)):
        if row.run_id not in touched:
            shapes.setdefault((row.status, row.lineage, bool(row.handled_errors), len(row.files)), row.run_id)
            shapes.setdefault(("tagged", bool(row.tags)), row.run_id)
            shapes.setdefault(("framework", bool(row.frameworks)), row.run_id)
    assert {("completed", None, True, 1), ("failed", None, False, 1), ("unfinished", None, False, 1),
            ("completed", None, False, 2), ("completed", "rerun", False, 1),
            ("completed", "fork", False, 1), ("tagged", True), ("framework", True)} <= set(shapes)
    for run_id in sorted(set(sample) | set(shapes.values())):
        _assert_row(runs, run_id)


def test_reruns_and_forks_name_their_parent(runs: Runs) -> None:
    rows = [row for row in runs.catalogue.index.select(RunQuery()) if row.parent is not None]
    assert {row.lineage for row in rows} == {"rerun", "fork"}
    for row in rows[:5]:
        _assert_row(runs, row.run_id)


def test_a_run_added_grown_rotated_and_deleted_shows_at_the_next_sync(runs: Runs, tmp_path: Path) -> None:
    added = write_runs(tmp_path, 1, seed=6601)[0]
    assert added not in runs.ids
    for path in tmp_path.glob(f"{added}.*.jsonl"):
        os.replace(path, runs.directory / path.name)
    finish_run(runs.directory, runs.grow)
    finish_run(runs.directory, runs.rotate, rotate=True)
    for path in runs.directory.glob(f"{runs.delete}.*.jsonl"):
        path.unlink()

    synced = runs.catalogue.refresh()

    assert (synced.added, synced.updated, synced.removed, synced.failed) == (1, 2, 1, 0), synced
    assert runs.catalogue.index.get(runs.delete) is None
    for run_id in (added, runs.grow, runs.rotate):
        _assert_row(runs, run_id)
    assert _actual(runs.catalogue.index.get(runs.rotate))["files"] == [f"{runs.rotate}.0000.jsonl",
                                                                      f"{runs.rotate}.0001.jsonl"]
    assert len(runs.catalogue.index.select(RunQuery())) == RUNS
