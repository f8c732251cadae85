"""A finished Tally (plus what the reader met) becomes the Report: pure, every figure computed here once."""

from __future__ import annotations

import heapq
from array import array
from dataclasses import asdict
from typing import Iterable, Sequence

import msgspec

from .._version import __version__
from . import floats
from .anomalies import find_anomalies, ref_of
from .diagnosis.diagnose import diagnose, run_figures
from .records.findings import Diagnosis, Finding
from .records.refs import Ref
from .failed_run import outcome
from .health import verdict
from .prices import Pricer
from .records.report import (
    NO_USAGE, REPORT_SCHEMA, SECTIONS, Anomalies, Anomaly, CriticalPath, Errors, ErrorExample, ErrorType, Integrity,
    LlmUsage, Loop, ModelUsage, OperationStats, Overview, PathStep, Patterns, RepeatedCall, Report, Retry,
    RunOverview, SlowOperations, SlowSpan, ToolStats,
)
from .stats import latency, op_label, rate
from .summary import tools_seen
from .traffic import HOW_TO_RECORD, unrecorded_requests, unrecorded_text
from ..model.events import STARTUP_KIND, STARTUP_NAME, is_known_event_type
from ..model.lineage import lineage_of
from ..model.json_types import JsonObject, JsonValue
from ..store.handed import ReadMet
from .collectors.figures import LoopSeen, ModelUse, Op, Repeat
from .run_state import RunState
from .tally import Tally

TOP_REPEATS = 20
STARTUP_OP = ("app", STARTUP_NAME, STARTUP_KIND)  # the run's start-up span, as the critical path names it


def build_report(tally: Tally, pricer: Pricer, *, problems: ReadMet | None = None, sections: Iterable[str] = SECTIONS,
                 bytes_read: int = 0, filters: dict[str, object] | None = None) -> Report:
    """Every section from the tally; `sections` picks which the report carries (health needs them all)."""
    ordered = {op: floats.ordered(times.durations) for op, times in tally.timing.ops.items()}  # sorted once, for all
    spans = _span_counts(tally)
    llm = _llm(tally, pricer)
    errors = _errors(tally)
    overview = _overview(tally, spans, llm, errors, bytes_read, filters or {})
    patterns = _patterns(tally)
    anomaly_list = find_anomalies(tally, ordered)
    counts = _count_kinds(anomaly_list)
    if tally.anomalies is not None:  # the items are the first (or worst) of them; the count is all of them
        for kind, exact in (("context_limit", tally.anomalies.near_limit_count),
                            ("blocking", tally.anomalies.blocking_count)):
            if exact:
                counts[kind] = exact
    anomalies = Anomalies(counts, anomaly_list)
    integrity = _integrity(tally, problems)
    chosen = [name for name in SECTIONS if name in set(sections)]
    critical_paths, slow = _critical_paths(tally), _slow(tally)
    findings = None
    if tally.clues is not None:
        findings = diagnose(tally.clues, run_figures([run.run_id for run in tally.runs], critical_paths, slow,
                                                     patterns))
    overview = _outcomes(overview, findings)
    settings: dict[str, object] = {"slow_threshold_ms": tally.options.slow_threshold_ms,
                                   "block_threshold_ms": tally.options.block_threshold_ms, "top": tally.options.top}
    full = Report(
        REPORT_SCHEMA, f"namel3ss-debug {__version__}", chosen, overview=overview,
        components=_components(tally, spans, ordered), operations=_operations(tally, spans, ordered),
        slow=slow, llm=llm, tools=_tools(tally, spans, ordered), errors=errors, patterns=patterns,
        anomalies=anomalies, integrity=integrity, critical_path=critical_paths,
        health=verdict(overview, errors, patterns, anomalies, integrity, llm, findings,
                       sum(use.no_answer for use in tally.usage.models.values())), findings=findings,
        settings=settings, run_ids=[run.run_id for run in tally.runs])
    return msgspec.structs.replace(full, **{name: None for name in SECTIONS if name not in chosen})


def _outcomes(overview: Overview, findings: Diagnosis | None) -> Overview:
    """Each run with its outcome (`failed_run.outcome`), judged with its own findings when the pass has them (the
    findings or health section), else by its end alone."""
    own: dict[str, list[Finding]] = {}
    for finding in findings.findings if findings is not None else ():
        own.setdefault(finding.run_id, []).append(finding)
    runs = [msgspec.structs.replace(run, **asdict(outcome(run.status, run.exit_code, own.get(run.run_id, ()))))
            for run in overview.runs]
    return msgspec.structs.replace(overview, runs=runs)


