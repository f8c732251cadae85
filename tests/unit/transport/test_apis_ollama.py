"""Ollama's own API decoded: streamed by default, JSON lines, the counts on the last line, mocks."""

from __future__ import annotations

import pytest

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

CHAT = recognise("POST", "localhost:11434", "/api/chat", {"model": "llama3.2", "messages": []})
GENERATE = recognise("POST", "localhost:11434", "/api/generate", {"model": "llama3.2", "prompt": "Why?"})
LAST = {"done": True, "done_reason": "stop", "total_duration": 4883583458, "load_duration": 1334875,
        "prompt_eval_count": 26, "prompt_eval_duration": 342546000, "eval_count": 282, "eval_duration": 4535599000}


def line(**fields: object) -> dict:
    return {"data": {"model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z", **fields}}


def test_ollama_streams_unless_the_body_says_stream_false() -> None:
    assert CHAT.request("/api/chat", {"model": "llama3.2", "messages": []}).streamed is True
    assert CHAT.request("/api/chat", {"model": "llama3.2", "messages": [], "stream": False}).streamed is False
    assert GENERATE.request("/api/generate", {"model": "llama3.2", "prompt": "Why?"}).model == "llama3.2"


def test_a_chat_response_gives_text_tool_calls_done_reason_and_the_eval_counts() -> None:
    body = line(message={"role": "assistant", "content": "",
                         "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
                **LAST)["data"]
    assert CHAT.response(body) == {
        "text": "", "tool_calls": [{"id": None, "name": "get_weather", "arguments": {"city": "Paris"}}],
        "finish_reason": "stop", "usage": {"input_tokens": 26, "output_tokens": 282, "total_tokens": 308},
        "model": "llama3.2"}


def test_a_chat_stream_joins_the_pieces_and_reads_the_counts_from_the_done_line() -> None:
    frames = [line(message={"role": "assistant", "content": "The"}, done=False),
              line(message={"role": "assistant", "content": " sky"}, done=False),
              line(message={"role": "assistant", "content": ""}, **LAST)]
    outputs = CHAT.stream(frames)
    assert (outputs["text"], outputs["finish_reason"], outputs["usage"]["output_tokens"]) == ("The sky", "stop", 282)
    assert [CHAT.is_token(frame) for frame in frames] == [True, True, False]


def test_a_generate_stream_joins_the_response_pieces() -> None:
    frames = [line(response="The", done=False), line(response=" sky", done=False),
              line(response="", context=[1, 2, 3], **{**LAST, "done_reason": "length"})]
    outputs = GENERATE.stream(frames)
    assert (outputs["text"], outputs["finish_reason"], outputs["usage"]["input_tokens"]) == ("The sky", "length", 26)
    assert [GENERATE.is_token(frame) for frame in frames] == [True, True, False]


def test_an_error_body_gives_its_message() -> None:
    assert CHAT.error_message({"error": "model \"llama9\" not found, try pulling it first"}) == (
        "model \"llama9\" not found, try pulling it first")


@pytest.mark.parametrize("api", [CHAT, GENERATE], ids=["chat", "generate"])
def test_a_streamed_mock_is_json_lines_ending_with_a_done_line(api: object) -> None:
    record = api.mock(NeutralAnswer("Blue."), "llama3.2", True)
    assert (record["headers"], record["framing"]) == ({"content-type": "application/x-ndjson"}, "ndjson")
    assert [frame["data"]["done"] for frame in record["frames"]] == [False, True]
    assert api.stream(record["frames"])["text"] == "Blue."
    whole = api.mock(NeutralAnswer("Blue."), "llama3.2", False)
    assert whole["body"]["done"] is True and api.response(whole["body"])["text"] == "Blue."
