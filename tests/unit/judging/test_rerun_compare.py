"""The recording beside its rerun: events paired by place and compared on what they say, never on the
span ids, which follow the order spans started in (an order the scheduler of concurrent tasks picks)."""

from __future__ import annotations

from itertools import permutations
from typing import Any

from support.tracefactory import TraceBuilder

from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.judging.compare import compare, content
from namel3ss_debug.judging.said import exact, said_by

Event = dict[str, Any]
AGENTS = ("planner", "critic", "booker")
CITIES = {"planner": "Lisbon", "critic": "Oslo", "booker": "Rome"}
WEATHER = {"planner": "sunny, 22 C", "critic": "snow, -3 C", "booker": "clear, 18 C"}


def gathered(order: tuple[str, ...], asked_by: dict[str, str] | None = None,
             weather: dict[str, str] | None = None) -> list[Event]:
    """Three agents under `asyncio.gather`, their spans started in `order`: each makes an LLM call that asks
    for `get_weather`, then runs it, and the tool's span names the LLM call that asked (`attrs.llm_span_id`).
    `asked_by`: an agent whose tool names another agent's LLM call; `weather`: what a tool returned instead."""
    b = TraceBuilder()
    root = b.run_start()
    agents = {name: b.start("agent", name, root) for name in order}
    llms = {name: b.start("llm", "openai.chat", agents[name], inputs={"messages": [CITIES[name]]}) for name in order}
    for name in order:
        b.end(llms[name], 5, outputs={"tool_calls": [{"id": f"call_{name}", "name": "get_weather"}]})
    for name in order:
        tool = b.new_id()
        asker = llms[(asked_by or {}).get(name, name)]
        b.event("tool_call_start", "tool", "get_weather", tool, agents[name], "started", inputs={"city": CITIES[name]},
                attrs={"framework": "pydantic_ai", "tool_call_id": f"call_{name}", "llm_span_id": asker})
        b.end(tool, 1, outputs={"return": {**WEATHER, **(weather or {})}[name]})
    for name in order:
        b.end(agents[name], 10)
    b.run_end()
    return b.events


def asker_ids(events: list[Event]) -> dict[str, str]:
    """Each tool's `llm_span_id`, by the city it was asked for."""
    return {e["inputs"]["city"]: e["attrs"]["llm_span_id"] for e in events if e["event_type"] == "tool_call_start"}


def test_agents_that_started_in_another_order_are_the_same_run_though_their_span_ids_differ() -> None:
    recorded, rerun = gathered(AGENTS), gathered(("booker", "planner", "critic"))
    assert asker_ids(recorded) != asker_ids(rerun), "each tool names its LLM call by another id"
    result = compare(timeline_of(recorded), timeline_of(rerun))
    assert (result.first, result.different, result.only_old, result.only_new) == (None, 0, 0, 0)
    assert result.same == len(recorded) - 2  # all but run_start and run_end


def test_a_tool_that_names_another_agents_llm_call_is_a_divergence_shown_by_places() -> None:
    result = compare(timeline_of(gathered(AGENTS)), timeline_of(gathered(AGENTS[::-1], asked_by={"critic": "planner"})))
    assert result.first is not None and result.different == 1
    assert result.first.what == ("agent:critic#1 > tool:get_weather#1 start: attrs.llm_span_id: "
                                 "recorded 'agent:critic#1 > llm:openai.chat#1', "
                                 "rerun 'agent:planner#1 > llm:openai.chat#1'")


def test_a_tool_that_returned_something_else_is_a_divergence_whatever_the_order() -> None:
    result = compare(timeline_of(gathered(AGENTS)),
                     timeline_of(gathered(("critic", "booker", "planner"), weather={"booker": "hail, 2 C"})))
    assert result.first is not None and result.different == 1
    assert result.first.what == ("agent:booker#1 > tool:get_weather#1 end: outputs.return: "
                                 "recorded 'clear, 18 C', rerun 'hail, 2 C'")


def test_an_attribute_naming_a_span_says_where_that_span_sits() -> None:
    event = {"component": "tool", "attrs": {"llm_span_id": "000000000000000d", "framework": "pydantic_ai"}}
    said = content(event, {"000000000000000d": "agent:planner#1 > llm:openai.chat#2"})
    assert said["attrs"] == {"llm_span_id": "agent:planner#1 > llm:openai.chat#2", "framework": "pydantic_ai"}


def test_a_tools_call_id_is_not_compared() -> None:
    # a framework that makes its own ids numbers them in the order the scheduler ran its tools
    first, second = ({"component": "tool", "attrs": {"tool_call_id": f"call_{n}", "framework": "x"}} for n in (1, 2))
    assert content(first) == content(second) == {"component": "tool", "attrs": {"framework": "x"}}


