"""Tool calls in answers given as provider-neutral values (mocks, a fork's `--answer`) get ids of their own: no two
calls of a rerun share one (two answers each asking for a tool once had `call_1` both), each is made from the
answered call's key, so the same in every rerun, and the SDK takes them as a model's."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer

from namel3ss_debug import capture_http
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.transport.apis.neutral import made_id

openai = pytest.importorskip("openai")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def loop(url: str) -> tuple[str, list[str]]:
    """A tool loop on the raw SDK (its tool a plain function, seen on the wire): the answer and the ids it was given."""
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0)
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris"}]
    ids: list[str] = []
    for _ in range(4):
        said = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message
        if not said.tool_calls:
            return said.content or "", ids
        ids += [call.id for call in said.tool_calls]
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": call.id, "type": "function", "function": {"name": call.function.name,
                                                             "arguments": call.function.arguments}}
            for call in said.tool_calls]})
        messages += [{"role": "tool", "tool_call_id": call.id,
                      "content": f"clear in {json.loads(call.function.arguments)['city']}"} for call in said.tool_calls]
    return "", ids


@pytest.fixture
def stub() -> Iterator[Any]:
    capture_http()
    with StubServer() as server:
        yield server


def test_two_answered_calls_asking_for_tools_give_them_distinct_ids_the_sdk_reads(stub):
    _, events = record(lambda: loop(stub.url))
    def weather_in(city: str) -> dict[str, Any]:
        return {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": city}}]}

    asks = {"llm:openai.chat#1": weather_in("Oslo"), "llm:openai.chat#2": weather_in("Rome"),
            "llm:openai.chat#3": "Pack a scarf."}
    mocks = {key: Mock(parse_key(key), value, "test") for key, value in asks.items()}
    hits = len(stub.hits)
    (said, ids), _, session = rerun(events, lambda: loop(stub.url), mocks=mocks, on_miss="live")
    assert said == "Pack a scarf." and len(stub.hits) == hits
    assert ids == [made_id("call_", "llm:openai.chat#1", 1), made_id("call_", "llm:openai.chat#2", 1)]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"call_[0-9a-f]{24}", made) for made in ids)
    assert session.tally.counts["mocked"] == 3
