"""OpenAI Chat Completions decoded: request, whole response, stream, first token, errors, mocks."""

from __future__ import annotations

import json

import pytest
from apimocks import mocked

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

PATH = "/v1/chat/completions"
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "temperature": 0.2}
API = recognise("POST", "api.openai.com", PATH, BODY)

TOOL_RESPONSE = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741570283,
    "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_fc9f1d7035", "service_tier": "default",
    "choices": [{"index": 0, "logprobs": None, "finish_reason": "tool_calls",
                 "message": {"role": "assistant", "content": None, "refusal": None, "annotations": [],
                             "tool_calls": [{"id": "call_abc", "type": "function", "function": {
                                 "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}}],
    "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
              "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 32, "audio_tokens": 0,
                                            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
}


def chunk(delta: dict, finish: str | None = None, **extra: object) -> dict:
    return {"data": {"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-2024-08-06",
                     "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}}


def call_piece(index: int, arguments: str, call_id: str | None = None, name: str | None = None) -> dict:
    piece: dict = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        piece.update(id=call_id, type="function")
        piece["function"]["name"] = name
    return piece


TOOL_STREAM = [
    chunk({"role": "assistant", "content": None, "tool_calls": [call_piece(0, "", "call_1", "get_weather")]}),
    chunk({"tool_calls": [call_piece(0, "{\"city\"")]}),
    chunk({"tool_calls": [call_piece(0, ":\"Paris\"}")]}),
    chunk({"tool_calls": [call_piece(1, "", "call_2", "get_time")]}),
    chunk({"tool_calls": [call_piece(1, "{}")]}),
    chunk({}, "tool_calls"),
    {"data": {"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-2024-08-06",
              "choices": [], "usage": {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100,
                                       "prompt_tokens_details": {"cached_tokens": 64}}}},
    {"data": "[DONE]"},
]


def test_the_request_names_the_model_and_is_streamed_only_when_it_asks() -> None:
    request = API.request(PATH, BODY)
    assert (request.model, request.streamed) == ("gpt-4o", False)
    assert request.inputs is BODY  # nothing added: the body itself, not a copy
    assert API.request(PATH, {**BODY, "stream": True, "stream_options": {"include_usage": True}}).streamed


def test_a_response_with_a_tool_call_gives_the_call_the_finish_reason_and_every_usage_count() -> None:
    outputs = API.response(TOOL_RESPONSE)
    assert "text" not in outputs  # content null: no text was said
    assert outputs["tool_calls"] == [{"id": "call_abc", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]
    assert outputs["finish_reason"] == "tool_calls"
    assert outputs["usage"] == {"input_tokens": 1117, "output_tokens": 46, "total_tokens": 1163,
                                "cache_read_input_tokens": 1024, "reasoning_tokens": 32}
    assert (outputs["model"], outputs["id"]) == ("gpt-4o-2024-08-06", "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG")


def test_a_text_response_gives_its_text_and_a_total_summed_when_the_server_sends_none() -> None:
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Bonjour"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2}}
    assert API.response(body) == {"text": "Bonjour", "finish_reason": "stop",
                                  "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}}


def test_a_deprecated_function_call_answer_is_a_tool_call_without_an_id() -> None:
    body = {"choices": [{"message": {"content": None, "function_call": {"name": "f", "arguments": "{}"}}}]}
    assert API.response(body)["tool_calls"] == [{"id": None, "name": "f", "arguments": "{}"}]


def test_a_stream_merges_tool_call_pieces_by_index_and_takes_usage_from_the_usage_chunk() -> None:
    outputs = API.stream(TOOL_STREAM)
    assert outputs["tool_calls"] == [{"id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
                                     {"id": "call_2", "name": "get_time", "arguments": "{}"}]
    assert json.loads(outputs["tool_calls"][0]["arguments"]) == {"city": "Paris"}
    assert outputs["finish_reason"] == "tool_calls"
    assert outputs["usage"] == {"input_tokens": 80, "output_tokens": 20, "total_tokens": 100,
                                "cache_read_input_tokens": 64}
    assert (outputs["model"], outputs["id"]) == ("gpt-4o-2024-08-06", "chatcmpl-7")
    assert "text" not in outputs


def test_a_text_stream_joins_the_content_deltas() -> None:
    frames = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}), chunk({"content": "lo"}),
              chunk({}, "stop"), {"data": "[DONE]"}]
    assert API.stream(frames) == {"text": "Hello", "finish_reason": "stop", "model": "gpt-4o-2024-08-06",
                                  "id": "chatcmpl-7"}


def test_the_first_token_is_the_first_content_or_tool_call_delta_not_the_role_chunk() -> None:
    frames = [chunk({"role": "assistant", "content": ""}), chunk({"content": "Hi"}), TOOL_STREAM[0],
              chunk({}, "stop"), {"data": "[DONE]"}]
    assert [API.is_token(frame) for frame in frames] == [False, True, True, False, False]


def test_an_error_body_gives_its_message() -> None:
    body = {"error": {"message": "Rate limit reached for gpt-4o", "type": "requests", "param": None,
                      "code": "rate_limit_exceeded"}}
    assert API.error_message(body) == "Rate limit reached for gpt-4o"


@pytest.mark.parametrize("streamed", [False, True])
def test_a_mock_decodes_back_to_its_text(streamed: bool) -> None:
    _, outputs = mocked(API, "Paris is sunny.", "gpt-4o", streamed)
    assert (outputs["text"], outputs["model"], outputs["id"]) == ("Paris is sunny.", "gpt-4o", "chatcmpl-mock")


def test_a_streamed_mock_is_server_sent_events_ending_with_done() -> None:
    record = API.mock(NeutralAnswer("x"), None, True)
    assert (record["status"], record["framing"]) == (200, "sse")
    assert record["headers"] == {"content-type": "text/event-stream"}
    assert record["frames"][-1] == {"data": "[DONE]"}
    assert record["frames"][0]["data"]["model"] == "mock"


def test_the_mocks_are_what_the_openai_sdk_parses() -> None:
    chat = pytest.importorskip("openai.types.chat")
    whole = chat.ChatCompletion.model_validate(API.mock(NeutralAnswer("Paris is sunny."), "gpt-4o", False)["body"])
    assert whole.choices[0].message.content == "Paris is sunny."
    frames = API.mock(NeutralAnswer("Paris is sunny."), "gpt-4o", True)["frames"][:-1]
    chunks = [chat.ChatCompletionChunk.model_validate(frame["data"]) for frame in frames]
    assert "".join(part.choices[0].delta.content or "" for part in chunks) == "Paris is sunny."
    assert chunks[-1].choices[0].finish_reason == "stop"
