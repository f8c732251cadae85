"""A run still being written, as its readers should name it: `running`, its open calls `in flight`.

The analysis of a run read while its app writes it finds spans with no end and no `run_end`, and calls them
unclosed and the run "never ended" (degraded): true of a run that crashed, not of one that is still going.
Only a reader that knows the run is being written (`view --follow` watching it) asks for this view of the
record: the verdict is `running`, with what is already wrong so far as its reasons (an error seen now
stays an error when the run ends), and the open spans are no integrity problem (`in_flight` counts them).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from .health import verdict
from .records.report import INTEGRITY_COUNTS, Health, Integrity, Report

RUNNING = "running"
IN_FLIGHT = "in flight"
_OPEN_NOTE = "span(s) never ended"  # the note the tally writes for a run's open spans (`tally.py`)


@dataclass(frozen=True)
class RunningRecord:
    """The record of a run being written, and how many of its spans are in flight (started, not ended)."""

    report: Report
    in_flight: int


def as_running(report: Report) -> RunningRecord:
    """`report` (of one run, read before its `run_end`) as the record of a run still being written."""
    integrity = report.integrity
    if integrity is None:
        return RunningRecord(report, 0)
    settled = _settled(integrity)
    health = report.health
    if health is not None and report.overview is not None and report.errors is not None \
            and report.patterns is not None and report.anomalies is not None:
        so_far = verdict(report.overview, report.errors, report.patterns, report.anomalies, settled, report.llm,
                         report.findings)
        reasons = [] if so_far.verdict == "healthy" else [f"so far: {reason}" for reason in so_far.reasons]
        health = Health(RUNNING, reasons or ["nothing wrong so far"], health.notes)  # the tally's notes
    return RunningRecord(msgspec.structs.replace(report, integrity=settled, health=health), integrity.unclosed_spans)


def _settled(integrity: Integrity) -> Integrity:
    """The integrity of a run being written: its open spans and its missing `run_end` are no problem yet."""
    problems = [line for line in integrity.problems if _OPEN_NOTE not in line]
    open_free = msgspec.structs.replace(integrity, unclosed_spans=0, runs_not_ended=0, problems=problems)
    ok = not any(getattr(open_free, name) for name in INTEGRITY_COUNTS)
    return msgspec.structs.replace(open_free, ok=ok)
