"""Rules judged against one run: figures from `analyze`'s Report, events from the EventScan.

Each rule kind has one small function returning a `LimitVerdict`; `evaluate` turns it into a CheckResult with one
message that names the rule, the limit, the measured value and the events responsible.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from ..analysis.records.findings import Finding
from ..analysis.records.report import INTEGRITY_COUNTS, Errors, OperationStats, Report
from ..model.choices import FINDING_SEVERITIES
from ..model.events import COMPONENTS
from ..model.messages import plural
from ..model.secret_scope import SCOPE as SECRET_SCOPE
from .lookalike import lookalike_notes
from .results import MAX_EVENTS, STATUS, CheckResult, EventRef, ms_text, usd_text
from .rules import ANY_FINDING, CALL_COMPONENTS, Rule
from .scan import EventScan
from .specs import EventSpec, name_matches


@dataclass(frozen=True)
class LimitVerdict:
    passed: bool
    limit: str
    value: str
    limit_number: Optional[float] = None
    value_number: Optional[float] = None
    events: list[EventRef] = field(default_factory=list)
    total_events: int = 0  # responsible events in all (more than listed)
    details: list[str] = field(default_factory=list)


def evaluate(rules: list[Rule], report: Report, scan: EventScan) -> list[CheckResult]:
    """Every rule, in order, against the run that `report` and `scan` describe."""
    return [_result(rule, _JUDGES[rule.key](rule, report, scan)) for rule in rules]


def _result(rule: Rule, verdict: LimitVerdict) -> CheckResult:
    events = verdict.events[:MAX_EVENTS]
    more = max(verdict.total_events - len(events), 0)
    message = f"{rule.name}: {STATUS[verdict.passed]}: {verdict.value} (limit {verdict.limit})"
    if events and not verdict.passed:
        message += "; " + "; ".join(ref.describe() for ref in events) + (f"; and {more} more" if more else "")
    if verdict.details and not verdict.passed:
        message += "; " + "; ".join(verdict.details[:MAX_EVENTS])
    return CheckResult(rule.name, rule.key, rule.target, rule.origin, verdict.passed, verdict.limit,
                       verdict.value, verdict.limit_number, verdict.value_number, message, events, more,
                       list(verdict.details))


# ---------------------------------------------------------------- errors


def _max_errors(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    """Every distinct error, handled (the app went on) or not."""
    errors = report.errors
    total = errors.total if errors else 0
    refs = _error_refs(report, scan, lambda category: True)
    verdict = _at_most(rule.limit, total, "error", refs, total)
    return replace(verdict, value=_apart(errors)) if errors is not None and total else verdict


def _max_unhandled_errors(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    """Only the errors that escaped the app (`analysis/handling.py`): a run that survived its tool's failure passes."""
    errors = report.errors
    unhandled = errors.unhandled if errors else 0
    refs = _error_refs(report, scan, lambda category: True, unhandled=True)
    verdict = _at_most(rule.limit, unhandled, "unhandled error", refs, unhandled)
    handled = errors.handled if errors else 0
    return replace(verdict, value=f"{verdict.value} ({handled} handled, not counted)") if handled else verdict


def _apart(errors: Errors) -> str:
    """`2 errors (1 handled, 1 unhandled)`."""
    return f"{plural(errors.total, 'error')} ({errors.handled} handled, {errors.unhandled} unhandled)"


