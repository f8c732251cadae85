"""The health verdict: failing, degraded or healthy, always with the reasons that decided it.

- failing: a run ended `failed` or with a non-zero exit code, or at least 20% of ended spans failed.
- degraded: any error, retry, agent loop, critical anomaly, integrity problem, or a run that never ended.
- healthy: none of these.
"""

from __future__ import annotations

from .report import Anomalies, Errors, Health, Integrity, Overview, Patterns

FAILING_ERROR_RATE = 0.2


def verdict(overview: Overview, errors: Errors, patterns: Patterns, anomalies: Anomalies,
            integrity: Integrity) -> Health:
    failing = _failing(overview)
    degraded = _degraded(errors, patterns, anomalies, integrity)
    if failing:
        return Health("failing", failing + degraded)
    return Health("degraded", degraded) if degraded else Health("healthy", ["no errors, retries, loops, critical "
                                                                            "anomalies or integrity problems"])


def _failing(overview: Overview) -> list[str]:
    reasons = [f"run {run.run_id} ended {run.status}" + (f" (exit code {run.exit_code})" if run.exit_code else "")
               for run in overview.runs if run.status == "failed" or run.exit_code not in (None, 0)]
    if overview.spans and overview.failed_spans / overview.spans >= FAILING_ERROR_RATE:
        reasons.append(f"{overview.failed_spans} of {overview.spans} spans failed "
                       f"({overview.failed_spans / overview.spans:.0%}, at least {FAILING_ERROR_RATE:.0%})")
    return reasons


def _degraded(errors: Errors, patterns: Patterns, anomalies: Anomalies, integrity: Integrity) -> list[str]:
    reasons = []
    if errors.total:
        top = errors.by_type[0]
        reasons.append(f"{errors.total} error(s), most often {top.type} ({top.count})")
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
