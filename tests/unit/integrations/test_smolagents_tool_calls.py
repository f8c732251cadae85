"""A smolagents `ToolCallingAgent`'s tool calls as `tool` spans (integrations/smolagents/toolcalls.py):
each run where smolagents runs it (`execute_tool_call`, which is given no call id) with the id the
model gave it, noted from the step's message (`process_tool_calls`); a managed agent called as a tool
is no tool span. smolagents itself is not needed: classes of the same shape stand for it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from support.rerunhelpers import record

from namel3ss_debug.integrations.smolagents.toolcalls import CallIds, noting_call_ids, recording_tool_calls


def asked(call_id: str, name: str, arguments: Any) -> Any:
    """A tool call of the model's message, as smolagents' `ChatMessageToolCall` holds it."""
    return SimpleNamespace(id=call_id, function=SimpleNamespace(name=name, arguments=arguments))


class Agent:
    """As a ToolCallingAgent's step: the model's message handed to `process_tool_calls`, which runs each
    call through `execute_tool_call(name, arguments)` (in another order than asked, as its threads may)."""

    def __init__(self) -> None:
        self.managed_agents = {"helper": None}
        self.ran: list[tuple[str, Any]] = []

    def process_tool_calls(self, chat_message: Any, memory_step: Any) -> list[Any]:
        return [self.execute_tool_call(call.function.name, call.function.arguments or {})
                for call in reversed(chat_message.tool_calls)]

    def execute_tool_call(self, tool_name: str, arguments: Any) -> Any:
        self.ran.append((tool_name, arguments))
        return f"{tool_name} of {arguments.get('city') or arguments.get('task')}"


Agent.process_tool_calls = noting_call_ids(Agent.process_tool_calls)  # type: ignore[method-assign]
Agent.execute_tool_call = recording_tool_calls(Agent.execute_tool_call)  # type: ignore[method-assign]


def test_each_call_is_a_tool_span_with_the_id_the_model_gave_it() -> None:
    message = SimpleNamespace(tool_calls=[asked("w-oslo", "get_weather", {"city": "Oslo"}),
                                          asked("w-rome", "get_weather", {"city": "Rome"}),
                                          asked("t", "get_time", None)])
    results, events = record(lambda: Agent().process_tool_calls(message, None))
    assert results == ["get_time of None", "get_weather of Rome", "get_weather of Oslo"]
    started = [(e["name"], e["inputs"], e["attrs"]["tool_call_id"]) for e in events
               if e["event_type"] == "tool_call_start"]
    assert started == [("get_time", {}, "t"), ("get_weather", {"city": "Rome"}, "w-rome"),
                       ("get_weather", {"city": "Oslo"}, "w-oslo")]


def test_a_managed_agent_called_as_a_tool_is_no_tool_span() -> None:
    agent = Agent()
    message = SimpleNamespace(tool_calls=[asked("h", "helper", {"task": "Oslo"})])
    results, events = record(lambda: agent.process_tool_calls(message, None))
    assert (results, agent.ran) == (["helper of Oslo"], [("helper", {"task": "Oslo"})])
    assert [e for e in events if e["component"] == "tool"] == []


def test_a_call_no_step_noted_is_a_tool_span_without_an_id() -> None:
    result, events = record(lambda: Agent().execute_tool_call("get_time", {"city": "Oslo"}))
    start = next(e for e in events if e["event_type"] == "tool_call_start")
    assert result == "get_time of Oslo"
    assert "tool_call_id" not in start["attrs"], "no LLM call of this run asked for it"


def test_a_steps_call_ids_are_taken_by_tool_name_and_arguments_in_the_models_order() -> None:
    agent, other = Agent(), Agent()
    ids = CallIds()
    ids.note(agent, [asked("a", "get_weather", {"city": "Oslo"}), asked("b", "get_weather", {"city": "Rome"}),
                     asked("c", "get_weather", {"city": "Oslo"}), asked("d", "get_time", None)])
    assert ids.take(agent, "get_weather", {"city": "Rome"}) == "b"
    assert [ids.take(agent, "get_weather", {"city": "Oslo"}) for _ in range(3)] == ["a", "c", None]
    assert ids.take(agent, "get_time", {}) == "d", "a call without arguments runs with {}"
    assert ids.take(other, "get_time", {}) is None, "each agent has its own"
    ids.note(agent, [asked("e", "get_time", {})])
    ids.note(agent, [asked("f", "get_weather", {"city": "Oslo"})])
    assert ids.take(agent, "get_time", {}) is None, "a new step drops what the last one left"
