"""One run checked in one read: each event goes to the EventScan and, as a record, to `analyze`.

The events arrive once (standard input cannot be read twice), so the two halves share the stream:
`analyze` pulls blocks of records, and making each block shows its events to the scan on the way.

The records come from the store's typed fast path (a block of lines decoded at once, with each line's
place), and the scan sees a small dict of the fields it reads. Only `forbid_secrets`, which must look at
every string of every event, reads events as whole dicts: about five times slower.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import msgspec

from .._version import __version__
from ..analysis.analyze import analyze, dict_blocks
from ..analysis.prices import Pricer
from ..store.reader import Located, TraceReader
from ..store.records import EventRecord
from .evaluate import evaluate
from .results import CHECK_SCHEMA, CheckReport, RunCheck
from .rules import Rule
from .scan import EventScan
from .secrets import SecretFinder


def check_run(source: Any, reader: TraceReader, rules: list[Rule], *, pricer: Optional[Pricer] = None,
              secrets: Optional[SecretFinder] = None) -> tuple[RunCheck, int]:
    """The rules judged against one run (`source`: a RunSource read by `reader`), and how many events it had."""
    wants_secrets = any(rule.key == "forbid_secrets" for rule in rules)
    scan = EventScan(rules, (secrets or SecretFinder()) if wants_secrets else None)
    blocks = (dict_blocks(reader.events(source), scan.see, reader.problems)
              if wants_secrets else _record_blocks(reader, source, scan))
    report = analyze([(source, blocks)], pricer=pricer, problems=reader.problems)
    results = evaluate(rules, report, scan)
    run_id = report.run_ids[0] if report.run_ids else (source.run_id or source.label)
    check = RunCheck(run_id, source.label, list(source.files), all(r.passed for r in results), results)
    return check, scan.events


def _record_blocks(reader: TraceReader, source: Any, scan: EventScan) -> Iterator[list[EventRecord]]:
    """The run's records a block at a time, each shown to the scan first as the fields it reads."""
    for file, placed in reader.placed_records(source):
        path = source.files[file]
        for record, line, offset in placed:
            scan.see(Located(_fields(record), path, line, offset))
        yield [record for record, _, _ in placed]


def _fields(record: EventRecord) -> dict[str, Any]:
    """What the scan reads of an event (everything but `forbid_secrets`, which takes the other path)."""
    event: dict[str, Any] = {"run_id": record.run_id, "seq": record.seq, "event_type": record.event_type,
                             "component": record.component, "name": record.name, "status": record.status}
    for key in ("duration_ms", "cost_usd"):
        value = getattr(record, key)
        if value is not None:
            event[key] = value
    if record.usage is not None:
        event["usage"] = msgspec.structs.asdict(record.usage)
    if record.error is not None:
        event["error"] = msgspec.structs.asdict(record.error)
    return event


def check_report(runs: list[RunCheck], rules: list[Rule]) -> CheckReport:
    """The runs' results as one report: it passes when every rule passed on every run."""
    failed = sum(len(run.failed) for run in runs)
    return CheckReport(CHECK_SCHEMA, f"namel3ss-debug {__version__}", failed == 0, len(rules), failed, runs)
