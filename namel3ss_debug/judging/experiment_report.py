"""What `diagnose --experiment` shows and keeps: the blame read from the log, the fork points tried with their
rescue rates, the conclusion (`experiment.py`), and what it spent. The field names are the JSON keys of
`diagnose --experiment --format json` and of the record kept beside the forks (`RECORD_SUFFIX`), which
`report` and `view` read back.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Optional

import msgspec

from .experiment import VERIFIED, Conclusion, PointTried

EXPERIMENT_SCHEMA = "namel3ss-debug/experiment/v1"
RECORD_SUFFIX = ".experiment.json"  # RUN_ID.experiment.json, in the folder the forks were written to
DEFAULT_TRIES, MAX_TRIES = 3, 50  # tries at each fork point (--tries)
MAX_RECORD = 8 << 20  # bytes of a record read back: far more than a search of 1,000 points writes


_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def record_name(run_id: str) -> str:
    """The record's file name for a run: `RUN_ID.experiment.json` when the id is a plain name (a trace's id is its
    writer's text: one with a `/` or `..` never names a path), else a digest of it."""
    if _PLAIN_ID.fullmatch(run_id):
        return run_id + RECORD_SUFFIX
    return "run-" + hashlib.blake2b(run_id.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() + RECORD_SUFFIX


class Spent(msgspec.Struct, frozen=True):
    """What the search spent: its tries, the model calls sent live, and their cost when every model is priced."""

    tries: int
    model_calls: int
    cost_usd: Optional[float]  # None: a model's price is unknown (never 0 for unknown)


class Budget(msgspec.Struct, frozen=True):
    """The search's bounds, as given: tries at each fork point, `--max-calls`, `--max-cost`."""

    tries: int
    max_calls: Optional[int] = None
    max_cost: Optional[float] = None


class Checked(msgspec.Struct, frozen=True):
    """What an experiment kept beside a run says of its blame, as `diagnose` shows it under the blame."""

    verdict: str  # verified | not confirmed
    why: str  # the conclusion's sentence, with the rescue rates
    call: Optional[str]  # verified: the decisive call
    reason: Optional[str]  # not confirmed: one of experiment.REASONS
    agrees: Optional[bool]  # whether the decisive call is the one the blame read (None: not comparable)
    record: str  # the record's path


class ExperimentReport(msgspec.Struct, frozen=True):
    """The experiment on one failed run."""

    schema: str
    generated_by: str
    run_id: str
    trace: str
    failure: str  # the recorded run's outcome, as `verify` judges it: `failed: expect contains:Lisbon ...`
    points: int  # the run's model calls: the fork points
    read_call: Optional[str]  # the model call the blame's decisive step maps to (None: no step blamed)
    read_step: Optional[str]  # the blame's decisive step, as `diagnose` names it (`tool:get_weather#2`)
    read_confidence: Optional[str]  # the blame's confidence
    tried: list[PointTried]  # the points tried, in the order they were tried
    conclusion: Conclusion
    spent: Spent
    budget: Budget
    live: str  # where the live calls went: `--live` (the app's endpoints) or the --base-url
    endpoints: list[str]
    expect: Optional[str] = None
    record: Optional[str] = None  # the record's path, when it was written

    @property
    def verified(self) -> bool:
        return self.conclusion.verdict == VERIFIED

    @property
    def agrees(self) -> Optional[bool]:
        """Whether the experiment found the call the blame read (None: nothing verified or nothing read)."""
        decisive = self.conclusion.decisive
        if decisive is None or self.read_call is None:
            return None
        return decisive.call == self.read_call

    @property
    def exit_code(self) -> int:
        """0 verified; 1 not confirmed (no rescue, the budget, Ctrl-C, unjudged tries)."""
        return 0 if self.verified else 1

    def checked(self, record: str) -> Checked:
        """What this experiment says of the blame, for `diagnose` (`record`: where it was read)."""
        conclusion = self.conclusion
        decisive = conclusion.decisive
        return Checked(conclusion.verdict, conclusion.why, decisive.call if decisive is not None else None,
                       conclusion.reason, self.agrees, record)

    def document(self) -> dict[str, Any]:
        """The report as plain JSON values: its fields, each point tried with its `interval` (and the conclusion's
        `at` and `after`), and `verified` / `agrees` said: `--format json` and the record kept beside the forks."""
        plain: dict[str, Any] = msgspec.to_builtins(self)
        for done, shown in zip(self.tried, plain["tried"]):
            shown["interval"] = list(done.interval)
        for name in ("at", "after"):
            point = getattr(self.conclusion, name)
            if point is not None:
                plain["conclusion"][name]["interval"] = list(point.interval)
        plain["verified"], plain["agrees"] = self.verified, self.agrees
        return plain