def test_volatile_opentelemetry_attributes_are_not_compared_and_the_others_are() -> None:
    def said(agent_id: str, start: str, tools: str) -> dict[str, Any]:
        kept = {"gen_ai.agent.id": agent_id, "gen_ai.event.start_time": start, "event_loop.cycle_id": agent_id,
                "gen_ai.server.time_to_first_token": 12, "gen_ai.server.request.duration": 30,
                "gen_ai.agent.name": "forecaster", "gen_ai.agent.tools": tools}
        return content({"component": "agent", "attrs": {"source": "opentelemetry", "otel_attributes": kept}})

    recorded = said("1f0e-aa", "2026-11-25T21:28:20.95+00:00", '["get_weather"]')
    assert recorded == said("77c2-bb", "2026-11-25T22:00:00.01+00:00", '["get_weather"]')
    assert recorded["attrs"]["otel_attributes"] == {"gen_ai.agent.name": "forecaster",
                                                    "gen_ai.agent.tools": '["get_weather"]'}
    assert recorded != said("1f0e-aa", "2026-11-25T21:28:20.95+00:00", '["get_time"]')


def test_an_attribute_naming_a_span_the_run_does_not_have_is_left_out() -> None:
    event = {"component": "tool", "attrs": {"llm_span_id": "000000000000000d"}}
    assert content(event, {"000000000000000c": "llm:openai.chat#1"}) == {"component": "tool"}
    assert content(event) == {"component": "tool"}


def test_a_recording_without_a_start_up_span_and_a_rerun_with_one_are_the_same_run() -> None:
    recorded, rerun = TraceBuilder(), TraceBuilder()
    for builder in (recorded, rerun):
        builder.run_start()
        if builder is rerun:  # the tracer writes one now; a recording made before did not
            builder.startup(1500.0)
        builder.span("llm", "planner", 5, inputs={"prompt": "plan"}, outputs={"return": "ok"})
        builder.run_end()
    result = compare(timeline_of(recorded.events), timeline_of(rerun.events))
    assert (result.first, result.different, result.only_old, result.only_new, result.same) == (None, 0, 0, 0, 2)


def one_named(order: tuple[str, ...], replay_of: dict[str, str] | None = None) -> list[Event]:
    """Three agents of one name started in `order`, each running `get_weather` for its city; `replay_of`: the
    recorded call each rerun tool was matched to (by its call id), by city, on its end as a rerun writes it."""
    b = TraceBuilder()
    root = b.run_start()
    agents = {name: b.start("agent", "forecaster", root) for name in order}
    for name in order:
        tool = b.new_id()
        b.event("tool_call_start", "tool", "get_weather", tool, agents[name], "started", inputs={"city": CITIES[name]},
                attrs={"tool_call_id": f"call_{name}"})
        marks = {"replay": "recorded", "replay_of": replay_of[name]} if replay_of else None
        b.end(tool, 1, outputs={"return": WEATHER[name]}, attrs=marks)
        b.end(agents[name], 10)
    b.run_end()
    return b.events


def test_a_tool_matched_by_its_call_id_is_compared_with_that_twin_wherever_it_ran() -> None:
    recorded = one_named(AGENTS)  # tool:get_weather#1 is the planner's, #2 the critic's, #3 the booker's
    twins = {name: f"tool:get_weather#{n}" for n, name in enumerate(AGENTS, 1)}
    result = compare(timeline_of(recorded), timeline_of(one_named(AGENTS[::-1], replay_of=twins)))
    assert (result.first, result.different, result.only_old, result.only_new) == (None, 0, 0, 0)
    by_place = compare(timeline_of(recorded), timeline_of(one_named(AGENTS[::-1])))
    assert by_place.first is not None and by_place.first.what.startswith("agent:forecaster#1 > tool:get_weather#1")


def test_a_tool_calls_id_minted_anew_is_no_divergence_and_its_arguments_are() -> None:
    """A provider (or a fork's made answer) mints a tool call's id for every answer: the divergence is what the
    model asked for, never the id."""
    def asked(call_id: str, city: str) -> list[Event]:
        b = TraceBuilder()
        root = b.run_start()
        llm = b.start("llm", "openai.chat", root, inputs={"messages": ["Which city?"]})
        b.end(llm, 5, outputs={"tool_calls": [{"id": call_id, "name": "get_weather", "arguments": {"city": city}}]})
        b.run_end()
        return b.events

    same = compare(timeline_of(asked("call_stub1", "Paris")), timeline_of(asked("call_3750d9", "Paris")))
    assert (same.first, same.different) == (None, 0)
    moved = compare(timeline_of(asked("call_stub1", "Paris")), timeline_of(asked("call_3750d9", "Lisbon")))
    assert moved.first is not None and moved.first.what == (
        "llm:openai.chat#1 end: outputs.tool_calls[0].arguments.city: recorded 'Paris', rerun 'Lisbon'")


