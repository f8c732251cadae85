"""`inspect --journey AGENT`: one agent's events in order, nested under its spans."""

from __future__ import annotations

from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.journey import journey


def two_agents() -> TraceBuilder:
    """A coordinator that calls a historian; a writer alongside; a memory write naming the writer."""
    trace = TraceBuilder()
    trace.run_start()
    coordinator = trace.start("agent", "coordinator")
    historian = trace.start("agent", "historian", coordinator)
    trace.span("llm", "worker", 4, historian)
    trace.end(historian, 5)
    trace.end(coordinator, 6)
    writer = trace.start("agent", "writer")
    trace.span("tool", "search", 2, writer)
    trace.end(writer, 3)
    trace.instant("memory_operation", "memory", "write", attrs={"agent": "writer"})
    trace.run_end()
    return trace


def names(story) -> list[tuple[int, str, str]]:
    return [(step.depth, step.event["event_type"], step.event["name"]) for step in story.steps]


def test_the_journey_holds_the_agents_spans_and_what_they_called_in_order():
    assert names(journey(two_agents().events, "historian")) == [
        (0, "agent_execution_start", "historian"), (1, "llm_call_start", "worker"),
        (1, "llm_call_end", "worker"), (0, "agent_execution_end", "historian"),
    ]


def test_an_agents_journey_includes_the_agents_it_called():
    story = journey(two_agents().events, "coordinator")
    assert [(depth, name) for depth, _, name in names(story)][:3] == [(0, "coordinator"), (1, "historian"),
                                                                      (2, "worker")]


def test_an_event_naming_the_agent_in_attrs_belongs_to_its_journey():
    assert names(journey(two_agents().events, "writer"))[-1] == (0, "memory_operation", "write")


def test_offsets_count_from_the_journeys_first_event():
    story = journey(two_agents().events, "historian")
    assert [step.offset_ms for step in story.steps] == [0.0, 0.0, 4.0, 9.0]


def test_an_unknown_agent_has_no_steps_and_the_agents_seen_are_listed():
    story = journey(two_agents().events, "nobody")
    assert (story.steps, story.agents_seen) == ((), ("coordinator", "historian", "writer"))
