"""The diagnosis's records: findings (kind, severity, confidence, evidence, why, what to try) and the blame of a
failed run. Field names are the JSON keys of `diagnose --format json` and of `analyze`'s `findings` section.
"""

from __future__ import annotations

from typing import Optional

import msgspec

from ...model.choices import FINDING_KINDS, FINDING_SEVERITIES
from .refs import Ref

DIAGNOSIS_SCHEMA = "namel3ss-debug/diagnose/v1"

# The kinds and severities are in model/choices.py, for `diagnose --kind` and `check --fail-on-finding`.
SEVERITIES = FINDING_SEVERITIES  # lowest first: `--fail-on-finding KIND:SEVERITY` means "or worse"
KINDS = FINDING_KINDS  # in the order the views list them (most often decisive first)
CONFIDENCES = ("low", "medium", "high")


class Evidence(msgspec.Struct, frozen=True):
    """One span or event that shows the finding: where it is and what it shows."""

    ref: Ref  # run id, seq, span id, component, name, kind
    note: str  # what this piece shows, one line: "raised KeyError: 'Paris, FR'"
    address: Optional[str] = None  # the call address `tool:get_weather#2` (`replay`, `--fork`, `inspect`)
    location: Optional[str] = None  # `file:line` of the event, filled after the pass when the trace is a file
    agent: Optional[str] = None  # the agent's name, when the step ran in one


class Finding(msgspec.Struct, frozen=True):
    kind: str  # one of KINDS
    severity: str  # one of SEVERITIES
    confidence: str  # one of CONFIDENCES: how sure the rule is that this is the cause it names
    title: str  # one line: "get_weather failed 3 times with KeyError while the model kept asking for it"
    why: str  # the rule that fired, with the figures: "3 failures in a row (threshold 3) ..."
    suggestion: str  # what to try, concretely: the setting, the pattern, the place in the run
    evidence: list[Evidence]  # the few spans that prove it, in seq order, at most `thresholds.MAX_EVIDENCE`
    run_id: str
    agent: Optional[str] = None  # the agent's name it is about, when one
    setting: Optional[str] = None  # the config key that tunes the rule (`diagnose_tool_failures`)
    figures: dict[str, float] = msgspec.field(default_factory=dict)  # saved_ms, cost_usd, share, count, ...
    occurrences: int = 1  # how many times the rule fired with this kind, agent and operation (one finding shown)


class BlamedFailure(msgspec.Struct, frozen=True):
    """Why a run is judged failed, which the blame explains."""

    run_id: str
    what: str  # "run ended failed with KeyError: 'Paris, FR'", "check max_errors: 2 > 0", "expect ...: not met"
    source: str  # run (its status, exit code or an unhandled error) | finding (it gave up) | check | expect
    seq: Optional[int] = None  # where it shows, when one event does (the unhandled error, the final answer)


class BlameLink(msgspec.Struct, frozen=True):
    """One link of the chain from the decisive step to the failure."""

    evidence: Evidence
    role: str  # decisive | propagated | failure
    why: str  # why this link follows from the one before: "the model passed 'Paris, FR' from the user's message"


class BlameCandidate(msgspec.Struct, frozen=True):
    """A step that may be the decisive one: the blame's own step first, then its runners-up, to try in turn (a fork at
    it, `bisect`, `verify` of a fix there)."""

    step: Evidence
    agent: Optional[str]  # the agent that acted in it, when known
    confidence: str  # one of CONFIDENCES: how sure the rule that points at it is
    why: str  # the rule that points at it, and what it saw
    ranked: str  # why it ranks where it does
    path: str = ""  # the rule's path that points at it (`calibration.py`); `.also`/`.propagated`: named beside it


class Blame(msgspec.Struct, frozen=True):
    """Who and where, for a run that failed: the agent and the decisive step, or unknown."""

    run_id: str
    failure: str  # what failed: "run ended failed with KeyError", "expect 'contains: Paris' failed", "check ..."
    agent: Optional[str]  # None: unknown
    step: Optional[Evidence]  # the decisive step; None: unknown
    confidence: str  # one of CONFIDENCES; "low" when `step` is None
    why: str  # the rule that chose the step, or why the evidence points nowhere
    chain: list[BlameLink] = msgspec.field(default_factory=list)  # decisive step first, the failure last
    finding: Optional[str] = None  # the kind of the finding the decisive step belongs to, when one
    # the decisive step and up to `blame.RUNNERS_UP` runners-up, best first; empty when the step is unknown
    candidates: list[BlameCandidate] = msgspec.field(default_factory=list)
    path: Optional[str] = None  # the rule's path that chose the step (`calibration.py`: its level); None: unknown


class Diagnosis(msgspec.Struct, frozen=True):
    findings: list[Finding]  # most severe first, then by KINDS' order, then by seq
    blames: list[Blame]  # one per run that failed, in run order; empty when none failed
    counts: dict[str, int]  # findings by severity (every severity present, 0 when none)
    failed_runs: list[str] = msgspec.field(default_factory=list)  # the runs judged failed
