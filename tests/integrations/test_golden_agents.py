"""A golden run of a hooked framework: a user's test of an openai-agents Agent with a function tool, marked
`n3replay`, recorded once against the stub model, then replayed with no key and no request reaching the stub. With
the default `tools="recorded"` the tool is answered from the golden run (its body does not run); with the ini key
`n3_tools = live` its body runs again (`reran`, judged by what it returns), and the agent's next request, which
carries what the tool returned, still asks what was recorded. The same holds for a streamed run (`run_streamed`),
whose text deltas replay the recorded answer.
"""

from __future__ import annotations

import secrets

import pytest
from goldenbench import GoldenSuite
from support.stubserver import StubServer

pytest.importorskip("agents")
pytestmark = pytest.mark.frameworks
pytest_plugins = ["pytester"]

KEY = f"sk-test-{secrets.token_hex(16)}"
ANSWERS = {"forecaster": "Echo: Is it cold in Oslo? (tool said: snow, -3 C)",
           "streamed": "Echo: Is it warm in Paris? (tool said: light rain, 14 C)"}
BODIES = ["get_weather Oslo", "get_weather Paris"]

# The tool is made at import, as users write it, before any test starts: the plugin hooks openai-agents before
# it imports a test module that names n3replay, so the tool is hooked (else, seen only on the wire, it would run
# again in a replay).
SUITE = f'''
import asyncio
import os

import pytest
from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

from goldenseen import note


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    with open("tool_bodies.log", "a") as log:
        log.write(f"get_weather {{city}}\\n")
    return {{"paris": "light rain, 14 C", "oslo": "snow, -3 C"}}.get(city.lower().strip("?"), "clear, 18 C")


@pytest.fixture
def forecaster():
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0))
    return Agent(name="forecaster", instructions="Answer with the weather.", model="gpt-4o-mini",
                 tools=[get_weather])


def check(n3trace, stream, forecast):
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "openai.responses", times=2)
    assert [call.inputs.get("stream", False) for call in n3trace.calls("llm")] == [stream, stream]
    [tool] = n3trace.calls("tool", "get_weather")
    assert tool.start["attrs"]["framework"] == "openai-agents" and tool.outputs == {{"return": forecast}}
    return tool.outputs


@pytest.mark.n3replay
def test_forecaster(n3trace, forecaster):
    result = Runner.run_sync(forecaster, "Is it cold in Oslo?")
    assert result.final_output == {ANSWERS["forecaster"]!r}
    note(n3trace, "forecaster", answer=result.final_output, tool=check(n3trace, False, "snow, -3 C"))


@pytest.mark.n3replay
def test_forecaster_streamed(n3trace, forecaster):
    async def run():
        result = Runner.run_streamed(forecaster, "Is it warm in Paris?")
        raw = [event.data async for event in result.stream_events() if event.type == "raw_response_event"]
        return result.final_output, "".join(data.delta for data in raw if data.type == "response.output_text.delta")

    answer, deltas = asyncio.run(run())
    assert answer == deltas == {ANSWERS["streamed"]!r}
    note(n3trace, "streamed", answer=answer, tool=check(n3trace, True, "light rain, 14 C"))
'''


def test_a_function_tool_is_answered_from_the_golden_run_unless_tools_are_live(pytester: pytest.Pytester,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with StubServer(api_key=KEY) as server:
        suite = GoldenSuite(pytester, monkeypatch, server, KEY, ("OPENAI_API_KEY",))
        pytester.makepyfile(test_agent=SUITE)
        recorded = suite.record()
        replayed = suite.replay()
        live_tools = suite.replay("-o", "n3_tools=live")
    recorded.result.assert_outcomes(passed=2)
    assert (recorded.requests, recorded.bodies) == (4, BODIES)
    assert suite.golden("test_agent", "test_forecaster_streamed").is_file()
    for session, bodies, tool_mark in ((replayed, [], "recorded"), (live_tools, BODIES, "reran")):
        session.result.assert_outcomes(passed=2)
        assert (session.requests, session.bodies) == (0, bodies)
        for test, answer in ANSWERS.items():
            before, after = recorded.seen[test], session.seen[test]
            assert before["got"]["answer"] == answer and before["replay_of"] is None
            assert (after["got"], after["calls"], after["tokens"]) == (before["got"], before["calls"],
                                                                       before["tokens"])
            assert after["replay_of"]["golden"] == "none"
            assert after["replay"] == [["llm", "openai.responses", "recorded"]] * 2 + [["tool", "get_weather",
                                                                                          tool_mark]]
