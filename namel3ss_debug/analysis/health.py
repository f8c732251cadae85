"""The health verdict: failing, stopped, degraded or healthy, always with the reasons that decided it.

- failing: a run failed, by the one definition every screen reads (`failed_run.py`): an error escaped it, it
  exited with a code other than 0, or a critical finding says it gave up. Exactly the runs whose outcome is
  `failed` (`failed_run.outcome`: `runs --status failed`, the report's header), which `diagnose` blames.
- stopped: no run failed, and a rerun stopped one before it could end (`failed_run.ended_as`: `stopped: no
  recorded answer`): how it would have ended is unknown, so it is neither failing nor healthy; what degraded it
  before the stop follows.
- degraded: any error (a handled one too: a tool failure turned into a message to the model, or a tool result
  that reads as an error), a finding of warning or critical severity that is not an opportunity, a retry, an
  agent loop, a critical anomaly, an integrity problem, or a run that never ended. A run that completed with a
  handled error is "degraded: completed with 1 handled error", never healthy.
- healthy: none of these.

An unknown cost (LLM calls nothing could price) does not change the verdict: the run did what it did, and
its cost is a gap in what was recorded, not a fault of the run. It is a note beside the verdict, so that a
"healthy" never reads as "and the cost is known".
"""

from __future__ import annotations

from typing import Sequence

from ..model.messages import plural
from .records.findings import Diagnosis
from .failed_run import STOPPED, Judged, degrading, run_failure
from .records.report import Anomalies, Errors, Health, Integrity, LlmUsage, Overview, Patterns

_NAMED = 3  # models named in a note


def verdict(overview: Overview, errors: Errors, patterns: Patterns, anomalies: Anomalies,
            integrity: Integrity, llm: LlmUsage | None = None, diagnosis: Diagnosis | None = None,
            no_answer: int = 0) -> Health:
    """The verdict over the report's runs; `diagnosis` is the pass's (the health section always has one): a run
    failed when it blamed the run (`failed_run.py` decides for both), and its failure line is the blame's.
    `no_answer`: of the LLM calls without usage, those that ended failed or stopped (`cost_notes`)."""
    findings = diagnosis.findings if diagnosis is not None else []
    failing = _failing(overview, diagnosis)
    completed = bool(overview.runs) and all((run.outcome or run.status) == "completed" and not run.exit_code
                                            for run in overview.runs)
    degraded = _degraded(errors, patterns, anomalies, integrity, completed) + _finding_reasons(findings)
    notes = cost_notes(llm, no_answer) if llm is not None else []
    if failing:
        return Health("failing", failing + degraded, notes, diagnosis.blames[0].failure if diagnosis else failing[0])
    stopped = _stopped(overview)
    if stopped:
        return Health(STOPPED, stopped + degraded, notes)
    if degraded:
        return Health("degraded", degraded, notes)
    return Health("healthy", ["no errors, findings, retries, loops, critical anomalies or integrity problems"],
                  notes)


def cost_notes(llm: LlmUsage, no_answer: int = 0) -> list[str]:
    """What is unknown of the cost: calls without usage, calls of models no price source knows. Of the calls
    without usage, `no_answer` ended failed or stopped: no answer came, whether streamed or not, so a stream's
    `include_usage` is not why (a rerun stopped at a miss)."""
    if not llm.unpriced_calls:
        return []
    known = "is unknown" if llm.cost_usd is None else "is a lower bound"
    notes = []
    no_answer = min(no_answer, llm.no_usage_calls)
    if no_answer:
        notes.append(f"{plural(no_answer, 'LLM call')} ended without an answer (failed or stopped) and so "
                     f"recorded no usage, so the cost {known}")
    if llm.no_usage_calls - no_answer:
        notes.append(f"{plural(llm.no_usage_calls - no_answer, 'LLM call')} recorded no usage (a stream made "
                     f"without include_usage reports none), so the cost {known}")
    unpriced = llm.unpriced_calls - llm.no_usage_calls
    if unpriced:
        models = sorted(m.model for m in llm.models if m.priced_by.get("unpriced"))
        named = ", ".join(models[:_NAMED]) + (f" and {len(models) - _NAMED} more" if len(models) > _NAMED else "")
        notes.append(f"{plural(unpriced, 'LLM call')} of {named} had no price (give one in "
                     f"price_overrides or --prices), so the cost {known}")
    return notes


