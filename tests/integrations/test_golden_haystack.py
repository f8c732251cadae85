"""A golden run of a framework known only from the wire: a user's test of a Haystack `Agent` with two tools (no hook
of ours), from Haystack's own venv, marked `n3replay`, recorded once against the stub model, then replayed with no
key: its three requests are answered from the golden run (none reaches the stub), and its tools, which no hook
holds, run again (`reran`: judged by what they return), the agent's requests that carry their results still
asking what was recorded.
"""

from __future__ import annotations

import secrets

import pytest
from goldenbench import GoldenSuite
from support.stubserver import StubServer
from support.venvs import FrameworkVenv, framework_venv

pytestmark = pytest.mark.frameworks
pytest_plugins = ["pytester"]

HAYSTACK = ("haystack-ai==3.4.1", "pytest==9.2.0")
KEY = f"sk-test-{secrets.token_hex(16)}"

SUITE = '''
import os

import pytest
from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool

from goldenseen import note

PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def ran(line):
    with open("tool_bodies.log", "a") as log:
        log.write(line + "\\n")


def get_weather(city):
    ran(f"get_weather {city}")
    return {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}[city]


def get_time(city):
    ran(f"get_time {city}")
    return "10:00"


@pytest.mark.n3replay
def test_weather_agent(n3trace):
    generator = OpenAIChatGenerator(api_base_url=os.environ["STUB_URL"] + "/v1", model="gpt-4o-mini")
    tools = [Tool(name="get_weather", description="The weather in a city today.", parameters=PARAMETERS,
                  function=get_weather),
             Tool(name="get_time", description="The local time in a city.", parameters=PARAMETERS, function=get_time)]
    agent = Agent(chat_generator=generator, tools=tools, raise_on_tool_invocation_failure=True,
                  system_prompt="You are a weather assistant. Answer with the tools' results.")
    agent.warm_up()
    answer = agent.run(messages=[ChatMessage.from_user("What is the weather and the time in Paris")])["messages"][-1]
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "openai.chat", times=3)
    n3trace.assert_called("tool", "get_weather", times=1)
    n3trace.assert_called("tool", "get_time", times=1)
    note(n3trace, "haystack", answer=answer.text)
'''


@pytest.fixture(scope="module")
def venv() -> FrameworkVenv:
    """Haystack's venv, found before pytester makes its directory the home one."""
    return framework_venv("haystack", HAYSTACK)


def test_a_haystack_agent_replays_its_requests_and_reruns_its_wire_tools(pytester: pytest.Pytester,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         venv: FrameworkVenv) -> None:
    monkeypatch.setenv("HAYSTACK_TELEMETRY_ENABLED", "False")
    with StubServer(api_key=KEY) as server:
        suite = GoldenSuite(pytester, monkeypatch, server, KEY, ("OPENAI_API_KEY",), venv=venv)
        pytester.makepyfile(test_agent=SUITE)
        recorded = suite.record()
        replayed = suite.replay()
    recorded.result.assert_outcomes(passed=1)
    bodies = ["get_weather Paris", "get_time Paris"]
    assert (recorded.requests, recorded.bodies) == (3, bodies)
    assert suite.golden("test_agent", "test_weather_agent").is_file()
    replayed.result.assert_outcomes(passed=1)
    assert (replayed.requests, replayed.bodies) == (0, bodies)  # no request reached the stub; the tools ran again
    before, after = recorded.seen["haystack"], replayed.seen["haystack"]
    assert before["got"]["answer"] == "Echo: What is the weather and the time in Paris (tool said: 10:00)"
    assert (after["got"], after["calls"], after["tokens"]) == (before["got"], before["calls"], before["tokens"])
    assert before["replay_of"] is None and after["replay_of"]["golden"] == "none"
    assert after["replay"] == [["llm", "openai.chat", "recorded"]] * 3 + [["tool", "get_time", "reran"],
                                                                         ["tool", "get_weather", "reran"]]
