"""`analyze`'s use case: the runs named, read in one streaming pass, as a Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ...analysis.thresholds import Judging, thresholds_from
from ...analysis.records.report import SECTIONS, Report
from ...analysis.run_state import ANOMALY_SECTIONS, FINDING_SECTIONS, Options
from ...analysis.window import parse_duration_ms
from ...config.prices import read_prices_file
from ..cache import ResultCache, results_directory
from ..environment import Environment
from ..reading.plan import plan_read
from ..reading.read import no_events, read
from ..reading.settings import pass_settings
from ..traces import ReadRequest, make_pricer, open_traces, price_data
from .readable import readable_runs

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
    jobs: int = 1  # worker processes: many runs in batches, one big run in parts (`reading/plan.py`)


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
    settings = pass_settings(options, sections, strict=request.runs.strict, window=window, index=request.cache,
                             file_prices=file_prices, price_overrides=resolved.settings.price_overrides)
    done = read(plan_read(sources, settings, request.jobs), pricer, env)
    if not done.events:
        raise no_events(sources)
    cache.put(key, done.report, done.problems)
    return done.report


def read_prices(path: Path | None) -> dict[str, Any] | None:
    """The --prices file's model prices, checked as `price_overrides` is (`config.prices`)."""
    return read_prices_file(path) if path is not None else None
