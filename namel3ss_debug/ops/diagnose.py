"""`diagnose`'s use case: each run named read once, for `analyze`'s findings and the blame of each run that failed.

A run failed when it says so (its status, exit code: `blame.failure_of`), when it breaks a rule of the workspace's
`checks` section (judged as `check` judges it, in the same pass), or when its final answer breaks `--expect`
(`judging/expect.py`, on `RunClues.final_text`). The last two are judged after the pass and the diagnosis is blamed
again with them (`diagnose.rediagnose`: the rules are not run again). Then the filters (`--kind`,
`--min-severity`) choose the findings shown, and the few events they show are placed at their `file:line`
(`places.py`).

The answer is kept in the result cache (`cache.py`), as `analyze`'s report is, under a key of the runs' files and
of everything else it depends on: the filters, `--expect`, the time window and components, `--strict`, the prices,
the diagnose_* thresholds and the workspace's checks (with the redaction rules `forbid_secrets` looks with). A
second `diagnose` of the same runs is then read from it, not from the traces.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import msgspec

from .._version import __version__
from ..analysis.analyze import analyze
from ..analysis.diagnosis.blame import failure_of
from ..analysis.diagnosis.clues import Clues
from ..analysis.diagnosis.diagnose import rediagnose
from ..analysis.diagnosis.records import DIAGNOSIS_SCHEMA, KINDS, SEVERITIES, Blame, Diagnosis, Failure, Finding
from ..analysis.failed_run import ended_as
from ..analysis.thresholds import Judging, thresholds_from
from ..analysis.prices import Pricer
from ..analysis.report import Report
from ..analysis.run_state import Options
from ..analysis.window import EventWindow
from ..checks.evaluate import evaluate, sections_read
from ..checks.rules import Rule, active
from ..checks.rules_file import read_workspace_checks
from ..checks.run import new_scan, scanned_blocks
from ..checks.scan import EventScan
from ..model.errors import TraceError, UsageError
from ..judging.expect import Expectation
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from ..config import Settings
from .analyze.analyze import read_prices
from .cache import ResultCache, results_directory
from .check import secret_finder
from .diagnose_places import place_evidence
from .environment import Environment
from .traces import ReadRequest, make_pricer, make_reader, open_traces, price_data

SECTIONS = ("overview", "findings")  # what a diagnosis reads of the report; the checks' sections when there are any


@dataclass(frozen=True)
class DiagnoseRequest(ReadRequest):
    """What to diagnose and what to show, as `diagnose --help` describes the options."""

    kinds: tuple[str, ...] = ()  # none: every kind
    min_severity: str = "info"
    expect: str | None = None  # a `--expect` rule on each run's final answer
    prices_path: Path | None = None
    cache: bool = True  # an answer kept from an earlier read answers; False (--no-cache): nothing kept, no index


class DiagnoseReport(msgspec.Struct, frozen=True):
    """What `diagnose` shows, in every format: the failures judged, their blames, the findings the filters keep."""

    schema: str
    generated_by: str
    run_ids: list[str]
    filters: dict[str, str]  # the filters given: min_severity, kinds, expect
    failures: list[Failure]  # every run's failure (its own, a check's, the expectation's), in run order
    blames: list[Blame]  # one per failed run
    findings: list[Finding]  # those the filters keep, most severe first
    counts: dict[str, int]  # the findings shown, by severity
    hidden: int  # findings the filters left out
    failed_runs: list[str]
    stopped: dict[str, str] = msgspec.field(default_factory=dict)  # run id -> why its rerun stopped it (no blame)


@dataclass
class _Read:
    """One run read: its source, its clues (kept by the pass) and the failures its checks found."""

    source: RunSource
    clues: Clues
    failures: list[Failure]
    problems: ReadProblems  # what reading it met: only a clean read's answer is kept


def diagnose_traces(request: DiagnoseRequest, env: Environment) -> DiagnoseReport:
    """The diagnosis of the runs named. Raises UsageError for a bad option, TraceError for runs without events."""
    kinds, severity = check_filters(request.kinds, request.min_severity)
    expectation = Expectation.parse(request.expect) if request.expect is not None else None
    window = request.window()
    sources, resolved = open_traces(request.runs, env)
    settings, file_prices = resolved.settings, read_prices(request.prices_path)
    pricer = make_pricer(env, file_prices, settings.price_overrides)
    rules = active(read_workspace_checks(resolved.workspace))
    cache = ResultCache(results_directory(env.environ) if request.cache else None)
    key = cache.key("diagnose", sources, [
        list(request.kinds), request.min_severity, request.expect, window.describe(), request.runs.strict,
        file_prices, settings.price_overrides, price_data(env.environ), asdict(thresholds_from(settings)),
        [[rule.key, rule.target, rule.limit, rule.origin] for rule in rules],
        [settings.redact_keys, settings.redact_patterns] if rules else None])
    kept = cache.get(key, DiagnoseReport)
    if kept is not None:
        return kept
    reads = [_read(source, request, env, pricer, window, rules, settings) for source in sources]
    report = _diagnosed(reads, request, kinds, severity, expectation)
    cache.put(key, report, *(read.problems for read in reads))
    return report


def _diagnosed(reads: list[_Read], request: DiagnoseRequest, kinds: frozenset[str], severity: int,
               expectation: Optional[Expectation]) -> DiagnoseReport:
    """The runs read, judged: their failures and blames, the findings the filters keep, placed at `file:line`."""
    failures: list[Failure] = []
    findings: list[Finding] = []
    blames: list[Blame] = []
    for read in reads:
        outside = read.failures + _expected(read.clues, expectation)
        diagnosis = rediagnose(read.clues, outside)
        failures += _failures(diagnosis, outside, read.clues)
        findings += diagnosis.findings
        blames += diagnosis.blames
    shown = [finding for finding in findings if _kept(finding, kinds, severity)]
    lookup = TraceReader(ReadProblems(), write_index=request.cache)  # quiet: the pass said what was wrong
    shown, blames = place_evidence(shown, blames, {run.run_id: read.source for read in reads
                                                   for run in read.clues.runs}, lookup)
    counts = {name: sum(1 for finding in shown if finding.severity == name) for name in SEVERITIES}
    return DiagnoseReport(DIAGNOSIS_SCHEMA, f"namel3ss-debug {__version__}",
                          [run.run_id for read in reads for run in read.clues.runs],
                          _filters(request), failures, blames, shown, counts, len(findings) - len(shown),
                          [blame.run_id for blame in blames], _stopped(reads))


def _stopped(reads: list[_Read]) -> dict[str, str]:
    """Each run its rerun stopped (`failed_run.ended_as`) and why: no failure of the app's, nothing to blame."""
    ended = ((run.run_id, ended_as(run.status, run.end_error_type)[1]) for read in reads for run in read.clues.runs)
    return {run_id: why for run_id, why in ended if why is not None}


