"""One run checked in one read: each event goes to the EventScan and, as a record, to `analyze`.

The events arrive once (standard input cannot be read twice), so the two halves share the stream:
`analyze` pulls blocks of records, and making each block shows its events to the scan on the way.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional

from .._version import __version__
from ..analysis.analyze import analyze
from ..analysis.prices import Pricer
from ..store.reader import Located
from ..store.records import EventRecord, record_from_dict
from .evaluate import evaluate
from .results import CHECK_SCHEMA, CheckReport, RunCheck
from .rules import Rule
from .scan import EventScan
from .secrets import SecretFinder

_BLOCK = 1024  # records handed to analyze at a time


def check_run(source: Any, events: Iterable[Located], rules: list[Rule], *, pricer: Optional[Pricer] = None,
              problems: Any = None, secrets: Optional[SecretFinder] = None) -> tuple[RunCheck, int]:
    """The rules judged against one run (`source`: a RunSource), and how many events it had."""
    wants_secrets = any(rule.key == "forbid_secrets" for rule in rules)
    scan = EventScan(rules, (secrets or SecretFinder()) if wants_secrets else None)
    seen = [0]
    report = analyze([(source, _blocks(events, scan, seen))], pricer=pricer, problems=problems)
    results = evaluate(rules, report, scan)
    run_id = report.run_ids[0] if report.run_ids else (source.run_id or source.label)
    check = RunCheck(run_id, source.label, list(source.files), all(r.passed for r in results), results)
    return check, seen[0]


def _blocks(events: Iterable[Located], scan: EventScan, seen: list[int]) -> Iterator[list[EventRecord]]:
    block: list[EventRecord] = []
    for located in events:
        scan.see(located)
        seen[0] += 1
        try:
            block.append(record_from_dict(located.event)[0])
        except ValueError:
            continue  # the reader checked the envelope; a record it cannot make is not analysable
        if len(block) >= _BLOCK:
            yield block
            block = []
    if block:
        yield block


def check_report(runs: list[RunCheck], rules: list[Rule]) -> CheckReport:
    """The runs' results as one report: it passes when every rule passed on every run."""
    failed = sum(len(run.failed) for run in runs)
    return CheckReport(CHECK_SCHEMA, f"namel3ss-debug {__version__}", failed == 0, len(rules), failed, runs)
