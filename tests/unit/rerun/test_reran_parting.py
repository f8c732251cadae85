"""A tool run again (`--live-tools`) that returns something else than its recorded twin parts the rerun there
(`how` = `live`): the LLM call after it, whose request now carries the new result, is matched strictly, so it
is a miss (or runs live), never the recorded answer to the old result. The Lisbon case, on the raw openai SDK
against a stub model on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer

from namel3ss_debug import capture_http, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss

openai = pytest.importorskip("openai")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
FORECASTS = {"Paris": "light rain, 14 C"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@trace_tool_call
def get_weather(city: str) -> str:
    return FORECASTS[city]


def agent(url: str) -> str:
    """The model asks for the weather in Paris (the stub asks for the question's last word), the tool answers,
    the model answers from it (the stub echoes the question, quoting the tool's result)."""
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris"}]
    asked = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message
    call = asked.tool_calls[0]
    messages += [{"role": "assistant", "content": None, "tool_calls": [
        {"id": call.id, "type": "function", "function": {"name": call.function.name,
                                                         "arguments": call.function.arguments}}]},
                 {"role": "tool", "tool_call_id": call.id,
                  "content": get_weather(**json.loads(call.function.arguments))}]
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    return answer.choices[0].message.content or ""


@pytest.fixture
def stub() -> Iterator[Any]:
    capture_http()
    with StubServer(fresh=True) as server:
        yield server


def recorded(stub: Any) -> list[dict[str, Any]]:
    said, events = record(lambda: agent(stub.url))
    assert "light rain, 14 C" in said
    return events


def test_a_tool_that_returns_otherwise_parts_the_run_and_the_next_llm_call_misses(stub):
    events = recorded(stub)
    hits = len(stub.hits)
    FORECASTS["Paris"] = "sunny, 24 C"  # the tool, run again for real, now says otherwise
    try:
        result, _, session = rerun(events, lambda: agent(stub.url), live_tools=True)
    finally:
        FORECASTS["Paris"] = "light rain, 14 C"
    assert isinstance(result, RerunMiss)  # never the recorded "... (tool said: light rain, 14 C)"
    assert len(stub.hits) == hits  # nothing reached the model
    assert (session.parted, session.parted_how) == ("tool:get_weather#1", "live")
    miss = session.tally.misses[0]
    assert miss.call == "llm:openai.chat#2" and "sunny, 24 C" in miss.why
    assert "the rerun parted from the recording at tool:get_weather#1 (live)" in miss.why


def test_under_on_miss_live_the_next_llm_call_asks_the_model_with_the_new_result(stub):
    events = recorded(stub)
    FORECASTS["Paris"] = "sunny, 24 C"
    try:
        said, new_events, session = rerun(events, lambda: agent(stub.url), live_tools=True, on_miss="live")
    finally:
        FORECASTS["Paris"] = "light rain, 14 C"
    assert "sunny, 24 C" in said and "[nonce " in said  # the stub's new answer, not the recording's
    assert session.tally.counts == {"recorded": 1, "reran": 1, "live": 1}
    end = next(event for event in new_events if event["event_type"] == "run_end")
    assert end["attrs"]["parted"] == {"call": "tool:get_weather#1", "how": "live"}


def test_a_tool_that_returns_what_was_recorded_leaves_the_run_unparted(stub):
    events = recorded(stub)
    said, _, session = rerun(events, lambda: agent(stub.url), live_tools=True)
    assert "light rain, 14 C" in said and session.parted is None
    assert session.tally.counts == {"recorded": 2, "reran": 1}
