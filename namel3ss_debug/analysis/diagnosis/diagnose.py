"""The diagnosis of a pass: the agent rules' findings (judged by `Clues` as each agent ended), the run rules over
each run's clues and the report's figures, kept consistent with each run's outcome (`failed_run.consistent`: no
finding says a run that gave up completed), merged and ordered, and the blame of each run that failed.

Two calls, both pure:
- `diagnose(clues, figures)`: what `build.py` puts in the report's `findings` section.
- `rediagnose(clues, failures)`: the same diagnosis blamed again with failures judged outside the run (a failed
  check, a failing `--expect` rule), for `namel3ss-debug diagnose`. Its clues are the ones `analyze(...,
  keep_clues=...)` hands over after the pass; the rules are not run again.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import msgspec

from ..failed_run import consistent
from ..records.report import CriticalPath, Patterns, SlowOperations
from .blame.judge import blame_run, failure_of
from .collector.clues import Clues
from ..records.findings import KINDS, SEVERITIES, Blame, Diagnosis, BlamedFailure, Finding
from .rules import RunFigures
from .rules.registry import run_rules
from .notes.steps import RunClues


def run_figures(run_ids: Sequence[str], critical_paths: Optional[Sequence[CriticalPath]],
                slow: Optional[SlowOperations], patterns: Optional[Patterns]) -> list[RunFigures]:
    """Each run's share of the report's figures: its critical path, slow spans, retries, repeated calls, loops."""
    paths = {path.run_id: path for path in critical_paths or ()}
    return [RunFigures(
        run_id, paths.get(run_id),
        tuple(span for span in (slow.top if slow is not None else ()) if span.ref.run_id == run_id),
        tuple(retry for retry in (patterns.retries if patterns is not None else ()) if retry.first.run_id == run_id),
        tuple(call for call in (patterns.repeated_calls if patterns is not None else ())
              if call.first.run_id == run_id),
        tuple(loop for loop in (patterns.loops if patterns is not None else ()) if loop.ref.run_id == run_id),
    ) for run_id in run_ids]


def diagnose(clues: Clues, figures: Sequence[RunFigures]) -> Diagnosis:
    """The run rules over each run, every finding merged and ordered (kept in `clues.judged` for `rediagnose`),
    and each failed run blamed."""
    by_run = {figure.run_id: figure for figure in figures}
    found = list(clues.findings)
    rules = run_rules()
    for run in clues.runs:
        figure = by_run.get(run.run_id) or RunFigures(run.run_id)
        for rule in rules:
            found.extend(rule(run, figure, clues.judging))
    clues.judged = ordered(merged(consistent(found)), clues.runs)
    return rediagnose(clues, ())


def rediagnose(clues: Clues, failures: Iterable[BlamedFailure]) -> Diagnosis:
    """The diagnosis of a pass `diagnose` judged, with `failures` judged outside the runs (checks, `--expect`).

    `clues` is what `analyze(..., sections=[..., "findings"], keep_clues=callback)` hands `callback` once the
    report is built (its findings are judged then); `failures` are `records.findings.BlamedFailure`s naming their run by
    `run_id` (a failure naming no run of the pass is ignored). A run is blamed once: for its own failure (it ended
    failed, a non-zero exit code: `blame.failure_of`) when it has one, else for the first failure given for it.
    The findings are the same as the report's; `blames` and `failed_runs` follow the runs' order.
    """
    judged = clues.judged if clues.judged is not None else ordered(merged(clues.findings), clues.runs)
    given: dict[str, BlamedFailure] = {}
    for outside in failures:
        given.setdefault(outside.run_id, outside)
    by_run: dict[str, list[Finding]] = {}  # each run's findings, in their order (one look at each, not one a run)
    for finding in judged:
        by_run.setdefault(finding.run_id, []).append(finding)
    blames: list[Blame] = []
    for run in clues.runs:
        mine = by_run.get(run.run_id, [])
        failure = failure_of(run, mine) or given.get(run.run_id)
        if failure is not None:
            blames.append(blame_run(run, failure, mine))
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in judged:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return Diagnosis(judged, blames, counts, [blame.run_id for blame in blames])


def merged(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per kind, run, agent and operation (the first evidence's component and name): the first one
    found, with `occurrences` the sum of all of them."""
    kept: dict[tuple[str, str, Optional[str], Optional[tuple[str, str]]], list[Finding]] = {}
    for finding in findings:
        first = finding.evidence[0].ref if finding.evidence else None
        operation = (first.component, first.name) if first is not None else None
        kept.setdefault((finding.kind, finding.run_id, finding.agent, operation), []).append(finding)
    out = []
    for same in kept.values():
        head = same[0]
        occurrences = sum(finding.occurrences for finding in same)
        out.append(head if occurrences == head.occurrences else _with_occurrences(head, occurrences))
    return out


def _with_occurrences(finding: Finding, occurrences: int) -> Finding:
    return msgspec.structs.replace(finding, occurrences=occurrences)


def ordered(findings: list[Finding], runs: Sequence[RunClues]) -> list[Finding]:
    """Most severe first, then in KINDS' order, then by run and first evidence's seq."""
    places = {run.run_id: run.index for run in runs}

    def key(finding: Finding) -> tuple[int, int, int, int]:
        severity = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 0
        kind = KINDS.index(finding.kind) if finding.kind in KINDS else len(KINDS)
        seq = finding.evidence[0].ref.seq if finding.evidence else -1
        return -severity, kind, places.get(finding.run_id, len(places)), seq

    return sorted(findings, key=key)
