"""`diagnose`'s runs judged one source at a time, in this process or, for many, in worker processes
(`workers.py`, `--jobs`): each read once for `analyze`'s findings and its workspace checks, its final answer judged
against `--expect`, and its diagnosis blamed with the failures judged outside the run (`diagnose.rediagnose`). One
big run judged in this process with no workspace checks is read in parts on `--jobs` cores, as `analyze` reads it
(`analyze/split.py`).

Many sources are judged as one process would judge them (`each_run.py`): the answers and the warnings in the runs'
order, an error that stops one source's reading (a file of no events) stopping the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from ..analysis.analyze import analyze
from ..analysis.diagnosis.blame.judge import failure_of
from ..analysis.diagnosis.collector.clues import Clues
from ..analysis.diagnosis.diagnose import rediagnose
from ..analysis.records.findings import Blame, Diagnosis, Failure, Finding
from ..analysis.failed_run import ended_as
from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..analysis.run_state import Options
from ..analysis.tally import Tally
from ..analysis.thresholds import Judging, thresholds_from
from ..checks.evaluate import evaluate, sections_read
from ..checks.rules import Rule
from ..checks.run import new_scan, scanned_blocks
from ..checks.scan import EventScan
from ..config import ResolvedSettings
from ..judging.expect import Expectation
from ..model.errors import TraceError
from ..store.sources import RunSource
from .check import scan_recipe, secret_finder
from .environment import Environment
from .analyze.counting import Counted
from .analyze.parts import Settings
from .analyze.split import Cut, cut_for, read_in_parts
from .traces import make_pricer, make_reader
from .workers import main_process

if TYPE_CHECKING:
    from .diagnose import DiagnoseRequest

SECTIONS = ("overview", "findings")  # what a diagnosis reads of the report; the checks' sections when there are any


@dataclass
class Judged:
    """One source judged: its runs' ids, failures (each run's own, then those judged outside it), every finding,
    the blames, the runs its rerun stopped (and why), and whether its reading was clean (only then is the answer
    kept)."""

    run_ids: list[str]
    failures: list[Failure]
    findings: list[Finding]
    blames: list[Blame]
    stopped: dict[str, str]
    clean: bool


class Judge:
    """What judging a source needs, made once for all of them: the request, the prices, the workspace's checks and
    settings, the `--expect` rule, the time window (each run's own from its start: `EventWindow.new_run`)."""

    def __init__(self, env: Environment, request: DiagnoseRequest, resolved: ResolvedSettings,
                 file_prices: Optional[dict[str, object]], rules: list[Rule]):
        self.request, self.env, self.rules, self.settings = request, env, rules, resolved.settings
        self.pricer: Pricer = make_pricer(env, file_prices, self.settings.price_overrides)
        self.file_prices = file_prices
        self.jobs = request.jobs if main_process() else 1  # a worker reads its runs whole
        self.expectation = Expectation.parse(request.expect) if request.expect is not None else None
        self.window = request.window()

    def __call__(self, source: RunSource) -> Judged:
        clues, failures, clean = self._read(source)
        outside = failures + _expected(clues, self.expectation)
        diagnosis = rediagnose(clues, outside)
        return Judged([run.run_id for run in clues.runs], _failures(diagnosis, outside, clues), diagnosis.findings,
                      diagnosis.blames, _stopped(clues), clean)

    def _read(self, source: RunSource) -> tuple[Clues, list[Failure], bool]:
        """One source read in one pass: its clues, the failures its workspace checks found, whether it was clean."""
        rules, request = self.rules, self.request
        kept: list[Clues] = []
        sections = tuple(dict.fromkeys(SECTIONS + (sections_read(rules) if rules else ())))
        options = Options(judging=Judging(thresholds_from(self.settings)))  # the diagnose_* keys
        scan = new_scan(rules, secret_finder(rules, self.settings)) if rules else None
        cut = self._cut(source, options, sections)
        if cut is not None:
            report, problems, _ = read_in_parts(source, cut[0], options, self.window, self.pricer, sections,
                                                request.runs.strict, self.env, cut[1], _clues_of(kept), scan)
        else:
            progress = self.env.progress([source])
            reader = make_reader(request.runs.strict, self.env, progress=progress.advance, reuse_buffers=not rules,
                                 write_index=request.cache)
            blocks = Counted(reader.problems)(source, scanned_blocks(reader, source, scan) if scan is not None
                                              else reader.records(source))  # the event types it does not know said
            with progress:
                report = analyze([(source, blocks)], pricer=self.pricer, options=options, window=self.window,
                                 problems=reader.problems, sections=sections, keep_clues=kept.append)
            problems = reader.problems
        if not report.overview or not report.overview.events or not kept:
            raise _no_events(source)
        clues = kept[0]
        return clues, _broken(rules, report, scan, clues) if scan is not None else [], \
            not (problems.any or problems.unknown_types)

    def _cut(self, source: RunSource, options: Options, sections: tuple[str, ...]) -> Optional[tuple[Cut, Settings]]:
        """Where one big run is cut to be read in parts (`split.cut_for`), and what its workers read (and scan, for
        the workspace's checks) with; None when it is read whole."""
        if self.jobs < 2:
            return None
        settings = Settings(options.slow_threshold_ms, options.block_threshold_ms, options.top,
                            thresholds_from(self.settings), self.window, sections, self.request.runs.strict, False,
                            self.file_prices, self.settings.price_overrides,
                            scan_recipe(self.rules, self.settings))
        cut = cut_for([source], settings, self.jobs, self.env)
        return (cut, settings) if cut is not None else None


def _no_events(source: RunSource) -> TraceError:
    return TraceError(f"no events in {', '.join(source.files)}", hint="the trace is empty: was the run traced?")


def _clues_of(kept: list[Clues]) -> Callable[[Tally], None]:
    def keep(tally: Tally) -> None:
        assert tally.clues is not None  # the sections read have the findings
        kept.append(tally.clues)
    return keep


def _broken(rules: list[Rule], report: Report, scan: EventScan, clues: Clues) -> list[Failure]:
    """A failure for each rule of the workspace's checks the run breaks, judged as `check` judges it (a file of
    several runs is judged whole, as `check` does: its failures are its first run's)."""
    if not clues.runs:
        return []
    run_id = clues.runs[0].run_id
    return [Failure(run_id, f"check {result.explanation}", "check", result.events[0].seq if result.events else None)
            for result in evaluate(rules, report, scan) if not result.passed]


def _expected(clues: Clues, expectation: Optional[Expectation]) -> list[Failure]:
    """A failure for each run whose final answer breaks the `--expect` rule."""
    if expectation is None:
        return []
    failures = []
    for run in clues.runs:
        if not expectation.holds(run.final_text):
            shown = "no final answer" if run.final_text is None else f"final answer {_short(run.final_text)}"
            failures.append(Failure(run.run_id, f"expect {expectation.text} not met ({shown})", "expect",
                                    run.final_seq))
    return failures


def _failures(diagnosis: Diagnosis, outside: list[Failure], clues: Clues) -> list[Failure]:
    """Each run's failures in run order: its own (`blame.failure_of`: the one its blame explains when it has
    one), then those judged outside it."""
    found: list[Failure] = []
    for run in clues.runs:
        own = failure_of(run, [finding for finding in diagnosis.findings if finding.run_id == run.run_id])
        found += [own] if own is not None else []
        found += [failure for failure in outside if failure.run_id == run.run_id]
    return found


def _stopped(clues: Clues) -> dict[str, str]:
    """Each run its rerun stopped (`failed_run.ended_as`) and why: no failure of the app's, nothing to blame."""
    ended = ((run.run_id, ended_as(run.status, run.end_error_type)[1]) for run in clues.runs)
    return {run_id: why for run_id, why in ended if why is not None}


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
