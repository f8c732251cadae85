"""A run's call sequence: spans in start order, numbered as replay numbers them, with fingerprints."""

from __future__ import annotations

from diffruns import agent_run
from support.tracefactory import TraceBuilder

from namel3ss_debug.diffing.calls import PREVIEW_KEPT, CallRecorder, fingerprint, preview


def record(events):
    recorder = CallRecorder()
    for event in events:
        recorder.add(event)
    return recorder.finish()


def test_calls_are_the_spans_in_start_order_with_their_operation_and_depth():
    calls = record(agent_run(searches=("a", "b"))).calls
    assert [(c.operation, c.depth) for c in calls] == [
        ("app:app.py", 0), ("agent:researcher", 1), ("llm:planner", 2), ("tool:search", 2), ("tool:search", 2),
        ("llm:writer", 2)]


def test_a_call_knows_its_parent_status_and_duration():
    calls = record(agent_run(fail_search=True)).calls
    search = calls[3]
    assert (calls[search.parent].key, search.status, search.duration_ms) == ("agent:researcher#1", "failed", 20.0)


def test_call_numbers_count_instant_events_as_replay_does():
    b = TraceBuilder()
    b.run_start()
    b.instant("memory_operation", "memory", "write")
    b.span("memory", "write", 1.0, kind="custom")
    assert record(b.events).calls[-1].key == "memory:write#2"


def test_a_turn_is_its_own_operation_but_keeps_the_agent_s_call_number():
    b = TraceBuilder()
    b.run_start()
    agent = b.start("agent", "researcher")
    b.span("agent", "researcher", 5.0, agent, kind="agent_turn")
    turn = record(b.events).calls[-1]
    assert (turn.operation, turn.key) == ("agent_turn:researcher", "agent:researcher#2")


def test_a_span_without_an_end_is_unclosed():
    b = TraceBuilder()
    b.run_start()
    b.start("tool", "search")
    assert record(b.events).calls[-1].status == "unclosed"


def test_equal_outputs_have_equal_fingerprints_whatever_the_key_order():
    assert fingerprint({"a": 1, "b": [2]}) == fingerprint({"b": [2], "a": 1}) != fingerprint({"a": 1, "b": [3]})


def test_outputs_are_kept_as_a_preview_for_llm_and_tool_calls_only():
    calls = record(agent_run()).calls
    assert [(c.operation, c.preview) for c in calls if c.preview is not None] == [
        ("llm:planner", '{"text":"plan"}'), ("tool:search", '["https://example.org/solar"]'),
        ("llm:writer", '{"text":"Sunlight frees electrons."}')]


def test_only_llm_and_tool_outputs_are_fingerprinted_as_only_theirs_are_compared():
    b = TraceBuilder()
    b.run_start()
    for component in ("agent", "llm", "tool", "memory"):
        b.span(component, "step", 1.0, outputs={"return": "same"})
    assert [(c.component, c.outputs_hash is not None) for c in record(b.events).calls[1:]] == [
        ("agent", False), ("llm", True), ("tool", True), ("memory", False)]


def test_a_failed_call_s_output_is_its_error():
    search = record(agent_run(fail_search=True)).calls[3]
    assert search.preview == "TimeoutError: late" and search.outputs_hash is not None


def test_a_preview_is_one_line_and_bounded():
    text = preview({"return": "a\n\tb " + "x" * (PREVIEW_KEPT * 3)})
    assert text.startswith("a b x") and len(text) == PREVIEW_KEPT


def test_events_of_another_run_are_counted_not_recorded():
    sequence = record(agent_run("run-a") + agent_run("run-b"))
    assert (sequence.run_id, len(sequence.calls), sequence.other_runs) == ("run-a", 5, {"run-b": 11})
