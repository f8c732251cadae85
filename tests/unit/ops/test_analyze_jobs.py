"""`analyze` of many runs in worker processes (`--jobs`, `ops/reading/batches.py`, `analysis/merge.py`): the report one
process gives, byte for byte, and the same warnings in the same order (a worker's problems said again here, as one
reader of every run would say, count and cap them); an error that stops one run's reading stops the command as in
one process; a run from standard input among many is read here; a worker that dies is one clear error."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import msgspec
import pytest
from support.manyruns import a_run, stops_when_one_vanishes

from namel3ss_debug.analysis.analyze import analyze, analyze_parts, tallied
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.model.errors import Namel3ssDebugError, TraceError
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.reading import batches
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.ops import workers
from namel3ss_debug.ops.workers import MIN_PARALLEL
from namel3ss_debug.store.problems import MAX_KEPT, ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

RUNS = MIN_PARALLEL + 8  # enough for worker processes
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "answers" / "traces"


def many(tmp_path: Path) -> list[Path]:
    """Runs with what a reader says of them: a torn last line, more invalid lines than it shows, an event type it
    does not know (in two runs: said once), spread over the runs."""
    paths = [a_run(tmp_path, number) for number in range(RUNS)]
    paths[5].write_bytes(paths[5].read_bytes() + b'{"v": 1, "torn')
    for number in (3, 9, 17):
        lines = paths[number].read_bytes().splitlines(keepends=True)
        paths[number].write_bytes(b"".join(lines[:2] + [b"not json\n"] * (MAX_KEPT // 2) + lines[2:]))
    for number in (11, 12):
        text = paths[number].read_text().replace('"event_type": "agent_execution_end"',
                                                 '"event_type": "agent_holiday"', 1)
        paths[number].write_text(text.replace('"event_type":"agent_execution_end"', '"event_type":"agent_holiday"', 1))
    return paths


def analysed(paths: list[Path], tmp_path: Path, jobs: int, said: list[str], strict: bool = False,
             stdin: bytes | None = None) -> bytes:
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append,
                      stdin=io.BytesIO(stdin) if stdin is not None else None)
    request = AnalyzeRequest(TraceArgs(tuple(str(path) for path in paths), strict=strict), cache=False, jobs=jobs)
    return msgspec.json.encode(analyze_traces(request, env))


def test_runs_tallied_in_worker_processes_are_the_report_one_process_gives(tmp_path: Path) -> None:
    paths = many(tmp_path)
    one_said: list[str] = []
    many_said: list[str] = []
    one = analysed(paths, tmp_path, 1, one_said)
    assert analysed(paths, tmp_path, 2, many_said) == one and many_said == one_said
    assert any("incomplete" in line for line in one_said) and any("more invalid lines" in line for line in one_said)
    assert sum("agent_holiday" in line for line in one_said) == 1
    integrity = msgspec.json.decode(one)["integrity"]
    assert integrity["invalid_lines"] == 3 * (MAX_KEPT // 2) and integrity["torn_lines"] == 1


def test_an_empty_file_among_them_is_said_so_whatever_the_files_before_it_held(tmp_path: Path) -> None:
    """Whichever worker reads it, after files with invalid lines or not: a warning, in one process too."""
    paths = many(tmp_path)
    paths[-1].write_bytes(b"")
    said: dict[int, list[str]] = {1: [], 2: []}
    assert analysed(paths, tmp_path, 1, said[1]) == analysed(paths, tmp_path, 2, said[2]) and said[1] == said[2]
    assert f"{paths[-1]}: empty file, no events" in said[1]


def test_an_error_that_stops_a_runs_reading_stops_the_command_as_in_one_process(tmp_path: Path) -> None:
    paths = many(tmp_path)
    paths[-1].write_bytes(b"no event here\n")
    said: dict[int, list[str]] = {1: [], 2: []}
    raised: dict[int, str] = {}
    for jobs in (1, 2):
        with pytest.raises(TraceError) as error:
            analysed(paths, tmp_path, jobs, said[jobs])
        raised[jobs] = str(error.value)
    assert raised[1] == raised[2] and "run-23.jsonl: not a trace" in raised[1] and said[1] == said[2]
    for jobs in (1, 2):
        with pytest.raises(TraceError) as error:
            analysed(many(tmp_path), tmp_path, jobs, said[jobs], strict=True)
        raised[jobs] = str(error.value)
    assert raised[1] == raised[2] and "run-03.jsonl:3" in raised[1] and said[1] == said[2]


def test_a_run_from_standard_input_among_many_is_read_here_and_the_report_is_the_same(tmp_path: Path) -> None:
    paths = many(tmp_path)
    (tmp_path / "piped").mkdir()
    piped = a_run(tmp_path / "piped", 99).read_bytes()
    one = analysed([*paths, Path("-")], tmp_path, 1, [], stdin=piped)
    assert analysed([*paths, Path("-")], tmp_path, 2, [], stdin=piped) == one


def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def dies(runs, **kwargs):  # type: ignore[no-untyped-def]  # the workers are forked: they see this one
        os._exit(9)

    monkeypatch.setattr(batches, "tallied", dies)
    # forked whatever threads this test process runs (another test's server), so the workers see `dies`
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    with pytest.raises(Namel3ssDebugError, match=f"a worker process stopped while reading {RUNS} runs in 2 processes"):
        analysed(many(tmp_path), tmp_path, 2, [])


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_that_vanishes_while_the_runs_are_read_is_one_clear_error_and_no_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """A run's file removed after the runs were listed, as its reader opens it: the error one process gives, in a
    worker too, and no report of the other runs."""
    stops_when_one_vanishes(monkeypatch, many(tmp_path), lambda paths: analysed(paths, tmp_path, jobs, []))


def _report(groups: list[list]) -> bytes:  # type: ignore[type-arg]
    """The report of the sources tallied apart, a group each, and merged (or of one group read whole)."""
    def fed(sources):  # type: ignore[no-untyped-def]
        reader = TraceReader(ReadProblems())
        return [(source, reader.records(source)) for source in sources]

    def options() -> Options:  # thresholds low enough for slow and blocking spans in these runs
        return Options(slow_threshold_ms=5.0, block_threshold_ms=20.0, top=25)

    if len(groups) == 1:
        return msgspec.json.encode(analyze(fed(groups[0]), pricer=Pricer(), options=options()))
    return msgspec.json.encode(analyze_parts([tallied(fed(group), pricer=Pricer(), options=options())
                                              for group in groups], pricer=Pricer(), options=options()))


@pytest.mark.parametrize("seed", range(8))
def test_runs_tallied_apart_at_random_places_merge_into_the_report_of_one_pass(tmp_path: Path, seed: int) -> None:
    """The golden traces (runs of every figure analyze keeps, odd ones: another run's events, seqs out of order,
    orphans) and many small runs, cut into groups at random places."""
    paths = sorted(GOLDEN.glob("*.jsonl")) + [a_run(tmp_path, number) for number in range(12)]
    rng = random.Random(seed)
    rng.shuffle(paths)
    sources = resolve_sources([str(path) for path in paths])
    cuts = sorted(rng.sample(range(1, len(sources)), rng.randint(1, len(sources) - 1)))
    groups = [sources[start:end] for start, end in zip([0, *cuts], [*cuts, len(sources)])]
    one = _report([sources])
    assert _report(groups) == one
    report = msgspec.json.decode(one)
    assert report["slow"]["top"] and report["anomalies"]["items"] and report["errors"]["by_type"]
    assert report["patterns"]["repeated_calls"] and report["findings"]["findings"]

