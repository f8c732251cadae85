"""The blame of a failed run: the responsible agent, the decisive step and the chain to the failure.

(Being written: see ISSUE65. The signatures below are the contract `diagnose.py` calls.)
"""

from __future__ import annotations

from typing import Sequence

from .records import Blame, Failure, Finding
from .steps import RunClues


def failure_of(run: RunClues, findings: Sequence[Finding]) -> Failure | None:
    """The run's own failure (its status, exit code, an unhandled error, or a finding that it gave up), or None."""
    if run.status == "failed" or run.exit_code not in (None, 0):
        return Failure(run.run_id, f"run ended {run.status}", "run", run.end_seq)
    return None


def blame_run(run: RunClues, failure: Failure, findings: Sequence[Finding]) -> Blame:
    """Who and where for `failure`; agent and step None ("unknown") when the evidence points nowhere."""
    return Blame(run.run_id, failure.what, None, None, "low", "not written yet")
