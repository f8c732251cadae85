"""A run judged against rules: each event goes to the EventScan and, as a record, to `analyze` (`check` and
`verify` read their runs through `ops/reading/`, which shows each block to the scan: `watching.seen`).

The events arrive once (standard input cannot be read twice), so the scan and `analyze` share the stream:
`analyze` pulls blocks of records, and making each block shows its events to the scan on the way.

The records come from the store's typed fast path (a block of lines decoded at once, with each line's
place), and the scan sees each record with its file and line. `forbid_secrets` looks at each line's bytes
first with redaction's pre-scan (`redaction/scan.py`) and decodes only the lines it flags. A check of `forbid_secrets`
alone reads nothing of the report, so the run is not analysed at all (`ops/reading/read.py`): it goes at the
pre-scan's speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .._version import __version__
from ..analysis.records.report import Report
from ..store.sources import RunSource
from .evaluate import evaluate
from .results import CHECK_SCHEMA, CheckReport, RunCheck
from .rules import Rule
from .scan import EventScan

if TYPE_CHECKING:  # the finder loads the tracer's redactor: only a check of forbid_secrets imports it
    from .secrets import SecretFinder


def judged(source: RunSource, rules: list[Rule], report: Report, scan: EventScan) -> RunCheck:
    """The rules judged against the run's report and what the scan saw of its events."""
    results = evaluate(rules, report, scan)
    run_id = report.run_ids[0] if report.run_ids else (source.run_id or source.label)
    run = report.overview.runs[0] if report.overview is not None and report.overview.runs else None
    health = report.health
    return RunCheck(run_id, source.label, list(source.files), all(r.passed for r in results), results,
                    run.status if run is not None else None, health.verdict if health is not None else None,
                    health.failure if health is not None else None, run.outcome if run is not None else None,
                    run.gave_up if run is not None else None)


def new_scan(rules: list[Rule], secrets: Optional[SecretFinder] = None) -> EventScan:
    """The scan the rules need: with forbid_secrets, `secrets` (the tracer's redactor by default) looks too."""
    if not any(rule.key == "forbid_secrets" for rule in rules):
        return EventScan(rules)
    if secrets is None:
        from .secrets import SecretFinder  # noqa: PLC0415 - the tracer's redactor, only for forbid_secrets

        secrets = SecretFinder()
    return EventScan(rules, secrets)


def check_report(runs: list[RunCheck], rules: list[Rule]) -> CheckReport:
    """The runs' results as one report: it passes when every rule passed on every run."""
    failed = sum(len(run.failed) for run in runs)
    return CheckReport(CHECK_SCHEMA, f"namel3ss-debug {__version__}", failed == 0, len(rules), failed, runs)
