"""`inspect --causality EVENT`: what happened before an event, placed by its relation to it."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.causality import causality


def failing_run() -> tuple[TraceBuilder, dict]:
    """agent > turn > (llm, tool search failed); another agent alongside, with a failure of its own."""
    trace = TraceBuilder()
    trace.run_start()
    other = trace.start("agent", "bystander")
    trace.span("tool", "lookup", 1, other)
    trace.span("tool", "flaky", 1, other, status="failed", error=error("OSError", "disk"))
    trace.end(other, 3)
    agent = trace.start("agent", "researcher")
    early = trace.start("agent", "researcher", agent, kind="agent_turn")
    trace.span("llm", "notes", 1, early)
    trace.end(early, 2)
    turn = trace.start("agent", "researcher", agent, kind="agent_turn")
    trace.span("llm", "planner", 2, turn)
    search = trace.start("tool", "search", turn)
    trace.instant("error_occurred", "tool", "retry", search, status="failed", error=error("TimeoutError", "slow"))
    target = trace.end(search, 5, status="failed", error=error("TimeoutError", "slow"))
    trace.end(turn, 9)
    trace.end(agent, 10)
    trace.run_end()
    return trace, target


def relations(found) -> list[tuple[str, str, str]]:
    return [(step.relation, step.event["event_type"], step.event["name"]) for step in found.steps]


def test_each_event_before_the_target_is_placed_by_its_relation():
    trace, target = failing_run()
    found = causality(trace.events, target, 60_000)
    assert relations(found) == [
        ("ancestor", "run_start", "app.py"),
        ("elsewhere", "tool_call_end", "flaky"),
        ("ancestor", "agent_execution_start", "researcher"),
        ("nearby", "agent_turn_start", "researcher"), ("nearby", "llm_call_start", "notes"),
        ("nearby", "llm_call_end", "notes"), ("nearby", "agent_turn_end", "researcher"),
        ("ancestor", "agent_turn_start", "researcher"),
        ("sibling", "llm_call_start", "planner"), ("sibling", "llm_call_end", "planner"),
        ("same span", "tool_call_start", "search"), ("inside", "error_occurred", "retry"),
        ("target", "tool_call_end", "search"),
    ]


def test_unrelated_events_that_did_not_fail_are_counted_not_shown():
    trace, target = failing_run()
    assert causality(trace.events, target, 60_000).hidden == 5  # bystander's start, lookup x2, its end


def test_the_chain_is_the_enclosing_spans_outermost_first():
    trace, target = failing_run()
    chain = causality(trace.events, target, 60_000).chain
    assert [(e["event_type"], e["name"]) for e in chain] == [
        ("run_start", "app.py"), ("agent_execution_start", "researcher"), ("agent_turn_start", "researcher")]


def test_the_lookback_window_drops_what_happened_earlier():
    trace, target = failing_run()
    found = causality(trace.events, target, 5)
    assert relations(found) == [("sibling", "llm_call_end", "planner"), ("same span", "tool_call_start", "search"),
                                ("inside", "error_occurred", "retry"), ("target", "tool_call_end", "search")]
    assert [step.before_ms for step in found.steps] == [5.0, 5.0, 5.0, 0.0]


def test_events_after_the_target_and_of_other_runs_are_left_out():
    trace, target = failing_run()
    stranger = {**trace.events[3], "run_id": "another", "status": "failed"}
    found = causality([stranger, *trace.events], target, 60_000)
    assert found.steps[-1].event is target
    assert all(step.event["run_id"] == target["run_id"] for step in found.steps)
