"""`report` and `view`'s use case: a run (or two, compared) read once into what the page shows.

Each run is read once: every event goes to the same streaming analysis `analyze` runs (so the page's
figures are `analyze`'s), to the call recorder `diff` aligns by, and through `WidthCap` into memory for the
span table and the details of each span. A page holds the whole run but where a span has more children than
`WidthCap` keeps (the first, the last and the failed ones): those are counted, per parent, and the page says
so. Memory grows with the spans kept (580 MB at the peak for the bench's 100,000-span run of 72.6 MB); a run
of 10^6 spans under one parent keeps 22,000 of them. A file that holds several runs is refused, as `diff` refuses it.
The record `diagnose --experiment` kept beside a run (`experiment_record.py`) goes with its picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..analysis.analyze import analyze, dict_blocks
from ..analysis.thresholds import Judging, thresholds_from
from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..analysis.span_table import SpanTable, span_table
from ..analysis.run_state import Options
from ..analysis.wide import PAGE, Cut, Key, WidthCap
from ..analysis.window import parse_duration_ms
from ..diffing.align import Alignment
from ..diffing.calls import CallRecorder, CallSequence
from ..diffing.compare import align_calls, diff_runs
from ..diffing.profile import RunProfile
from ..diffing.report import DiffReport
from ..judging.experiment_report import ExperimentReport
from ..model.errors import TraceError, UsageError
from ..store.located import Located
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .analyze.analyze import read_prices
from .environment import Environment
from .experiment_record import read_experiment
from .traces import TraceArgs, make_pricer, make_reader, open_traces


@dataclass(frozen=True)
class ReportRequest:
    """One TRACE (a run) or two (BASE and NEW, compared), as `report --help` describes the options."""

    traces: tuple[str, ...] = ()
    strict: bool = False
    config_path: Path | None = None
    slow_threshold: str = "1s"
    prices_path: Path | None = None
    cache: bool = True  # False (--no-cache): no index sidecar written beside a trace
    jobs: int = 1  # `view DIR`: worker processes that read the runs its index sync reads


@dataclass(frozen=True)
class RunPicture:
    """One run as the page shows it: its spans, its analysis, its calls (for a comparison), its events."""

    source: RunSource
    table: SpanTable
    report: Report
    calls: CallSequence
    events: int
    ended: bool  # its `run_end` was read
    cuts: Mapping[Key, Cut] = field(default_factory=dict)  # what `WidthCap` left out, by the parent's key
    experiment: ExperimentReport | None = None  # what `diagnose --experiment` found, kept beside the run

    @property
    def run_id(self) -> str | None:
        return self.calls.run_id


@dataclass(frozen=True)
class ReportPage:
    runs: list[RunPicture]  # one, or BASE and NEW
    diff: DiffReport | None = None
    alignment: Alignment | None = None


def report_traces(request: ReportRequest, env: Environment) -> ReportPage:
    """The page of one run, or of two compared. Raises UsageError (bad options, three TRACEs, a file of
    several runs) or TraceError (a run without events)."""
    if len(request.traces) > 2:
        raise UsageError(f"report takes one TRACE, or two to compare, and {len(request.traces)} were given",
                         hint="name one run, or BASE and NEW")
    slow_ms = parse_duration_ms(request.slow_threshold, "--slow-threshold")
    runs = TraceArgs(request.traces, False, request.strict, request.config_path)
    sources, resolved = open_traces(runs, env)
    if len(request.traces) < 2 and len(sources) > 1:
        raise UsageError(f"{len(sources)} runs were named, and report shows one run (or compares two)",
                         hint="name one run's file, or BASE and NEW")
    pricer = make_pricer(env, read_prices(request.prices_path), resolved.settings.price_overrides)
    reader = make_reader(request.strict, env, write_index=request.cache)
    options = Options(slow_threshold_ms=slow_ms, judging=Judging(thresholds_from(resolved.settings)))
    sides = ("BASE", "NEW") if len(request.traces) == 2 else ("TRACE",)
    pictures = [picture_run(side, source, reader, pricer, options, env)
                for side, source in zip(sides, sources if len(sources) == len(sides) else sources * len(sides))]
    if len(pictures) == 1:
        return ReportPage(pictures)
    base, new = pictures
    alignment = align_calls(base.calls, new.calls)
    diff = diff_runs(RunProfile(base.source, base.report, base.calls), RunProfile(new.source, new.report, new.calls))
    return ReportPage(pictures, diff, alignment)


def picture_run(side: str, source: RunSource, reader: TraceReader, pricer: Pricer, options: Options,
                env: Environment) -> RunPicture:
    """One run read once into its picture; `options` say the slow threshold and the diagnosis's thresholds (the
    workspace's `diagnose_*` keys, as `analyze` and `diagnose` judge)."""
    cap = WidthCap(PAGE)
    recorder = CallRecorder()
    read = 0

    def see(located: Located) -> None:
        nonlocal read
        read += 1
        cap.feed(located.event)
        recorder.add(located.event, None)

    progress = env.progress([source])
    with progress:
        reader.progress = progress.advance
        blocks = dict_blocks(reader.events(source), see, reader.problems)
        report = analyze([(source, blocks)], pricer=pricer, options=options, problems=reader.problems,
                         bytes_read=lambda: progress.done)
    calls = recorder.finish()
    kept, cuts = cap.finish()
    if not kept:
        raise TraceError(f"{side} {source.label}: no events", hint="the trace is empty: was the run traced?")
    if calls.other_runs:
        runs = ", ".join([calls.run_id or "?", *sorted(calls.other_runs)][:4])
        raise UsageError(f"{side} {source.label} holds {len(calls.other_runs) + 1} runs ({runs}): report shows "
                         "one run at a time", hint="name one run's segment file, or split the file by run_id")
    anomalous = frozenset(item.ref.span_id for item in (report.anomalies.items if report.anomalies else ())
                          if item.ref is not None and item.ref.span_id)
    table = span_table(kept, pricer=pricer, slow_ms=options.slow_threshold_ms, anomalous=anomalous)
    ended = any(event.get("event_type") == "run_end" for event in reversed(kept[-50:]))
    experiment = read_experiment(source.files[0], calls.run_id, env.warn) if source.files else None
    return RunPicture(source, table, report, calls, read, ended, cuts, experiment)