def _max_category_errors(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    count, refs = _errors(report, scan, lambda category: category == rule.target)
    return _at_most(rule.limit, count, f"{rule.target} error", refs, count)


def _max_component_errors(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    stats = next((s for s in report.components or [] if s.component == rule.target), None)
    found = scan.failed_by_component[rule.target_text]
    return _at_most(rule.limit, stats.errors if stats else 0, f"failed {rule.target} span", found.refs(), found.count)


def _errors(report: Report, scan: EventScan, wanted: Callable[[str], bool]) -> tuple[int, list[EventRef]]:
    """The distinct errors of the wanted categories: how many, and where the report's examples of them are."""
    by_category = report.errors.by_category if report.errors else {}
    count = sum(count for category, count in by_category.items() if wanted(category))
    return count, _error_refs(report, scan, wanted)


def _error_refs(report: Report, scan: EventScan, wanted: Callable[[str], bool],
                unhandled: bool = False) -> list[EventRef]:
    """Where the report's error examples are (they are where each error began), placed by the scan; `unhandled`:
    only of the types some error of which escaped the app."""
    refs = []
    for kind in report.errors.by_type if report.errors else []:
        if wanted(kind.category) and (kind.unhandled or not unhandled):
            for example in kind.examples:
                ref = example.ref
                where, event_type = scan.place(ref.seq)
                refs.append(EventRef(ref.run_id, ref.seq, where, event_type, ref.component, ref.name,
                                     f"{kind.type}: {example.message}" if example.message else kind.type))
    return sorted(refs, key=lambda ref: ref.seq)


# ---------------------------------------------------------------- latency


# The report sections the rules read: a check's pass over a run keeps nothing only other sections need.
# the run's health (and so its findings) always: a check shows how the run turned out beside its rules
SECTIONS_READ = ("overview", "components", "operations", "llm", "errors", "integrity", "health")
FINDINGS_READ = ("findings",)  # only `fail_on_finding` reads it: the diagnosis's collector runs only then


def sections_read(rules: list[Rule]) -> tuple[str, ...]:
    """The report sections the rules read."""
    return SECTIONS_READ + (FINDINGS_READ if any(rule.key == "fail_on_finding" for rule in rules) else ())
_PERCENTILE = {"max_p95": ("p95_ms", "p95"), "max_p99": ("p99_ms", "p99"), "max_latency": ("max_ms", "max")}


def _latency(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    attribute, word = _PERCENTILE[rule.key]
    spec, _, found = scan.latency[(rule.key, rule.target_text)]
    matched = _operations(report, spec)
    values = [getattr(stats.latency, attribute) for stats in matched]
    values = [value for value in values if value is not None]
    limit = ms_text(rule.limit)
    if not values:
        return LimitVerdict(True, limit, f"no ended {rule.target} spans", rule.limit, None,
                            details=[_no_spans(rule.target_text, report)])
    value = max(values)
    return LimitVerdict(value <= rule.limit, limit, f"{word} {ms_text(value)}", rule.limit, value, found.refs(),
                        found.count)


def _operations(report: Report, spec: EventSpec) -> list[OperationStats]:
    """The stats a target names: a component's (`llm`), else each operation of that component or span kind
    whose name matches (`llm:planner`, `tool:*`, `agent_turn`): a name recorded under two kinds is two."""
    if spec.name is None and spec.head in COMPONENTS:
        return [stats for stats in report.components or [] if stats.component == spec.head]
    return [stats for stats in report.operations or []
            if spec.head in (stats.component, stats.kind) and (spec.name is None or
                                                              name_matches(stats.name or "", spec.name))]


def _no_spans(target: str, report: Report) -> str:
    names = [f"{s.component}:{s.name}" for s in report.operations or [] if s.latency.count]
    close = difflib.get_close_matches(target, names, n=1)
    return f"no {target} span ended in this run" + (f" (did you mean {close[0]}?)" if close else "")


# ---------------------------------------------------------------- usage


def _max_tokens(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    tokens = report.llm.total_tokens if report.llm else 0
    return _at_most(rule.limit, tokens, "token", scan.biggest_llm_calls.refs(), scan.biggest_llm_calls.count)


def _max_cost(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    """The cost against the limit. Calls that recorded no usage make the cost unknown: a budget over it fails
    (unless the priced calls alone are over it) rather than pass as if they were free. Calls of a model with no
    price leave a lower bound that passes with a warning: a price can still be given, a missing usage cannot."""
    llm = report.llm
    cost = (llm.cost_usd or 0.0) if llm else 0.0
    if llm is None or not llm.unpriced_calls:
        return LimitVerdict(cost <= rule.limit, usd_text(rule.limit), usd_text(cost), rule.limit, cost,
                            scan.biggest_llm_calls.refs(), scan.biggest_llm_calls.count)
    details = []
    if llm.no_usage_calls:
        details.append(f"{plural(llm.no_usage_calls, 'LLM call')} recorded no usage, so the cost cannot be judged "
                       "(a stream reports usage only when asked: stream_options={'include_usage': True})")
    if llm.unpriced_calls > llm.no_usage_calls:
        details.append(f"{llm.unpriced_calls - llm.no_usage_calls} LLM call(s) have no known price: the cost is a "
                       "lower bound")
    value = f"at least {usd_text(cost)}"
    if llm.no_usage_calls and cost <= rule.limit:  # under the limit so far, and nobody can say by how much
        return LimitVerdict(False, usd_text(rule.limit), value if llm.cost_usd is not None else "cost unknown",
                            rule.limit, llm.cost_usd, details=details)
    return LimitVerdict(cost <= rule.limit, usd_text(rule.limit), value, rule.limit, cost,
                        scan.biggest_llm_calls.refs(), scan.biggest_llm_calls.count, details)


def _max_calls(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    overview = report.overview
    component = CALL_COMPONENTS[rule.key]
    count = (overview.llm_calls if component == "llm" else overview.tool_calls) if overview else 0
    _, found = scan.call_limits[component]
    return _at_most(rule.limit, count, f"{component} call", found.events, max(found.count - rule.limit, 0))


def _max_duration(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    duration = report.overview.duration_ms if report.overview else None
    if duration is None:
        return LimitVerdict(True, ms_text(rule.limit), "no duration", rule.limit, None,
                            details=["the run has no recorded duration (no run_end, no timestamps)"])
    last = scan.last
    events = [last] if last is not None and duration > rule.limit else []
    return LimitVerdict(duration <= rule.limit, ms_text(rule.limit), ms_text(duration), rule.limit, duration, events,
                        len(events))


# ---------------------------------------------------------------- events


def _require(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    spec, found = scan.specs[rule.target_text]
    if spec.is_error:
        count, refs = _errors(report, scan, spec.error_category)
        return _at_least(rule.limit, count, refs, count, [])
    hint = [] if found.count else [_nothing_like(rule.target_text, scan)]
    return _at_least(rule.limit, found.count, found.refs(), found.count, hint)


def _forbid(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    spec, found = scan.specs[rule.target_text]
    count, refs = _errors(report, scan, spec.error_category) if spec.is_error else (found.count, found.refs())
    return LimitVerdict(count == 0, "none", plural(count, "occurrence"), 0, count, refs, count,
                        lookalike_notes(spec, scan))


def _require_order(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    order = scan.orders[rule.target_text]
    done = len(order.matched)
    limit = " then ".join(rule.limit)
    if done == len(order.specs):
        return LimitVerdict(True, limit, "in order", None, None, order.matched, done)
    after = f" after seq {order.matched[-1].seq}" if order.matched else ""
    value = f"{order.specs[done].text} not seen{after} ({done} of {len(order.specs)} in order)"
    return LimitVerdict(False, limit, value, None, done, order.matched, done)


def _forbid_secrets(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    found = scan.secret_events
    return LimitVerdict(found.count == 0, "none", plural(found.count, "event") + " with secret-looking text", 0,
                        found.count, found.refs(), found.count, list(SECRET_SCOPE))  # what it can and cannot see


def _clean_integrity(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    integrity = report.integrity
    # analyze calls a run that has not ended (yet) ok; a gate does not: the app crashed or was killed.
    if integrity is None or (integrity.ok and not integrity.runs_not_ended):
        return LimitVerdict(True, "clean", "clean", 0, 0)
    counts = {name: getattr(integrity, name) for name in INTEGRITY_COUNTS if getattr(integrity, name)}
    value = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items()) or "not clean"
    return LimitVerdict(False, "clean", value, 0, sum(counts.values()), details=list(integrity.problems))


def _nothing_like(target: str, scan: EventScan) -> str:
    close = difflib.get_close_matches(target, sorted(scan.seen), n=1)
    return f"no {target} in this run" + (f" (did you mean {close[0]}?)" if close else "")


# ---------------------------------------------------------------- shared


def _at_most(limit: float, value: int, noun: str, refs: list[EventRef], total: int) -> LimitVerdict:
    return LimitVerdict(value <= limit, str(limit), plural(value, noun), limit, value, refs, total)


def _at_least(limit: int, value: int, refs: list[EventRef], total: int, details: list[str]) -> LimitVerdict:
    return LimitVerdict(value >= limit, f">= {limit}", plural(value, "occurrence"), limit, value, refs, total, details)


# ---------------------------------------------------------------- findings


def _fail_on_finding(rule: Rule, report: Report, scan: EventScan) -> LimitVerdict:
    """The diagnosis's findings of the rule's kind (`any`: every kind) of its severity or worse: none may be."""
    found = [finding for finding in (report.findings.findings if report.findings is not None else [])
             if rule.target in (ANY_FINDING, finding.kind) and _rank(finding.severity) >= _rank(rule.limit)]
    refs = [_finding_ref(finding, scan) for finding in found if finding.evidence]
    limit = f"no {'' if rule.target == ANY_FINDING else rule.target_text + ' '}finding of {rule.limit} or worse"
    details = [f"{finding.kind} ({finding.severity}): {finding.title}" for finding in found]
    return LimitVerdict(not found, limit, plural(len(found), "finding"), 0, len(found), refs, len(refs), details)


def _rank(severity: str) -> int:
    return FINDING_SEVERITIES.index(severity) if severity in FINDING_SEVERITIES else 0


def _finding_ref(finding: Finding, scan: EventScan) -> EventRef:
    """The finding's first piece of evidence, placed by the scan when it remembered it."""
    ref = finding.evidence[0].ref
    where, event_type = scan.place(ref.seq)
    return EventRef(ref.run_id, ref.seq, where, event_type, ref.component, ref.name, finding.kind)


_JUDGES: dict[str, Callable[[Rule, Report, EventScan], LimitVerdict]] = {
    "max_errors": _max_errors,
    "max_unhandled_errors": _max_unhandled_errors,
    "max_component_errors": _max_component_errors,
    "max_category_errors": _max_category_errors,
    "max_p95": _latency,
    "max_p99": _latency,
    "max_latency": _latency,
    "max_tokens": _max_tokens,
    "max_cost": _max_cost,
    "max_llm_calls": _max_calls,
    "max_tool_calls": _max_calls,
    "max_duration": _max_duration,
    "fail_on_finding": _fail_on_finding,
    "require": _require,
    "require_order": _require_order,
    "forbid": _forbid,
    "forbid_secrets": _forbid_secrets,
    "clean_integrity": _clean_integrity,
}
