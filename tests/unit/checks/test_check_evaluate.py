"""Rules judged against a Report and an EventScan, without files or a CLI."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, analyze_events, error

from namel3ss_debug.checks.evaluate import evaluate
from namel3ss_debug.checks.rules import rules_from_flags
from namel3ss_debug.checks.scan import EventScan
from namel3ss_debug.store.records import record_from_dict


def judge(trace, **flags):
    rules = rules_from_flags(flags)
    scan = EventScan(rules)
    for number, event in enumerate(trace.events, 1):
        scan.see(record_from_dict(event)[0], "t.jsonl", number)
    return evaluate(rules, analyze_events(trace.events), scan)


def test_an_error_propagated_through_its_agent_counts_once_where_it_began():
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "a")
    failed = trace.span("tool", "search", 5.0, agent, status="failed", error=error("TimeoutError", "late"))
    trace.end(agent, 1.0, status="failed", error=error("TimeoutError", "late"))
    trace.run_end()
    (result,) = judge(trace, max_errors="0")
    tool_end = next(e for e in trace.events if e["span_id"] == failed and e["event_type"] == "tool_call_end")
    assert (result.value_number, [(r.seq, r.where) for r in result.events]) == (
        1, [(tool_end["seq"], f"t.jsonl:{tool_end['seq'] + 1}")])


def test_more_events_than_listed_are_counted():
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(8):
        trace.span("tool", "search", 5.0)
    trace.run_end()
    (result,) = judge(trace, forbid=["tool:search"])
    assert (len(result.events), result.more_events, result.passed) == (5, 3, False)


def test_a_latency_rule_lists_the_slowest_spans_over_the_limit_slowest_first():
    trace = TraceBuilder()
    trace.run_start()
    for ms in (100.0, 900.0, 50.0, 700.0):
        trace.span("llm", "planner", ms)
    trace.run_end()
    (result,) = judge(trace, max_latency=["llm=200ms"])
    assert [ref.detail for ref in result.events] == ["900ms", "700ms"]
    assert (result.value, result.limit, result.passed) == ("max 900ms", "200ms", False)
