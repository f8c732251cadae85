"""Golden runs of raw SDK calls, streamed and not: a user's tests of the openai, anthropic and google-genai clients,
marked `n3replay`, recorded once against the stub model with the keys in the environment, then replayed with no key:
no request reaches the stub, every test passes on the same answers, and its `n3trace` assertions hold on the replay.
A streamed answer is kept in the golden file as its text and what rebuilds its stream, not as its frames.
"""

from __future__ import annotations

import json
import secrets

import pytest
from goldenbench import GoldenSuite
from support.stubserver import StubServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

KEY = f"sk-test-{secrets.token_hex(16)}"
KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")

# The user's tests: each SDK's client from the environment (its key variable), one call plain and one streamed.
SUITE = '''
import os

import anthropic
import openai
import pytest
from google import genai
from google.genai import types

from goldenseen import note

URL = os.environ["STUB_URL"]


def user(text):
    return [{"role": "user", "content": text}]


@pytest.mark.n3replay
def test_openai_chat(n3trace):
    client = openai.OpenAI(base_url=URL + "/v1", max_retries=0)
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=user("Is it cold in Oslo"))
    chunks = client.chat.completions.create(model="gpt-4o-mini", messages=user("And in Paris"), stream=True,
                                            stream_options={"include_usage": True})
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert (plain.choices[0].message.content, streamed) == ("Echo: Is it cold in Oslo", "Echo: And in Paris")
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "openai.chat", times=2)
    n3trace.assert_max_tokens(40)
    assert [call.inputs.get("stream", False) for call in n3trace.calls("llm")] == [False, True]
    note(n3trace, "openai", plain=plain.model_dump(), streamed=streamed)


@pytest.mark.n3replay
def test_anthropic_messages(n3trace):
    client = anthropic.Anthropic(base_url=URL, max_retries=0)
    plain = client.messages.create(model="claude-stub", max_tokens=64, messages=user("Is it cold in Oslo"))
    with client.messages.stream(model="claude-stub", max_tokens=64, messages=user("And in Paris")) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert (plain.content[0].text, streamed) == ("Echo: Is it cold in Oslo", "Echo: And in Paris")
    assert final.stop_reason == "end_turn"
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "anthropic.messages", times=2)
    n3trace.assert_max_tokens(40)
    note(n3trace, "anthropic", plain=plain.model_dump(), streamed=streamed, final=final.model_dump())


@pytest.mark.n3replay
def test_gemini(n3trace):
    client = genai.Client(http_options=types.HttpOptions(base_url=URL))
    plain = client.models.generate_content(model="gemini-2.0-flash", contents="Is it cold in Oslo")
    streamed = "".join(chunk.text or "" for chunk in
                       client.models.generate_content_stream(model="gemini-2.0-flash", contents="And in Paris"))
    assert (plain.text, streamed) == ("Echo: Is it cold in Oslo", "Echo: And in Paris")
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "gemini.generate_content", times=2)
    n3trace.assert_max_tokens(40)
    note(n3trace, "gemini", plain=plain.text, tokens=plain.usage_metadata.total_token_count, streamed=streamed)
'''
TESTS = ("openai", "anthropic", "gemini")


def test_sdk_calls_streamed_and_not_replay_offline_from_their_golden_runs(pytester: pytest.Pytester,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with StubServer(api_key=KEY) as server:
        suite = GoldenSuite(pytester, monkeypatch, server, KEY, KEY_VARIABLES)
        pytester.makepyfile(test_sdk=SUITE)
        recorded = suite.record()
        replayed = suite.replay()
    recorded.result.assert_outcomes(passed=3)
    assert recorded.requests == 6 and all(recorded.seen[test]["replay_of"] is None for test in TESTS)
    recorded.result.stdout.fnmatch_lines(["*namel3ss-debug golden runs*",
                                          "recorded golden/test_sdk/test_openai_chat.jsonl (test_sdk.py::*",
                                          "recorded golden/test_sdk/test_anthropic_messages.jsonl (*",
                                          "recorded golden/test_sdk/test_gemini.jsonl (*"])
    replayed.result.assert_outcomes(passed=3)
    assert replayed.requests == 0  # the stub was listening: nothing reached it
    assert "golden runs" not in replayed.result.stdout.str()  # nothing recorded, nothing to say
    for test in TESTS:
        before, after = recorded.seen[test], replayed.seen[test]
        assert (after["got"], after["calls"], after["tokens"]) == (before["got"], before["calls"], before["tokens"])
        assert after["tokens"] > 0 and len(after["calls"]) == 2
        assert after["replay_of"]["golden"] == "none" and after["replay_of"]["match"] == "inputs"
        assert {mark for _, _, mark in after["replay"]} == {"recorded"}
    for name in ("test_openai_chat", "test_anthropic_messages", "test_gemini"):
        text = suite.golden("test_sdk", name).read_text()
        assert KEY not in text and str(pytester.path) not in text  # redacted, and free of the checkout's path
        ends = [event for event in map(json.loads, text.splitlines()) if event["event_type"] == "llm_call_end"]
        streamed = ends[1]["outputs"]  # the answer once, as a reviewer reads it, not its server-sent events
        assert streamed["text"] == "Echo: And in Paris" and "frames" not in streamed["return"]
