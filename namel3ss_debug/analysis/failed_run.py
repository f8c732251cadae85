"""When a run failed: the one definition that `analyze`'s health, `diagnose`, `verify`, `bisect`, `check`, the
report, `runs` and the run index all read.

A run **failed** when, in this order:
1. an error escaped it: its `run_end` says `failed` (`analysis/handling.py`);
2. it exited with a code other than 0;
3. it gave up: a critical finding of a kind in `GAVE_UP` says so (its final answer apologises after a failure,
   a turn limit stopped it, its context overflowed).

A run that survived a failure (a handled error: a tool whose error the app or a framework told the model) did
not fail; it is **degraded**, never healthy (`health.py`), and so is a run with a finding of warning or critical
severity that is not an opportunity (`OPPORTUNITIES`: time or money it could save), whatever its kind.
`verify` calls a run failed on these same grounds, and a failed check or `--expect` rule on top (judged outside
the run, and handed to `diagnose` as a failure so that it is blamed too).

A run's **outcome** (`outcome`) is the one word every status, filter and header says of how it ended, read from
this definition: `failed` when it failed (whichever way: `runs --status failed`, health `failing`, `diagnose`'s
`failed:` lines and `failed_runs`, the report's header all name the same runs), `stopped` for a run a rerun
stopped, else the status its `run_end` recorded (`completed`, or `unfinished` without one). A run that failed by
giving up keeps the kind of the finding that says so (`gave_up`), so that a screen can say `failed (gave up)`
beside the `completed` its `run_end` recorded.

A run a rerun **stopped** (`ended_as`: its `run_end` failed with one of the rerun's stops, `model/rerun_protocol.
STOPS`, such as a call the recording had no answer for) neither failed nor went right: the app was stopped from
outside before it could end, so its status is `stopped`, its health `stopped` (`health.py`), its stop is no error
of the app's (`collectors/errors.py`), and nothing is blamed for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Protocol, TypeVar

from ..model.rerun_protocol import stopped_by

GAVE_UP = ("apology_after_failure", "turn_limit", "context_overflow")  # when critical: the run gave up
OPPORTUNITIES = frozenset({"parallelizable_calls", "cacheable_calls"})  # savings, not faults
SAYS_COMPLETED = frozenset({"swallowed_error"})  # findings that say the run's outcome is completed
RUN, FINDING = "run", "finding"  # where a failure shows: the run's own end, or a finding that it gave up
STOPPED = "stopped"  # the status of a run a rerun stopped (`ended_as`)
FAILED = "failed"  # the outcome of a run that failed, by any of the three grounds above
GAVE_UP_SAID = "gave up"  # how a screen says a run failed by giving up: `failed (gave up)`


class Judged(Protocol):
    """What the definition reads of a finding (`records/findings.Finding`)."""

    @property
    def kind(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def run_id(self) -> str: ...


@dataclass(frozen=True)
class RunFailure:
    """Why a run failed: `source` (`run`: its status or exit code; `finding`: it gave up), the line that says it
    and, for a finding, the finding."""

    source: str
    what: str
    finding: Optional[Judged] = None


def run_failure(status: Optional[str], exit_code: Optional[int], findings: Iterable[Judged],
                ended: str = "") -> Optional[RunFailure]:
    """Why a run of `status` and `exit_code` with these findings (its own) failed, or None when it did not.
    `ended` says how it ended when its status or exit code failed it (`run ended failed with ValueError: ...`).

    >>> run_failure("completed", 0, []) is None
    True
    >>> run_failure("failed", 1, []).source
    'run'
    """
    if status == STOPPED:
        return None
    if status == "failed" or exit_code not in (None, 0):
        return RunFailure(RUN, ended or _ended(status, exit_code))
    gave_up = [finding for finding in findings if finding.severity == "critical" and finding.kind in GAVE_UP]
    if not gave_up:
        return None
    finding = min(gave_up, key=lambda item: GAVE_UP.index(item.kind))
    return RunFailure(FINDING, finding.title, finding)


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended, in the one vocabulary: `outcome` is `failed`, `stopped`, or the status its `run_end`
    recorded (`completed`, `unfinished`, ...); `gave_up` the kind of the critical finding that failed it
    (`apology_after_failure`, `turn_limit`, `context_overflow`), None when it failed by its end or did not fail."""

    outcome: str
    gave_up: Optional[str] = None


def outcome(status: Optional[str], exit_code: Optional[int], findings: Iterable[Judged]) -> RunOutcome:
    """The outcome of a run of `status` (`ended_as`'s: `stopped` for a run its rerun stopped) and `exit_code`
    with these findings (its own): `failed` exactly when `run_failure` says it failed.

    >>> outcome("completed", 0, []), outcome("completed", 2, []).outcome, outcome(None, None, []).outcome
    (RunOutcome(outcome='completed', gave_up=None), 'failed', 'unfinished')
    """
    failed = run_failure(status, exit_code, findings)
    if failed is None:
        return RunOutcome(status or "unfinished")
    return RunOutcome(FAILED, failed.finding.kind if failed.finding is not None else None)


def outcome_said(status: str, exit_code: Optional[int], gave_up: Optional[str] = None,
                 stopped: Optional[str] = None) -> str:
    """An outcome as every table and header says it: `failed (gave up)`, `failed (exit 1)`, `stopped: no recorded
    answer`, `completed`.

    >>> outcome_said("failed", 0, "apology_after_failure"), outcome_said("failed", 1), outcome_said("completed", 0)
    ('failed (gave up)', 'failed (exit 1)', 'completed')
    """
    if stopped is not None:
        return f"{status}: {stopped}"
    if gave_up is not None:
        return f"{status} ({GAVE_UP_SAID})"
    return status if exit_code in (None, 0) else f"{status} (exit {exit_code})"


def ended_as(status: Optional[str], error_type: object) -> tuple[Optional[str], Optional[str]]:
    """A run's status from its `run_end`'s status and error type, and why a rerun stopped it: (`stopped`, why)
    when its rerun stopped the app (`model/rerun_protocol.STOPS`), else (`status`, None).

    >>> ended_as("failed", "namel3ss_debug.model.rerun_protocol.RerunMiss"), ended_as("failed", "KeyError")
    (('stopped', 'no recorded answer'), ('failed', None))
    """
    why = stopped_by(error_type) if status == "failed" else None
    return (status, None) if why is None else (STOPPED, why)


J = TypeVar("J", bound=Judged)


def consistent(findings: Iterable[J]) -> list[J]:
    """The findings less those that say a run completed (`SAYS_COMPLETED`) of a run a critical finding says gave
    up: its outcome is `failed`, and a failure the model gave up on was not swallowed.

    Such a finding is only made of a run whose `run_end` said completed with exit code 0, so giving up is the one
    way its run fails."""
    kept = list(findings)
    gave_up = {finding.run_id for finding in kept if finding.severity == "critical" and finding.kind in GAVE_UP}
    return [finding for finding in kept if not (finding.kind in SAYS_COMPLETED and finding.run_id in gave_up)]


def degrading(findings: Iterable[Judged]) -> list[Judged]:
    """The findings that keep a run from being healthy: warning or critical, not an opportunity."""
    return [finding for finding in findings
            if finding.severity in ("warning", "critical") and finding.kind not in OPPORTUNITIES]


def _ended(status: Optional[str], exit_code: Optional[int]) -> str:
    return f"run ended {status}" if status == "failed" else f"run exited with code {exit_code}"
