"""Streamed answers in golden files: recorded by the pytest plugin from the openai and anthropic SDKs against the
stub server on 127.0.0.1, kept as one answer each (no frames) where the frames can be made again, and replayed
offline to the SDKs as the same text, tool calls and usage. A stream that cannot be made again (a legacy
completion) keeps its frames and replays too."""

from __future__ import annotations

import pytest
from support.goldensuites import answers, free_port, golden_events, run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

STREAMS = '''
import os
import anthropic, openai, pytest
from agentapp import keep

CHAT_TOOL = {"type": "function", "function": {"name": "get_weather",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
CLAUDE_TOOL = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


def chat(question, **extra):
    client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)
    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}], stream=True,
        stream_options={"include_usage": True}, **extra))
    deltas = [chunk.choices[0].delta for chunk in chunks if chunk.choices]
    return {"text": "".join(delta.content or "" for delta in deltas),
            "tool_calls": [call.model_dump() for delta in deltas for call in delta.tool_calls or ()],
            "usage": [chunk.usage.model_dump() for chunk in chunks if chunk.usage],
            "ids": sorted({chunk.id for chunk in chunks}), "models": sorted({chunk.model for chunk in chunks})}


def claude(question, **extra):
    client = anthropic.Anthropic(base_url=os.environ["STUB_URL"], max_retries=0)
    with client.messages.stream(model="claude-3-5-haiku-latest", max_tokens=64,
                                messages=[{"role": "user", "content": question}], **extra) as stream:
        return stream.get_final_message().model_dump()


def legacy(prompt):
    client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)
    chunks = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt, stream=True)
    return "".join(chunk.choices[0].text for chunk in chunks if chunk.choices)


@pytest.mark.n3replay
def test_streams():
    keep("streams", {"chat": chat("Weather in Oslo?"), "chat_tool": chat("Weather in Oslo?", tools=[CHAT_TOOL]),
                     "claude": claude("Weather in Oslo?"), "claude_tool": claude("Weather in Oslo?",
                                                                                 tools=[CLAUDE_TOOL]),
                     "legacy": legacy("Weather in Oslo?")})
'''
GOLDEN = "golden/test_streams/test_streams.jsonl"


def test_streamed_answers_are_kept_without_frames_and_replay_offline_as_recorded(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_streams=STREAMS)
    with StubServer(fresh=True) as server:  # a new text on every request: a replayed one is the recorded one
        run_pytest(pytester.path, suite_environ(pytester.path, server.url), "--n3-record=once").assert_outcomes(
            passed=1)
        assert len(server.hits) == 5
    recorded = answers(pytester.path, "streams")
    calls = [event for event in golden_events(pytester.path / GOLDEN) if event["event_type"] == "llm_call_end"]
    ends = {(event["name"], index): event["outputs"]["return"] for index, event in enumerate(calls)}
    kept_whole = [name for (name, _), record in ends.items() if "frames" in record]
    rebuilt = [name for (name, _), record in ends.items() if "rebuilt" in record and "frames" not in record]
    assert kept_whole == ["openai.completions"]
    assert rebuilt == ["openai.chat", "openai.chat", "anthropic.messages", "anthropic.messages"]

    offline = suite_environ(pytester.path, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    run_pytest(pytester.path, offline, "--n3-record=none").assert_outcomes(passed=1)
    replayed = answers(pytester.path, "streams")
    assert replayed == recorded
    assert replayed["chat"]["text"].startswith("Echo: Weather in Oslo? [nonce ")
    assert replayed["chat"]["usage"][0]["total_tokens"] > 0
    [call] = replayed["chat_tool"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    [block] = replayed["claude_tool"]["content"]
    assert block["input"] == {"city": "Oslo"} and replayed["claude_tool"]["usage"]["output_tokens"] > 0
