"""What `check` found: frozen records that every view (table, JSON, GitHub annotations, JUnit) renders.

Field names are the JSON keys of `check --format json` (schema `namel3ss-debug/check/v1`).
"""

from __future__ import annotations

import math
from typing import Optional

import msgspec

CHECK_SCHEMA = "namel3ss-debug/check/v1"
MAX_EVENTS = 5  # responsible events listed per rule; `more_events` counts the rest


def ms_text(value: float) -> str:
    """`3s`, `1.25s`, `500ms`, `3.2ms`: as a duration flag is written."""
    return f"{value / 1000:.4g}s" if value >= 1000 else f"{value:.4g}ms"


def usd_text(value: float) -> str:
    """`$0.50`, `$0.0000537`, `$0.000000001`: cents, or the digits a tiny amount needs (never `$0.` for one
    under a hundred-millionth)."""
    if value >= 0.01 or value == 0:
        return f"${value:.2f}"
    return f"${value:.{max(8, 2 - math.floor(math.log10(value)))}f}".rstrip("0")


class EventRef(msgspec.Struct, frozen=True):
    """An event a rule is about: its run and seq, where it is (`file:line`) and what it was."""

    run_id: str
    seq: int
    where: Optional[str]
    event_type: Optional[str]
    component: str
    name: str
    detail: Optional[str] = None  # `4.2s`, `TimeoutError: late`, `secret-looking text in inputs`

    def describe(self) -> str:
        """`seq 16 tool:search (TimeoutError: late) at run.jsonl:17`."""
        detail = f" ({self.detail})" if self.detail else ""
        where = f" at {self.where}" if self.where else ""
        return f"seq {self.seq} {self.component}:{self.name}{detail}{where}"


class CheckResult(msgspec.Struct, frozen=True):
    """One rule judged against one run. `limit` and `value` are as people write them (`3s`, `$0.50`);
    `limit_number` and `value_number` are the same in ms, USD or counts, for scripts (None when not a number)."""

    rule: str
    key: str
    target: Optional[str]
    origin: str
    passed: bool
    limit: str
    value: str
    limit_number: Optional[float]
    value_number: Optional[float]
    message: str
    events: list[EventRef]
    more_events: int = 0
    details: list[str] = msgspec.field(default_factory=list)  # integrity problems, notes on the figure

    @property
    def explanation(self) -> str:
        """`message` without its status word, for a line that shows the status itself (`FAIL max_errors: ...`)."""
        return self.message.replace(f"{self.rule}: {STATUS[self.passed]}: ", f"{self.rule}: ", 1)


STATUS = {True: "ok", False: "FAILED"}  # the word after the rule's name in `message`

class RunCheck(msgspec.Struct, frozen=True):
    run_id: str
    source: str
    files: list[str]
    passed: bool
    results: list[CheckResult]
    # how the run itself turned out, as analyze says it (`analysis/failed_run.py`): absent when nothing was analysed
    status: Optional[str] = None  # run_end's: completed | failed | unfinished
    health: Optional[str] = None  # healthy | degraded | stopped | failing
    failure: Optional[str] = None  # the failure line of a run that failed (its blame's)
    outcome: Optional[str] = None  # in the one vocabulary (`failed_run.outcome`): `failed` for a run that gave up too
    gave_up: Optional[str] = None  # the kind of the finding that says it gave up, when that is how it failed

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if not result.passed]


class CheckReport(msgspec.Struct, frozen=True):
    schema: str
    generated_by: str
    passed: bool
    rules: int
    failed: int  # failed (rule, run) pairs
    runs: list[RunCheck]

    @property
    def passed_count(self) -> int:
        """Passed (rule, run) pairs."""
        return sum(len(run.results) - len(run.failed) for run in self.runs)