def _overview(tally: Tally, counts: dict[tuple[str, str, str], int], llm: LlmUsage, errors: Errors,
              bytes_read: int, filters: dict[str, object]) -> Overview:
    runs = [_run_overview(run) for run in tally.runs]
    by_component: dict[str, int] = {}
    for (component, _, _), count in counts.items():
        by_component[component] = by_component.get(component, 0) + count
    durations = [run.duration_ms for run in runs if run.duration_ms is not None]
    startups = [run.startup_ms for run in runs if run.startup_ms is not None and run.duration_ms is not None]
    duration_ms = sum(durations) if durations else None
    startup_ms = sum(startups) if startups else None
    seen = [tools_seen(run.end_attrs.get("tool_calls")) for run in tally.runs]
    return Overview(
        runs=runs, events=sum(run.events for run in tally.runs), analyzed_events=tally.overview.analyzed,
        event_types=_by_count(tally.overview.types),
        unknown_event_types={t: n for t, n in tally.overview.types.items() if not is_known_event_type(t)},
        spans=sum(by_component.values()), spans_by_component=_by_count(by_component),
        instants=sum(tally.overview.instants.values()), llm_calls=by_component.get("llm", 0),
        tool_calls=by_component.get("tool", 0), total_tokens=llm.total_tokens, cost_usd=llm.cost_usd,
        errors=errors.total, failed_spans=tally.errors.failed_spans, duration_ms=duration_ms,
        startup_ms=startup_ms, work_ms=_less(duration_ms, startup_ms),
        bytes_read=bytes_read, filters=filters, unpriced_llm_calls=llm.unpriced_calls,
        wire_tool_calls=sum(wire for wire, _ in seen), unseen_tool_calls=sum(unseen for _, unseen in seen),
        handled_errors=errors.handled, unhandled_errors=errors.unhandled,
    )


def _run_overview(run: RunState) -> RunOverview:
    entry = (run.start_attrs or {}).get("entry")
    entry_text = None
    if isinstance(entry, dict):
        entry_text = " ".join(str(entry[k]) for k in ("kind", "name") if entry.get(k) is not None) or None
    end = run.end or {}
    exit_code = run.end_attrs.get("exit_code")
    stopped = end.get("stopped")
    return RunOverview(
        run_id=run.run_id, source=run.source, files=list(run.files), entry=entry_text,
        status=end.get("status") or "unfinished", stopped=stopped if isinstance(stopped, str) else None,
        started=run.first_ts, ended=run.last_ts,
        duration_ms=end.get("duration_ms"), events=run.events,
        exit_code=exit_code if isinstance(exit_code, int) else None,
        startup_ms=run.startup_ms, work_ms=_less(end.get("duration_ms"), run.startup_ms),
        rerun_of=lineage_of(run.start_attrs, run.end_attrs), frameworks=sorted(run.frameworks),
        tags=_tags(run.start_attrs),
    )


def _tags(start_attrs: JsonObject | None) -> list[str]:
    """`run_start.attrs.tags`: a list of strings, or none; a trace is untrusted, so anything else is read as none."""
    tags = (start_attrs or {}).get("tags")
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
        return list(tags)
    return []


def _less(duration_ms: float | None, startup_ms: float | None) -> float | None:
    """The work's time: a run's duration less its start-up, when both are known."""
    if duration_ms is None or startup_ms is None:
        return None
    return max(0.0, duration_ms - startup_ms)


def _span_counts(tally: Tally) -> dict[tuple[str, str, str], int]:
    counts = {op: len(times.durations) for op, times in tally.timing.ops.items()}
    for op, count in tally.timing.untimed.items():
        counts[op] = counts.get(op, 0) + count
    return counts


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _stats(component: str, name: str | None, ordered: Sequence[float], count: int, errors: int,
           instants: int = 0, kind: str | None = None) -> OperationStats:
    return OperationStats(component, name, count, errors, rate(count - errors, count), latency(ordered),
                          instants, kind)


def _operations(tally: Tally, counts: dict[tuple[str, str, str], int],
                ordered: dict[Op, array[float]]) -> list[OperationStats]:
    stats = [_stats(op[0], op[1], ordered.get(op, ()), count, tally.errors.by_op.get(op, 0), kind=op[2])
             for op, count in counts.items()]
    return sorted(stats, key=lambda s: (-s.latency.total_ms, -s.count, s.component, s.name or ""))


