"""Spans whose start is held until they say what they are (`tracer/held.py`), and tool ends held until the
next request carries their result (`integrations/otel/results.py`): written once, in the tree's order, with
what is known then, and never lost at the run's end."""

from __future__ import annotations

from typing import Any

from namel3ss_debug.integrations.otel.results import await_result
from namel3ss_debug.tracer.api import get_tracer
from namel3ss_debug.tracer.held import Described
from namel3ss_debug.transport.tool_wire import record_wire_tools


def held_span(said: dict[str, str]) -> Any:
    """A span whose producer says what it is later, in `said` (`component`, `name`)."""
    return get_tracer().start_span("custom", "run", "custom_span", held=(
        lambda: said.get("component", "custom"),
        lambda: Described(said.get("component", "custom"), said.get("name", "run"), attrs={"source": "test"})))


def spans(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["event_type"], e["name"], e["parent_id"]) for e in events if e["event_type"] not in
            ("run_start", "run_end", "segment_start")]


def test_a_held_start_is_written_before_its_first_child_with_what_it_says_by_then(capture: Any) -> None:
    tracer, said = get_tracer(), {}
    with capture() as run:
        agent = held_span(said)
        assert not spans(run.events), "nothing written while it says nothing"
        said.update(component="agent", name="planner")
        assert agent.component == "agent", "read from the producer while held"
        llm = tracer.start_span("llm", "chat", "llm_call")
        tracer.end_span(llm)
        tracer.end_span(agent)
    root = agent.parent_id
    assert spans(run.events) == [("agent_execution_start", "planner", root), ("llm_call_start", "chat", agent.span_id),
                                 ("llm_call_end", "chat", agent.span_id), ("agent_execution_end", "planner", root)]
    starts = [e for e in run.events if e["status"] == "started"]
    assert starts[1]["ts"] <= starts[2]["ts"], "the held start keeps the time it began"
    assert starts[1]["attrs"] == {"source": "test"}


def test_a_held_span_with_no_child_is_classified_at_its_end(capture: Any) -> None:
    said: dict[str, str] = {}
    with capture() as run:
        tool = held_span(said)
        said.update(component="tool", name="get_weather")
        get_tracer().end_span(tool)
    assert spans(run.events) == [("tool_call_start", "get_weather", tool.parent_id),
                                 ("tool_call_end", "get_weather", tool.parent_id)]


def test_a_start_still_held_when_the_run_ends_is_written_unclosed(capture: Any) -> None:
    with capture() as run:
        held_span({"component": "agent", "name": "planner"})
    assert [e["event_type"] for e in run.events][-2:] == ["agent_execution_start", "run_end"]


def test_a_tool_end_held_for_its_result_takes_the_one_the_next_request_carries(capture: Any) -> None:
    tracer = get_tracer()
    with capture() as run:
        llm = tracer.start_span("llm", "openai.chat", "llm_call")
        tracer.run.asks.note(llm.span_id, {"tool_calls": [{"id": "call_1", "name": "get_weather",
                                                           "arguments": '{"city": "Paris"}'}]})
        tracer.end_span(llm)
        tool = tracer.start_span("tool", "get_weather", "tool_call",
                                 attrs={"tool_call_id": "call_1", "llm_span_id": tracer.run.asks.asker("call_1")})
        tracer.end_span(tool, hold_end=lambda event: await_result(tracer.run, "call_1", event))
        assert not [e for e in run.events if e["event_type"] == "tool_call_end"]
        record_wire_tools(tracer, "openai.chat", {"model": "m", "messages": [
            {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {
                "name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "light rain, 14 C"}]})
    ends = [e for e in run.events if e["event_type"] == "tool_call_end"]
    assert [(e["outputs"], e["attrs"]["result_from"]) for e in ends] == [({"return": "light rain, 14 C"},
                                                                          "next_request")]


def test_a_tool_end_no_request_answered_is_written_at_the_run_end(capture: Any) -> None:
    tracer = get_tracer()
    with capture() as run:
        tool = tracer.start_span("tool", "get_weather", "tool_call")
        tracer.end_span(tool, hold_end=lambda event: await_result(tracer.run, "call_9", event))
    end, = [e for e in run.events if e["event_type"] == "tool_call_end"]
    assert "outputs" not in end and run.events[-1]["event_type"] == "run_end"