def answered(outputs: Event) -> list[Event]:
    b = TraceBuilder()
    root = b.run_start()
    b.end(b.start("llm", "openai.chat", root, inputs={"messages": ["Weather?"]}), 5, outputs=outputs)
    b.run_end()
    return b.events


def test_an_empty_output_field_and_an_absent_one_say_the_same_and_the_divergence_names_what_changed() -> None:
    paris = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    oslo = {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    same = compare(timeline_of(answered({"text": "", "tool_calls": [paris]})),
                   timeline_of(answered({"tool_calls": [paris]})))
    assert (same.first, same.different) == (None, 0)
    forked = compare(timeline_of(answered({"text": "", "tool_calls": [paris]})),
                     timeline_of(answered({"tool_calls": [oslo]})))
    assert forked.first is not None
    assert forked.first.what == ("llm:openai.chat#1 end: outputs.tool_calls[0].arguments: recorded "
                                 "'{\"city\": \"Paris\"}', rerun '{\"city\": \"Oslo\"}'")


def test_an_answer_with_an_empty_text_says_what_one_with_no_text_says() -> None:
    asked = {"tool_calls": [{"name": "get_weather", "arguments": '{"city": "Oslo"}'}]}
    assert exact(said_by({"status": "completed", "outputs": {"text": "", **asked}})) == \
        exact(said_by({"status": "completed", "outputs": asked}))


QUESTIONS = ("Plan a trip to Lisbon.", "What could go wrong?", "Which hotel?", "Is it cold in Oslo?", "Book a table.")


def asking(order: tuple[int, ...]) -> list[Event]:
    """Five agents of one name, each asked its question (`QUESTIONS[n]`), started in `order`: each makes an LLM
    call (a request the rerun matched by what it asks: no `replay_of` here) and ends with its answer."""
    b = TraceBuilder()
    root = b.run_start()
    agents = {n: b.start("agent", "assistant", root, inputs={"question": QUESTIONS[n]}) for n in order}
    for n in order:
        b.span("llm", "openai.chat", 5, agents[n], inputs={"messages": [QUESTIONS[n]]},
               outputs={"text": f"answer to {QUESTIONS[n]}"})
        b.end(agents[n], 10, outputs={"return": f"answer to {QUESTIONS[n]}"})
    b.run_end()
    return b.events


def test_agents_of_one_name_are_paired_by_what_they_were_asked_under_every_start_order() -> None:
    recorded = timeline_of(asking(tuple(range(5))))
    orders = list(permutations(range(5)))[::5]  # 24 of the 120 start orders
    results = [compare(recorded, timeline_of(asking(order))) for order in orders]
    assert len(orders) >= 20 and [result.first for result in results] == [None] * len(orders)
    assert {(result.different, result.only_old, result.only_new) for result in results} == {(0, 0, 0)}


def test_an_agent_asked_something_else_is_still_a_divergence_whatever_the_order() -> None:
    changed = asking((4, 3, 2, 1, 0))
    start = next(e for e in changed if e["event_type"] == "agent_execution_start" and
                 e["inputs"]["question"] == QUESTIONS[2])
    start["inputs"] = {"question": "Which cheap hotel?"}
    result = compare(timeline_of(asking(tuple(range(5)))), timeline_of(changed))
    assert result.first is not None and "Which cheap hotel?" in result.first.what


def test_where_an_opentelemetry_call_went_is_not_compared_and_what_it_asked_is() -> None:
    def said(host: str, port: int, model: str) -> dict[str, Any]:
        kept = {"server.address": host, "server.port": port, "url.full": f"http://{host}:{port}/v1/chat/completions",
                "gen_ai.request.model": model}
        return content({"component": "llm", "attrs": {"source": "opentelemetry", "otel_attributes": kept}})

    recorded = said("127.0.0.1", 41233, "gpt-4o-mini")
    assert recorded == said("api.example.com", 443, "gpt-4o-mini")  # a rerun against another endpoint
    assert recorded["attrs"]["otel_attributes"] == {"url.full": "/v1/chat/completions",
                                                    "gen_ai.request.model": "gpt-4o-mini"}
    assert recorded != said("127.0.0.1", 41233, "gpt-4o")