def _components(tally: Tally, op_counts: dict[tuple[str, str, str], int],
                ordered: dict[Op, array[float]]) -> list[OperationStats]:
    counts: dict[str, int] = {}
    durations: dict[str, array[float]] = {}
    errors: dict[str, int] = {}
    for op, count in op_counts.items():
        component = op[0]
        counts[component] = counts.get(component, 0) + count
        durations.setdefault(component, array("d")).extend(ordered.get(op, ()))
        errors[component] = errors.get(component, 0) + tally.errors.by_op.get(op, 0)
    instants = tally.overview.instants
    for component in instants:
        counts.setdefault(component, 0)
    merged = {component: floats.ordered(values) for component, values in durations.items()}
    stats = [_stats(c, None, merged.get(c, ()), counts[c], errors.get(c, 0), instants.get(c, 0))
             for c in counts]
    return sorted(stats, key=lambda s: (-s.count, s.component))


def _slow(tally: Tally) -> SlowOperations:
    timing = tally.timing
    top = [SlowSpan(ref_of(tally, ref, span_id, *op), round(duration, 3), status)
           for duration, ref, span_id, op, status in sorted(timing.slow, reverse=True)]
    by_op = {op_label(*op): count for op, count in sorted(timing.slow_by_op.items(), key=lambda kv: -kv[1])}
    return SlowOperations(tally.options.slow_threshold_ms, sum(timing.slow_by_op.values()), top, by_op)


def _llm(tally: Tally, pricer: Pricer) -> LlmUsage:
    models = sorted((_model(model, use, pricer) for model, use in tally.usage.models.items()),
                    key=lambda m: (-m.calls, m.model))
    costs = [m.cost_usd for m in models if m.cost_usd is not None]
    return LlmUsage(
        calls=sum(m.calls for m in models), input_tokens=sum(m.input_tokens for m in models),
        output_tokens=sum(m.output_tokens for m in models), total_tokens=sum(m.total_tokens for m in models),
        cost_usd=sum(costs) if costs else None,
        unpriced_calls=sum(m.unpriced_calls for m in models), models=models,
        no_usage_calls=sum(m.priced_by.get(NO_USAGE, 0) for m in models),
    )


def _model(model: str, use: ModelUse, pricer: Pricer) -> ModelUsage:
    priced_by: dict[str, int] = {"event": use.event_priced} if use.event_priced else {}
    cost = floats.total(use.event_costs) if use.event_priced else None
    if use.open_calls:
        usd, source = pricer.price(model, use.open_input, use.open_output)
        priced_by[source or "unpriced"] = use.open_calls
        if usd is not None:
            cost = (cost or 0.0) + usd
    if use.no_usage:  # not priced at 0: nothing says what they cost
        priced_by[NO_USAGE] = use.no_usage
    return ModelUsage(model, use.calls, use.input_tokens, use.output_tokens, use.total_tokens, cost, priced_by,
                      pricer.context_window(model), use.max_input)


def _tools(tally: Tally, counts: dict[tuple[str, str, str], int], ordered: dict[Op, array[float]]) -> list[ToolStats]:
    repeated: dict[str, int] = {}
    for repeat in tally.patterns.repeated.values() if tally.patterns is not None else ():  # tens of thousands
        if repeat.component == "tool":
            repeated[repeat.name] = repeated.get(repeat.name, 0) + repeat.calls - 1
    tools = []
    for op, count in counts.items():
        component, name, _ = op
        if component != "tool":
            continue
        failures = tally.errors.by_op.get(op, 0)  # handled failures too: a tool that failed did not succeed
        errors = {kind: n for (tool, kind), n in tally.errors.tool_errors.items() if tool == name}
        unhandled = min(tally.errors.unhandled_tools.get(name, 0), failures)
        tools.append(ToolStats(name, count, failures, rate(count - failures, count),
                               latency(ordered.get(op, ())),
                               _by_count(errors), repeated.get(name, 0), failures - unhandled, unhandled))
    return sorted(tools, key=lambda t: (-t.calls, t.name))


def _errors(tally: Tally) -> Errors:
    """Distinct errors by category and type, each split into handled and unhandled: unhandled as the pass found
    them escaping (`handling.py`), handled all the others."""
    found = tally.errors
    by_type = [ErrorType(kind, seen.category, seen.count,
                         [ErrorExample(ref_of(tally, ref, span_id, component, name), message)
                          for ref, span_id, component, name, message in seen.examples],
                         seen.count - found.unhandled_types.get(kind, 0), found.unhandled_types.get(kind, 0))
               for kind, seen in found.types.items()]
    by_type.sort(key=lambda e: (-e.count, e.type))
    unhandled = {category: n for category, n in _by_count(found.unhandled_categories).items() if n}
    handled = {category: count - unhandled.get(category, 0) for category, count in found.categories.items()}
    total, escaped = sum(e.count for e in by_type), sum(unhandled.values())
    return Errors(total, found.failed_spans, found.error_events, _by_count(found.categories), by_type,
                  total - escaped, escaped, _by_count({c: n for c, n in handled.items() if n}), unhandled)


