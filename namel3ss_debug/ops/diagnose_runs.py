"""`diagnose`'s runs judged one source at a time, in this process or, for many, in worker processes
(`workers.py`, `--jobs`): each read once for `analyze`'s findings and its workspace checks, its final answer judged
against `--expect`, and its diagnosis blamed with the failures judged outside the run (`diagnose.rediagnose`). One
big run judged in this process is read in parts on `--jobs` cores, as `analyze` reads it (`reading/plan.py`).

Many sources are judged as one process would judge them (`each_run.py`): the answers and the warnings in the runs'
order, an error that stops one source's reading (a file of no events) stopping the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..analysis.diagnosis.blame.judge import failure_of
from ..analysis.diagnosis.collector.clues import Clues
from ..analysis.diagnosis.diagnose import rediagnose
from ..analysis.records.findings import Blame, Diagnosis, BlamedFailure, Finding
from ..analysis.failed_run import ended_as
from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..analysis.run_state import Options
from ..analysis.thresholds import Judging, thresholds_from
from ..checks.evaluate import evaluate, sections_read
from ..checks.rules import Rule
from ..checks.run import new_scan
from ..checks.scan import EventScan
from ..config import ResolvedSettings
from ..judging.expect import Expectation
from ..store.sources import RunSource
from .check import scan_recipe, secret_finder
from .environment import Environment
from .reading.plan import plan_read
from .reading.read import no_events, read
from .reading.settings import pass_settings
from .reading.watching import Watching
from .traces import make_pricer

if TYPE_CHECKING:
    from .diagnose import DiagnoseRequest

SECTIONS = ("overview", "findings")  # what a diagnosis reads of the report; the checks' sections when there are any


@dataclass
class JudgedSource:
    """One source judged: its runs' ids, failures (each run's own, then those judged outside it), every finding,
    the blames, the runs its rerun stopped (and why), and whether its reading was clean (only then is the answer
    kept)."""

    run_ids: list[str]
    failures: list[BlamedFailure]
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
        self.expectation = Expectation.parse(request.expect) if request.expect is not None else None
        sections = tuple(dict.fromkeys(SECTIONS + (sections_read(rules) if rules else ())))
        options = Options(judging=Judging(thresholds_from(self.settings)))  # the diagnose_* keys
        self.read_settings = pass_settings(options, sections, strict=request.runs.strict, window=request.window(),
                                           index=request.cache, file_prices=file_prices,
                                           price_overrides=self.settings.price_overrides,
                                           scan=scan_recipe(rules, self.settings))

    def __call__(self, source: RunSource) -> JudgedSource:
        clues, failures, clean = self._read(source)
        outside = failures + _expected(clues, self.expectation)
        diagnosis = rediagnose(clues, outside)
        return JudgedSource([run.run_id for run in clues.runs], _failures(diagnosis, outside, clues),
                            diagnosis.findings, diagnosis.blames, _stopped(clues), clean)

    def _read(self, source: RunSource) -> tuple[Clues, list[BlamedFailure], bool]:
        """One source read in one pass: its clues, the failures its workspace checks found, whether it was clean."""
        rules = self.rules
        kept: list[Clues] = []
        scan = new_scan(rules, secret_finder(rules, self.settings)) if rules else None
        done = read(plan_read([source], self.read_settings, self.request.jobs), self.pricer, self.env,
                    Watching(scan=scan, keep_clues=kept.append, count_bytes=False))
        report, problems = done.report, done.problems
        if not report.overview or not report.overview.events or not kept:
            raise no_events([source])
        clues = kept[0]
        return clues, _broken(rules, report, scan, clues) if scan is not None else [], \
            not (problems.any or problems.unknown_types)


def _broken(rules: list[Rule], report: Report, scan: EventScan, clues: Clues) -> list[BlamedFailure]:
    """A failure for each rule of the workspace's checks the run breaks, judged as `check` judges it (a file of
    several runs is judged whole, as `check` does: its failures are its first run's)."""
    if not clues.runs:
        return []
    run_id = clues.runs[0].run_id
    return [BlamedFailure(run_id, f"check {result.explanation}", "check",
                          result.events[0].seq if result.events else None)
            for result in evaluate(rules, report, scan) if not result.passed]


def _expected(clues: Clues, expectation: Optional[Expectation]) -> list[BlamedFailure]:
    """A failure for each run whose final answer breaks the `--expect` rule."""
    if expectation is None:
        return []
    failures = []
    for run in clues.runs:
        if not expectation.holds(run.final_text):
            shown = "no final answer" if run.final_text is None else f"final answer {_short(run.final_text)}"
            failures.append(BlamedFailure(run.run_id, f"expect {expectation.text} not met ({shown})", "expect",
                                          run.final_seq))
    return failures


def _failures(diagnosis: Diagnosis, outside: list[BlamedFailure], clues: Clues) -> list[BlamedFailure]:
    """Each run's failures in run order: its own (`blame.failure_of`: the one its blame explains when it has
    one), then those judged outside it."""
    found: list[BlamedFailure] = []
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
