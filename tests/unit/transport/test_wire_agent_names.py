"""How an agent from the wire is named (transport/agent_names.py): by the name the app gave it in the request,
else by the tools it is offered, never by its system prompt's words, so that an edited prompt leaves the name
(and the path of every call under it) as it was; two agents of one run are told apart in the order they appear."""

from __future__ import annotations

from typing import Any

import pytest

from namel3ss_debug.transport.agent_names import AgentNames, tools_name
from namel3ss_debug.transport.apis.dialogue import dialogue

WEATHER = [{"type": "function", "function": {"name": name}} for name in ("get_weather", "get_time")]


def chat(*messages: dict[str, Any], tools: list[dict[str, Any]] = WEATHER) -> Any:
    return dialogue("openai.chat", {"messages": list(messages), "tools": tools})


def system(text: str, **more: Any) -> dict[str, Any]:
    return {"role": "system", "content": text, **more}


USER = {"role": "user", "content": "Weather in Paris?"}


def test_an_unnamed_agent_is_named_by_its_tools_not_its_prompt() -> None:
    assert AgentNames().name(chat(system("You are a travel assistant; use the tools."), USER)) == \
        "agent(get_time, get_weather)"


def test_an_edited_prompt_keeps_the_name() -> None:
    before = AgentNames().name(chat(system("You are a weather assistant. Be brief."), USER))
    after = AgentNames().name(chat(system("You are a helpful weather assistant who answers briefly."), USER))
    assert before == after == "agent(get_time, get_weather)"


@pytest.mark.parametrize(("tools", "name"), [
    (["search"], "agent(search)"),
    (["b", "a", "c"], "agent(a, b, c)"),
    (["e", "d", "c", "b", "a"], "agent(a, b, c, +2)"),
    ([], "agent")])
def test_the_name_of_a_tool_set_is_its_first_three_tools_in_order_and_a_count_of_the_rest(tools, name) -> None:
    assert tools_name(tuple(sorted(tools))) == name


def test_a_system_or_developer_messages_name_is_the_agents_name() -> None:
    assert AgentNames().name(chat(system("You plan.", name="planner"), USER)) == "planner"
    assert AgentNames().name(chat({"role": "developer", "content": "You plan.", "name": "planner"}, USER)) == \
        "planner"


def test_an_assistant_messages_name_is_the_agents_name_when_no_system_message_has_one() -> None:
    said = chat(system("You plan."), USER, {"role": "assistant", "content": "On it.", "name": "planner"},
                {"role": "user", "content": "Go on.", "name": "alice"})
    assert AgentNames().name(said) == "planner"  # the user's name is the user's, not the agent's
    said = chat(system("You plan.", name="chief"), {"role": "assistant", "content": "Hi.", "name": "planner"})
    assert AgentNames().name(said) == "chief"


def test_two_agents_with_the_same_tools_and_other_prompts_are_numbered_in_the_order_they_appear() -> None:
    names = AgentNames()
    first, second = chat(system("You research."), USER), chat(system("You critique."), USER)
    assert [names.name(first), names.name(second), names.name(first)] == [
        "agent(get_time, get_weather)", "agent(get_time, get_weather) 2", "agent(get_time, get_weather)"]
    other_tools = chat(system("You research."), USER, tools=[{"type": "function", "function": {"name": "search"}}])
    assert names.name(other_tools) == "agent(search)"


def test_a_rerun_whose_prompts_were_edited_names_its_agents_as_the_recording_did() -> None:
    def names_of(prompts: list[str]) -> list[str]:
        names = AgentNames()
        return [names.name(chat(system(prompt), USER)) for prompt in prompts]

    assert names_of(["You research.", "You critique.", "You research."]) == \
        names_of(["You research the web carefully.", "You critique.", "You research the web carefully."])


def test_the_names_remembered_are_bounded_and_still_distinct_past_the_bound(monkeypatch) -> None:
    monkeypatch.setattr("namel3ss_debug.transport.agent_names.MAX_REMEMBERED", 2)
    names = AgentNames()
    given = [names.name(chat(system(f"Prompt {n}."), USER)) for n in range(4)]
    assert given == ["agent(get_time, get_weather)"] + [f"agent(get_time, get_weather) {n}" for n in (2, 3, 4)]
    assert names.name(chat(system("Prompt 0."), USER)) == "agent(get_time, get_weather)"  # remembered
    assert names.name(chat(system("Prompt 3."), USER)) == "agent(get_time, get_weather) 5"  # past the bound


@pytest.mark.parametrize(("api", "body"), [
    ("openai.responses", {"instructions": "You are a weather assistant.", "input": "hi",
                          "tools": [{"type": "function", "name": "get_weather"}]}),
    ("anthropic.messages", {"system": "You are a weather assistant.", "messages": [{"role": "user", "content": "hi"}],
                            "tools": [{"name": "get_weather"}]}),
    ("gemini.generate_content", {"systemInstruction": {"parts": [{"text": "You are a weather assistant."}]},
                                 "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                                 "tools": [{"functionDeclarations": [{"name": "get_weather"}]}]})])
def test_apis_that_carry_no_agent_name_name_it_by_its_tools(api, body) -> None:
    assert AgentNames().name(dialogue(api, body)) == "agent(get_weather)"
