"""The filters of `inspect`: one predicate per option, and the window and agent that need the events before."""

from __future__ import annotations

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.event_filter import EventFilter, Selector, contains_text
from namel3ss_debug.analysis.window import parse_bound


def small_run() -> list[dict]:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("llm", "planner", 10, agent, outputs={"text": "Photovoltaic EFFECT"})
    trace.span("tool", "search", 10, agent, status="failed", error=error("TimeoutError", "slow"))
    trace.end(agent, 25)
    other = trace.start("agent", "critic")
    trace.span("tool", "search_web", 10, other)
    trace.end(other, 12)
    trace.instant("error_occurred", "custom", "oops", status="completed", error=error("ValueError", "bad"))
    trace.run_end()
    return trace.events


def chosen(criteria: EventFilter) -> list[int]:
    return [event["seq"] for event in Selector(criteria).select(small_run())]


def test_no_filter_keeps_everything():
    assert chosen(EventFilter()) == list(range(13))


def test_component_status_and_shell_patterns_for_name_and_type():
    assert chosen(EventFilter(components=frozenset({"llm"}))) == [2, 3]
    assert chosen(EventFilter(statuses=frozenset({"failed"}))) == [5]
    assert chosen(EventFilter(names=("search*",))) == [4, 5, 8, 9]
    assert chosen(EventFilter(types=("tool_call_*",), names=("search",))) == [4, 5]


def test_errors_only_keeps_failed_spans_and_events_with_an_error():
    assert chosen(EventFilter(errors_only=True)) == [5, 11]


def test_agent_keeps_the_agents_spans_and_their_descendants():
    assert chosen(EventFilter(agent="researcher")) == [1, 2, 3, 4, 5, 6]


def test_grep_ignores_case_and_searches_keys_and_nested_values():
    assert chosen(EventFilter(grep="photovoltaic effect")) == [3]
    assert chosen(EventFilter(grep="TIMEOUTERROR")) == [5]
    assert contains_text({"outer": [{"finish_reason": 1}]}, "finish_reason")
    assert not contains_text({"n": None, "b": True}, "none")


def test_since_and_until_offsets_count_from_the_runs_start():
    window = EventFilter(since=parse_bound("+10ms", "--since"), until=parse_bound("+20ms", "--until"))
    assert chosen(window) == [3, 4]  # planner ends at +10ms, search starts at +10ms; its end is at +20ms


def test_a_segment_start_first_gives_the_run_start_from_its_attrs():
    events = small_run()
    segment = {**events[0], "seq": -1, "event_type": "segment_start", "ts": events[3]["ts"],
               "attrs": {"run_started": events[0]["ts"]}}
    criteria = EventFilter(until=parse_bound("+1ms", "--until"))
    assert [e["seq"] for e in Selector(criteria).select([segment, *events])] == [0, 1, 2]
