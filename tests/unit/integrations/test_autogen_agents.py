"""AutoGen AgentChat agents of the app's own, in this process (`integrations/autogen/`): an agent class
defined after the hook went in is wrapped as Python creates it, a subclass whose turn calls its base's
makes one agent span, the span ends with the response even when the caller stops reading there, and a
team's run is a chain span holding its agents' turns. Tool calls through `BaseTool.run_json` are spans
with the call id they were given."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import pytest
from support.rerunhelpers import record

from namel3ss_debug import mark
from namel3ss_debug.integrations.otel import hooked

autogen_core = pytest.importorskip("autogen_core")
agentchat = pytest.importorskip("autogen_agentchat.agents")

from autogen_agentchat.base import Response  # noqa: E402 - after the skip
from autogen_agentchat.messages import TextMessage  # noqa: E402 - as above
from autogen_agentchat.teams import RoundRobinGroupChat  # noqa: E402 - as above
from autogen_core.tools import BaseTool, FunctionTool  # noqa: E402 - as above

from namel3ss_debug.integrations.autogen.classes import watch_components  # noqa: E402 - as above
from namel3ss_debug.integrations.autogen.tools import wrap_run_json  # noqa: E402 - as above

Event = dict[str, Any]


@pytest.fixture(autouse=True)
def hooked_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook's wrappers, as `autogen.hook.install` puts them in (they pass calls through when not
    tracing); the processor's registry of hooked scopes is put back after, for the other tests."""
    monkeypatch.setattr(hooked, "_hooked", dict(hooked._hooked))
    watch_components(autogen_core.ComponentBase)
    wrap_run_json(BaseTool)


def shout(text: str) -> str:
    return text.upper() + "!"


def agent_classes() -> tuple[type, type]:
    """An agent answering by a tool of its own, and a subclass whose turn calls its base's: both defined
    after the hook went in."""

    class Echo(agentchat.BaseChatAgent):
        tool = FunctionTool(shout, description="Shout.")

        @property
        def produced_message_types(self) -> Sequence[type]:
            return (TextMessage,)

        async def on_messages(self, messages: Sequence[Any], cancellation_token: Any) -> Response:
            said = await self.tool.run_json({"text": messages[-1].to_text()}, cancellation_token, call_id="c1")
            return Response(chat_message=TextMessage(content=said, source=self.name))

        async def on_reset(self, cancellation_token: Any) -> None:
            pass

    class Loud(Echo):
        async def on_messages_stream(self, messages: Sequence[Any], cancellation_token: Any
                                     ) -> AsyncGenerator[Any, None]:
            async for item in super().on_messages_stream(messages, cancellation_token):
                yield item

    return Echo, Loud


def spans(events: list[Event], component: str) -> list[tuple[Event, Event]]:
    ends = {e["span_id"]: e for e in events if e["status"] != "started"}
    return [(e, ends[e["span_id"]]) for e in events if e["component"] == component and e["status"] == "started"]


async def last_of_stream(agent: Any, task: str) -> Any:
    async for item in agent.run_stream(task=task):
        last = item
    return last


@pytest.mark.parametrize("way", ["run", "run_stream"])
def test_an_agent_of_the_apps_own_is_one_agent_span_over_its_tool_call_however_it_is_run(way: str) -> None:
    _, loud = agent_classes()  # run: on_messages; run_stream: Loud's stream, then its base's, then on_messages
    agent = loud("loud", "says it louder")
    ran = agent.run(task="hello") if way == "run" else last_of_stream(agent, "hello")
    result, events = record(lambda: asyncio.run(ran))
    assert result.messages[-1].to_text() == "HELLO!"
    [(agent_start, agent_end)] = spans(events, "agent")
    [(tool, tool_end)] = spans(events, "tool")
    assert (agent_start["name"], agent_start["inputs"], agent_end["outputs"]) == \
        ("loud", {"messages": [{"source": "user", "content": "hello"}]}, {"return": "HELLO!"})
    assert (tool["name"], tool["inputs"], tool["attrs"]["tool_call_id"], tool_end["outputs"]) == \
        ("shout", {"text": "hello"}, "c1", {"return": "HELLO!"})
    assert tool["parent_id"] == agent_start["span_id"]


def test_the_agent_span_ends_at_the_response_though_the_caller_stops_reading_there() -> None:
    echo, _ = agent_classes()

    async def first_response() -> Any:
        async for item in echo("echo", "echoes").on_messages_stream([TextMessage(content="hi", source="user")],
                                                                   autogen_core.CancellationToken()):
            if isinstance(item, Response):
                return item  # the stream is left open, as `on_messages` leaves it
        return None

    def app() -> None:
        asyncio.run(first_response())
        mark("after")

    _, events = record(app)
    [(_, agent_end)] = spans(events, "agent")
    marker = next(e for e in events if e["name"] == "after")
    assert agent_end["seq"] < marker["seq"] and agent_end["outputs"] == {"return": "HI!"}


def test_a_team_run_is_a_chain_span_holding_its_agents_turns() -> None:
    echo, _ = agent_classes()
    team = RoundRobinGroupChat([echo("echo", "echoes")], name="desk", max_turns=1)
    result, events = record(lambda: asyncio.run(team.run(task="hi")))
    [(chain, chain_end)] = spans(events, "chain")
    [(agent, _)] = spans(events, "agent")
    assert (chain["name"], chain["inputs"], chain_end["outputs"]["return"]) == ("desk", {"task": "hi"}, "HI!")
    assert agent["parent_id"] == chain["span_id"]
    assert result.stop_reason == chain_end["outputs"]["stop_reason"]


def test_untraced_the_wrapped_agent_runs_as_it_did() -> None:
    _, loud = agent_classes()
    result = asyncio.run(loud("loud", "says it louder").run(task="quiet"))
    assert [m.to_text() for m in result.messages] == ["quiet", "QUIET!"]