def _failing(overview: Overview, diagnosis: Diagnosis | None) -> list[str]:
    """Each failed run's failure line: its blame's, else (no diagnosis: a run being written) how its run_end
    failed it; a report of several runs names the run."""
    if diagnosis is not None:
        failed = [(blame.run_id, blame.failure) for blame in diagnosis.blames]
    else:
        found = ((run.run_id, run_failure(run.status, run.exit_code, ())) for run in overview.runs)
        failed = [(run_id, failure.what) for run_id, failure in found if failure is not None]
    several = len(overview.runs) > 1
    return [f"run {run_id}: {what}" if several else what for run_id, what in failed]


def _stopped(overview: Overview) -> list[str]:
    """`stopped: no recorded answer` for each run a rerun stopped; a report of several runs names the run."""
    several = len(overview.runs) > 1
    return [f"{f'run {run.run_id}: ' if several else ''}{STOPPED}: {run.stopped}" for run in overview.runs
            if run.status == STOPPED]


def _finding_reasons(findings: Sequence[Judged]) -> list[str]:
    """`1 critical finding (tool_failing_repeatedly), 2 warnings (swallowed_error, call_loop)`."""
    reasons = []
    found = degrading(findings)
    for severity, noun in (("critical", "critical finding"), ("warning", "warning finding")):
        kinds = list(dict.fromkeys(f.kind for f in found if f.severity == severity))
        if kinds:
            count = sum(f.severity == severity for f in found)
            reasons.append(f"{plural(count, noun)} ({', '.join(kinds[:_NAMED])}"
                           f"{f' and {len(kinds) - _NAMED} more' if len(kinds) > _NAMED else ''})")
    return reasons


def error_reasons(errors: Errors, completed: bool) -> list[str]:
    """`completed with 1 handled error (KeyError 1)`, `1 unhandled error (ValueError 1)`: the errors apart, each
    with its most frequent types.

    A run's errors are handled unless they escaped the app (`handling.py`)."""
    reasons = []
    for count, noun, key in ((errors.unhandled, "unhandled error", "unhandled"),
                             (errors.handled, "handled error", "handled")):
        if not count:
            continue
        types = sorted(((getattr(e, key), e.type) for e in errors.by_type if getattr(e, key)), key=lambda t: -t[0])
        named = ", ".join(f"{kind} {n}" for n, kind in types[:_NAMED])
        lead = "completed with " if completed and key == "handled" and not errors.unhandled else ""
        reasons.append(f"{lead}{plural(count, noun)}" + (f" ({named})" if named else ""))
    return reasons


def _degraded(errors: Errors, patterns: Patterns, anomalies: Anomalies, integrity: Integrity,
              completed: bool = False) -> list[str]:
    reasons = error_reasons(errors, completed)
    retries = sum(retry.retries for retry in patterns.retries)
    if retries:
        reasons.append(f"{retries} retried call(s)")
    if patterns.loops:
        reasons.append(f"{len(patterns.loops)} agent loop(s)")
    critical = [a for a in anomalies.items if a.severity == "critical"]
    if critical:
        kinds = ", ".join(sorted({anomaly.kind for anomaly in critical}))
        reasons.append(f"{len(critical)} critical anomal{'y' if len(critical) == 1 else 'ies'}: {kinds}")
    if integrity.runs_not_ended:
        reasons.append(f"{integrity.runs_not_ended} run(s) never ended (crashed or still running)")
    if not integrity.ok:
        reasons.append("trace integrity problems (see integrity)")
    return reasons
