"""An end event naming another component than its start (a broken or hand-written file) is analysed, not a
KeyError."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, analyze_events, error


def test_a_retry_whose_end_names_another_component_is_counted_once_and_not_recovered():
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("tool", "search", 5, agent, status="failed", error=error("TimeoutError", "slow", "timeout"))
    retry = trace.start("tool", "search", agent)
    trace.end(retry, 5)["component"] = "0"  # a start of `tool`, an end of `0`
    trace.end(agent, 20)
    trace.run_end()
    report = analyze_events(trace.events)
    retries = {(r.component, r.name): (r.retries, r.recovered) for r in report.patterns.retries}
    assert retries == {("tool", "search"): (1, 0)}