def check_filters(kinds: tuple[str, ...], min_severity: str) -> tuple[frozenset[str], int]:
    """The kinds and the lowest severity shown; UsageError for a name that is neither."""
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise UsageError(f"--kind {unknown[0]!r} is not a kind of finding", hint=f"use one of: {', '.join(KINDS)}")
    if min_severity not in SEVERITIES:
        raise UsageError(f"--min-severity {min_severity!r} is not a severity",
                         hint=f"use one of: {', '.join(SEVERITIES)}")
    return frozenset(kinds), SEVERITIES.index(min_severity)


def _kept(finding: Finding, kinds: frozenset[str], severity: int) -> bool:
    rank = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 0
    return rank >= severity and (not kinds or finding.kind in kinds)


def _read(source: RunSource, request: DiagnoseRequest, env: Environment, pricer: Pricer, window: EventWindow,
          rules: list[Rule], settings: Settings) -> _Read:
    """One run read in one pass: the report's findings, its clues, and its workspace checks judged."""
    progress = env.progress([source])
    reader = make_reader(request.runs.strict, env, progress=progress.advance, reuse_buffers=not rules,
                         write_index=request.cache)
    scan = new_scan(rules, secret_finder(rules, settings)) if rules else None
    blocks = scanned_blocks(reader, source, scan) if scan is not None else reader.records(source)
    kept: list[Clues] = []
    sections = tuple(dict.fromkeys(SECTIONS + (sections_read(rules) if rules else ())))
    options = Options(judging=Judging(thresholds_from(settings)))  # the diagnose_* keys
    with progress:
        report = analyze([(source, blocks)], pricer=pricer, options=options, window=window, problems=reader.problems,
                         sections=sections, keep_clues=kept.append)
    if not report.overview or not report.overview.events or not kept:
        raise TraceError(f"no events in {', '.join(source.files)}", hint="the trace is empty: was the run traced?")
    clues = kept[0]
    return _Read(source, clues, _broken(rules, report, scan, clues) if scan is not None else [], reader.problems)


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


def _filters(request: DiagnoseRequest) -> dict[str, str]:
    filters = {}
    if request.min_severity != "info":
        filters["min_severity"] = request.min_severity
    if request.kinds:
        filters["kinds"] = ",".join(request.kinds)
    if request.expect is not None:
        filters["expect"] = request.expect
    return filters


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
