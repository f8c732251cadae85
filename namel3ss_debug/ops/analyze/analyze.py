"""`analyze`'s use case: the runs named, read in one streaming pass, as a Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ...analysis.analyze import analyze as analyze_runs
from ...analysis.thresholds import Judging, thresholds_from
from ...analysis.prices import Pricer
from ...analysis.records.report import SECTIONS, Report
from ...analysis.run_state import ANOMALY_SECTIONS, FINDING_SECTIONS, Options
from ...analysis.tally import Tally
from ...analysis.window import EventWindow, parse_duration_ms
from ...config.prices import read_prices_file
from ...model.errors import TraceError
from ...store.problems import ReadProblems
from ...store.sources import RunSource
from ..cache import ResultCache, results_directory
from ..environment import ByteCount, Environment
from ..traces import (
    ReadRequest,
    make_pricer,
    make_reader,
    open_traces,
    price_data,
)
from ..workers import in_workers
from .counting import Counted
from .parts import Settings, tallied_parts as tallied_runs
from .readable import readable_runs
from .split import cut_for, read_in_parts

# The sections the `diagnose_*` keys judge: the findings, and the anomalies (`diagnose_latency_floor_ms`)
JUDGED = FINDING_SECTIONS | ANOMALY_SECTIONS


@dataclass(frozen=True)
class AnalyzeRequest(ReadRequest):
    """What to analyze and how, as `analyze --help` describes the options (durations as typed: `1s`)."""

    sections: tuple[str, ...] = ()  # none: every section
    slow_threshold: str = "1s"
    top: int = 10
    block_threshold: str = "10s"
    prices_path: Path | None = None
    cache: bool = True  # a report kept from an earlier read answers; False: nothing kept, no index sidecar
    jobs: int = 1  # worker processes for many runs at once (`parts.py`)


def analyze_traces(request: AnalyzeRequest, env: Environment) -> Report:
    """The report of the runs named. Raises UsageError for a bad option, TraceError for runs without events."""
    window = request.window()
    options = Options(slow_threshold_ms=parse_duration_ms(request.slow_threshold, "--slow-threshold"),
                      block_threshold_ms=parse_duration_ms(request.block_threshold, "--block-threshold"),
                      top=request.top)
    sources, resolved = open_traces(request.runs, env)
    if request.runs.all_runs:  # a run of the folder that cannot be opened costs its own report, not the others'
        sources = readable_runs(sources, env.warn)
    thresholds = thresholds_from(resolved.settings)
    options.judging = Judging(thresholds)  # the findings section's, from the diagnose_* keys
    file_prices = read_prices(request.prices_path)
    pricer = make_pricer(env, file_prices, resolved.settings.price_overrides)
    sections = request.sections or SECTIONS
    cache = ResultCache(results_directory(env.environ) if request.cache else None, env.warn)
    key = cache.key("analyze", sources, [list(sections), options.slow_threshold_ms, options.block_threshold_ms,
                                         options.top, window.describe(), request.runs.strict, file_prices,
                                         resolved.settings.price_overrides, price_data(env.environ),
                                         asdict(thresholds) if not JUDGED.isdisjoint(sections) else None])
    kept = cache.get(key, Report)
    if kept is not None:
        return kept
    parallel = Settings(options.slow_threshold_ms, options.block_threshold_ms, options.top, thresholds, window,
                        tuple(sections), request.runs.strict, request.cache, file_prices,
                        resolved.settings.price_overrides) if request.jobs > 1 else None
    report, problems = read_report(sources, options, window, pricer, sections, request.runs.strict, env,
                                   index=request.cache, jobs=request.jobs, parallel=parallel)
    cache.put(key, report, problems)
    return report


def read_report(sources: list[RunSource], options: Options, window: EventWindow, pricer: Pricer,
                sections: tuple[str, ...], strict: bool, env: Environment, *, index: bool = True,
                keep_tally: Callable[[Tally], None] | None = None, jobs: int = 1,
                parallel: Settings | None = None) -> tuple[Report, ReadProblems]:
    """The runs read into a report in one pass, and what the reading met;
    `index` False writes no index sidecar beside a file (--no-cache); `keep_tally` as `analysis.analyze.analyze`'s;
    with `parallel` (what a worker tallies with), many runs are tallied in `jobs` worker processes (`parts.py`), or
    one big run in parts (`split.py`).
    Raises TraceError for runs without events."""
    options = replace(options, sections=frozenset(sections))  # the pass keeps only what these sections read
    cut = cut_for(sources, parallel, jobs, env) if parallel is not None else None
    if parallel is not None and cut is not None:
        report, problems, counted = read_in_parts(sources[0], cut, options, window, pricer, sections, strict, env,
                                                  parallel, keep_tally)
        return _read(report, counted, sources), problems
    if parallel is not None and in_workers(sources, jobs):
        reader = make_reader(strict, env, write_index=index)  # its problems: the workers' said again, in order
        counted, read = Counted(reader.problems), ByteCount()
        parts = tallied_runs(sources, parallel, jobs, env, reader.problems, counted, read)
        report = analyze_runs(parts, pricer=pricer, options=options, window=window, problems=reader.problems,
                              sections=sections, bytes_read=lambda: read.done, keep_tally=keep_tally)
        return _read(report, counted, sources), reader.problems
    progress = env.progress(sources)
    reader = make_reader(strict, env, progress=progress.advance, reuse_buffers=True,  # the tally keeps no record
                         write_index=index)
    counted = Counted(reader.problems)
    with progress:
        report = analyze_runs(((source, counted(source, reader.records(source))) for source in sources),
                              pricer=pricer, options=options, window=window, problems=reader.problems,
                              sections=sections, bytes_read=lambda: progress.done, keep_tally=keep_tally)
    return _read(report, counted, sources), reader.problems


def _read(report: Report, counted: Counted, sources: list[RunSource]) -> Report:
    """The report, unless no event was read. Raises TraceError."""
    if not counted.events:
        files = ", ".join(file for source in sources for file in source.files)
        raise TraceError(f"no events in {files}", hint="the trace is empty: was the run traced?")
    return report


def read_prices(path: Path | None) -> dict[str, Any] | None:
    """The --prices file's model prices, checked as `price_overrides` is (`config.prices`)."""
    return read_prices_file(path) if path is not None else None