def _patterns(tally: Tally) -> Patterns:
    found = tally.patterns
    if found is None:
        return Patterns([], [], [])
    retries = [Retry(c, n, seen.retries, seen.recovered, ref_of(tally, seen.ref, seen.span_id, c, n, kind))
               for (c, n, kind), seen in found.retries.items()]
    # the most repeated first (sorted as the records would be, then the first few made): a big run repeats
    # tens of thousands of calls, of which the report shows TOP_REPEATS
    top = heapq.nsmallest(TOP_REPEATS, _most_called(found.repeated.values()),
                          key=lambda r: (-(r.calls - 1), -round(r.ms, 3)))
    repeats = [RepeatedCall(r.component, r.name, r.calls, r.calls - 1, round(r.ms, 3),
                            ref_of(tally, r.ref, r.span_id, r.component, r.name))
               for r in top]
    loops = [_loop(tally.runs[loop.run], loop) for loop in found.loops]
    return Patterns(sorted(retries, key=lambda r: -r.retries), repeats, loops)


def _most_called(repeats: Iterable[Repeat]) -> list[Repeat]:
    """The repeated calls called at least as often as the TOP_REPEATS-th most called, in their order: every
    one the report can show (its order puts calls first), for a fraction of the key computations."""
    repeats = list(repeats)
    calls = heapq.nlargest(TOP_REPEATS, [repeat.calls for repeat in repeats])
    return [repeat for repeat in repeats if repeat.calls >= calls[-1]] if calls else []


def _loop(run: RunState, loop: LoopSeen) -> Loop:
    return Loop(loop.name, Ref(run.run_id, loop.start_seq, loop.agent, "agent", loop.name, loop.kind),
                [op_label(*op) for op in loop.cycle], loop.repeats, loop.first)


def _count_kinds(items: list[Anomaly]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return counts


def _integrity(tally: Tally, problems: ReadMet | None) -> Integrity:
    found = tally.integrity
    torn = len(problems.torn) if problems is not None else 0
    invalid = problems.invalid_count if problems is not None else 0
    dropped_fields = problems.dropped_count if problems is not None else 0
    dropped = sum(_int(run.end_attrs.get("dropped")) for run in tally.runs)
    tracer_errors = sum(_int(run.end_attrs.get("tracer_errors")) for run in tally.runs)
    not_ended = sum(1 for run in tally.runs if run.end is None)
    lines = [*(problems.torn if problems else []), *(problems.invalid if problems else []),
             *(problems.dropped_fields if problems else []), *found.problems]
    if dropped:
        lines.append(f"the tracer dropped {dropped} event(s) it could not write (run_end attrs.dropped)")
    unrecorded = _unrecorded(tally, lines)
    ok = not (found.unclosed or found.ends_without_start or found.orphans or found.duplicates or found.gaps
              or torn or invalid or dropped_fields or dropped or tracer_errors or unrecorded)
    return Integrity(ok, found.unclosed, found.ends_without_start, found.orphans, found.duplicates, found.gaps,
                     torn, invalid, dropped_fields, not_ended, dropped, tracer_errors, unrecorded, lines)


def _unrecorded(tally: Tally, lines: list[str]) -> int:
    """The runs' LLM requests no hook recorded (`traffic.py`), each run's said in `lines`: what it means, and how
    to record them."""
    total = 0
    for run in tally.runs:
        requests = unrecorded_requests(run.end_attrs, run.llm_calls)
        if requests:
            total += sum(requests.values())
            lines.append(f"run {run.run_id}: {unrecorded_text(requests)}: the app sent them through a client "
                         f"namel3ss-debug does not hook (urllib, http.client), or with capture_http off, so their "
                         f"calls are missing from the trace and a rerun cannot answer them; {HOW_TO_RECORD}")
    return total


def _int(value: JsonValue) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _critical_paths(tally: Tally) -> list[CriticalPath]:
    """Each run's critical path from the end of its start-up: a run's start-up is before any of its work, so it
    is on the path of every run that has one, and it is the overview's figure (`startup_ms`), not a step."""
    paths = []
    for run in tally.runs:
        chain = {op: value for op, value in (run.chain or {}).items()
                 if not (run.startup_ms is not None and op == STARTUP_OP)}
        if not chain:
            continue
        total = sum(step.ms for step in chain.values())
        steps = [PathStep(c, n, round(step.ms, 3), int(step.spans), round(step.ms / total, 4) if total else 0.0,
                          kind)
                 for (c, n, kind), step in chain.items()]
        steps.sort(key=lambda s: (-s.ms, s.component, s.name))
        paths.append(CriticalPath(run.run_id, round(total, 3), steps))
    return paths
