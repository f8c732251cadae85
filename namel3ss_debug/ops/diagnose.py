"""`diagnose`'s use case: each run named read once, for `analyze`'s findings and the blame of each run that failed.

A run failed when it says so (its status, exit code: `blame.failure_of`), when it breaks a rule of the workspace's
`checks` section (judged as `check` judges it, in the same pass), or when its final answer breaks `--expect`
(`judging/expect.py`, on `RunClues.final_text`). The last two are judged after the pass and the diagnosis is blamed
again with them (`diagnose.rediagnose`: the rules are not run again). Then the filters (`--kind`,
`--min-severity`) choose the findings shown, and the few events they show are placed at their `file:line`
(`places.py`). Each source is judged on its own (`diagnose_runs.py`), in worker processes when there are many
(`each_run.py`, `--jobs`).

The answer is kept in the result cache (`cache.py`), as `analyze`'s report is, under a key of the runs' files and
of everything else it depends on: the filters, `--expect`, the time window and components, `--strict`, the prices,
the diagnose_* thresholds and the workspace's checks (with the redaction rules `forbid_secrets` looks with). A
second `diagnose` of the same runs is then read from it, not from the traces.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import msgspec

from .._version import __version__
from ..analysis.records.findings import DIAGNOSIS_SCHEMA, KINDS, SEVERITIES, Blame, BlamedFailure, Finding
from ..analysis.thresholds import thresholds_from
from ..checks.rules import active
from ..checks.rules_file import read_workspace_checks
from ..model.errors import UsageError
from ..judging.expect import Expectation
from ..judging.experiment_report import Checked
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import STDIN, RunSource
from .analyze.analyze import read_prices
from .cache import ResultCache, results_directory
from .diagnose_places import place_evidence
from .experiment_record import read_experiment, record_path
from .diagnose_runs import Judge, JudgedSource
from .each_run import each_run
from .environment import Environment
from .traces import ReadRequest, open_traces, price_data


@dataclass(frozen=True)
class DiagnoseRequest(ReadRequest):
    """What to diagnose and what to show, as `diagnose --help` describes the options."""

    kinds: tuple[str, ...] = ()  # none: every kind
    min_severity: str = "info"
    expect: str | None = None  # a `--expect` rule on each run's final answer
    prices_path: Path | None = None
    cache: bool = True  # an answer kept from an earlier read answers; False (--no-cache): nothing kept, no index
    jobs: int = 1  # worker processes for many runs at once (`diagnose_runs.Judge.each`)


class DiagnoseReport(msgspec.Struct, frozen=True):
    """What `diagnose` shows, in every format: the failures judged, their blames, the findings the filters keep."""

    schema: str
    generated_by: str
    run_ids: list[str]
    filters: dict[str, str]  # the filters given: min_severity, kinds, expect
    failures: list[BlamedFailure]  # every run's failure (its own, a check's, the expectation's), in run order
    blames: list[Blame]  # one per failed run
    findings: list[Finding]  # those the filters keep, most severe first
    counts: dict[str, int]  # the findings shown, by severity
    hidden: int  # findings the filters left out
    failed_runs: list[str]
    stopped: dict[str, str] = msgspec.field(default_factory=dict)  # run id -> why its rerun stopped it (no blame)
    # run id -> what `diagnose --experiment` found of its blame, read from the record beside the run (not cached:
    # an experiment made after this diagnosis was kept shows)
    experiments: dict[str, Checked] = msgspec.field(default_factory=dict)


def diagnose_traces(request: DiagnoseRequest, env: Environment) -> DiagnoseReport:
    """The diagnosis of the runs named. Raises UsageError for a bad option, TraceError for runs without events."""
    kinds, severity = check_filters(request.kinds, request.min_severity)
    if request.expect is not None:
        Expectation.parse(request.expect)  # a bad rule is a usage error before any run is read
    window = request.window()
    sources, resolved = open_traces(request.runs, env)
    settings, file_prices = resolved.settings, read_prices(request.prices_path)
    rules = active(read_workspace_checks(resolved.workspace))
    cache = ResultCache(results_directory(env.environ) if request.cache else None, env.warn)
    key = cache.key("diagnose", sources, [
        list(request.kinds), request.min_severity, request.expect, window.describe(), request.runs.strict,
        file_prices, settings.price_overrides, price_data(env.environ), asdict(thresholds_from(settings)),
        [[rule.key, rule.target, rule.limit, rule.origin] for rule in rules],
        [settings.redact_keys, settings.redact_patterns] if rules else None])
    kept = cache.get(key, DiagnoseReport)
    if kept is not None:
        return checked_by_experiment(kept, sources, env)
    judged = list(each_run(Judge, (request, resolved, file_prices, rules), sources, request.jobs, env))
    report = _diagnosed(judged, sources, request, kinds, severity)
    if all(part.clean for part in judged):
        cache.put(key, report)
    return checked_by_experiment(report, sources, env)


def checked_by_experiment(report: DiagnoseReport, sources: list[RunSource], env: Environment) -> DiagnoseReport:
    """The report with what an experiment kept beside each blamed run says of its blame (`experiment_record.py`:
    read as a stranger's file; a bad one is one warning), looked for in each folder the runs were read from (one
    file of each stands for its folder: `--all` over a folder of many runs looks once a blame, not once a run)."""
    folders = list({Path(source.files[0]).parent: source.files[0] for source in sources
                    if source.files and source.files[0] != STDIN}.values())
    found: dict[str, Checked] = {}
    for blame in report.blames:
        for trace_file in folders:
            experiment = read_experiment(trace_file, blame.run_id, env.warn)
            if experiment is not None:
                found[blame.run_id] = experiment.checked(str(record_path(trace_file, blame.run_id)))
                break
    return msgspec.structs.replace(report, experiments=found) if found else report


def _diagnosed(judged: list[JudgedSource], sources: list[RunSource], request: DiagnoseRequest, kinds: frozenset[str],
               severity: int) -> DiagnoseReport:
    """The sources judged, together: their failures and blames, the findings the filters keep, placed at
    `file:line`."""
    findings = [finding for part in judged for finding in part.findings]
    shown = [finding for finding in findings if _kept(finding, kinds, severity)]
    lookup = TraceReader(ReadProblems(), write_index=request.cache)  # quiet: the pass said what was wrong
    shown, blames = place_evidence(shown, [blame for part in judged for blame in part.blames],
                                   {run_id: source for part, source in zip(judged, sources)
                                    for run_id in part.run_ids}, lookup)
    counts = {name: sum(1 for finding in shown if finding.severity == name) for name in SEVERITIES}
    return DiagnoseReport(DIAGNOSIS_SCHEMA, f"namel3ss-debug {__version__}",
                          [run_id for part in judged for run_id in part.run_ids], _filters(request),
                          [failure for part in judged for failure in part.failures], blames, shown, counts,
                          len(findings) - len(shown), [blame.run_id for blame in blames],
                          {run_id: why for part in judged for run_id, why in part.stopped.items()})


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


def _filters(request: DiagnoseRequest) -> dict[str, str]:
    filters = {}
    if request.min_severity != "info":
        filters["min_severity"] = request.min_severity
    if request.kinds:
        filters["kinds"] = ",".join(request.kinds)
    if request.expect is not None:
        filters["expect"] = request.expect
    return filters
