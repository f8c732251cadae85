"""No decoder raises on odd input: every field of realistic bodies and frames is replaced, in turn,
by values of the wrong type, and each decoder still returns what it promises (usage counts stay ints)."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest

from namel3ss_debug.transport.apis import recognise

ODD = [None, "x", 7, -1, True, 1.5, [], {}, [None], {"x": None}, "[DONE]"]
CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {"data": {"type": kind, **fields}}


OPENAI_CHAT = (
    {"id": "i", "model": "m", "usage": {"prompt_tokens": 1, "completion_tokens": 2,
                                        "prompt_tokens_details": {"cached_tokens": 1},
                                        "completion_tokens_details": {"reasoning_tokens": 1}},
     "choices": [{"index": 0, "finish_reason": "stop",
                  "message": {"content": "a", "tool_calls": [CALL], "function_call": CALL["function"]}}]},
    [{"data": {"id": "i", "choices": [{"index": 0, "delta": {"content": "a", "tool_calls": [{"index": 0, **CALL}]}}]}},
     {"data": {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "x"}}]},
                            "finish_reason": "stop"}], "usage": {"prompt_tokens": 1}}},
     {"data": "[DONE]"}])
OPENAI_RESPONSES = (
    {"id": "r", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"},
     "output": [{"type": "message", "content": [{"type": "output_text", "text": "a"}]},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}],
     "usage": {"input_tokens": 1, "input_tokens_details": {"cached_tokens": 0},
               "output_tokens_details": {"reasoning_tokens": 0}}},
    [{"event": "response.created", "data": {"type": "response.created", "response": {"id": "r"}}},
     event("response.output_item.added", output_index=0, item={"type": "message", "content": []}),
     event("response.output_text.delta", output_index=0, content_index=1, delta="a"),
     event("response.function_call_arguments.delta", output_index=1, delta="{"),
     event("response.output_item.done", output_index=2, item={"type": "function_call", "arguments": "{}"}),
     event("response.completed", response={"id": "r", "output": []})])
ANTHROPIC = (
    {"id": "m", "content": [{"type": "text", "text": "a"}, {"type": "tool_use", "id": "t", "name": "f", "input": {}}],
     "stop_reason": "end_turn", "usage": {"input_tokens": 1, "cache_read_input_tokens": 2}},
    [{"event": "message_start",
      "data": {"type": "message_start", "message": {"id": "m", "usage": {"input_tokens": 1}}}},
     event("content_block_start", index=0, content_block={"type": "tool_use"}),
     event("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": "{}"}),
     event("content_block_delta", index=1, delta={"type": "text_delta", "text": "a"}),
     event("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 1})])
GEMINI = (
    {"candidates": [{"content": {"parts": [{"text": "a"}, {"functionCall": {"name": "f"}}]}, "finishReason": "STOP"}],
     "usageMetadata": {"promptTokenCount": 1, "thoughtsTokenCount": 1}, "modelVersion": "g"},
    [{"data": {"candidates": [{"index": 0, "content": {"parts": [{"text": "a"}]}}]}}])
SAMPLES: dict[str, tuple[str, str, dict, Any, list[dict]]] = {  # host, path, request, response, stream frames
    "openai.chat": ("api.openai.com", "/v1/chat/completions", {"model": "m", "messages": [], "stream": True},
                    *OPENAI_CHAT),
    "openai.responses": ("api.openai.com", "/v1/responses", {"model": "m", "input": "hi"}, *OPENAI_RESPONSES),
    "openai.completions": ("api.openai.com", "/v1/completions", {"model": "m", "prompt": "p"},
                           {"id": "c", "choices": [{"text": "a", "finish_reason": "stop"}],
                            "usage": {"total_tokens": 3}},
                           [{"data": {"choices": [{"text": "a"}]}}, {"data": "[DONE]"}]),
    "openai.embeddings": ("api.openai.com", "/v1/embeddings", {"model": "m", "input": "p"},
                          {"data": [{"embedding": [0.1]}, {"embedding": "AACAPw=="}], "usage": {"prompt_tokens": 1}},
                          []),
    "anthropic.messages": ("api.anthropic.com", "/v1/messages", {"model": "m", "max_tokens": 1, "messages": []},
                           *ANTHROPIC),
    "gemini.generate_content": ("generativelanguage.googleapis.com", "/v1beta/models/g:streamGenerateContent",
                                {"contents": []}, *GEMINI),
    "ollama.chat": ("localhost:11434", "/api/chat", {"model": "m", "messages": []},
                    {"message": {"content": "a", "tool_calls": [{"function": {"name": "f", "arguments": {}}}]},
                     "done": True, "done_reason": "stop", "eval_count": 1},
                    [{"data": {"message": {"content": "a"}, "done": False}},
                     {"data": {"done": True, "eval_count": 1}}]),
    "ollama.generate": ("localhost:11434", "/api/generate", {"model": "m", "prompt": "p"},
                        {"response": "a", "done": True, "prompt_eval_count": 1},
                        [{"data": {"response": "a", "done": True}}]),
}


def variants(value: Any) -> Iterator[Any]:
    """`value` with each of its fields (at any depth) replaced by each odd value, one at a time."""
    yield from ODD
    if isinstance(value, dict):
        for key in value:
            for odd in variants(value[key]):
                yield {**value, key: odd}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for odd in variants(item):
                yield [*value[:index], odd, *value[index + 1:]]


def check_outputs(outputs: Any) -> None:
    assert isinstance(outputs, dict)
    assert all(type(count) is int for count in outputs.get("usage", {}).values())
    assert all(set(call) == {"id", "name", "arguments"} for call in outputs.get("tool_calls", []))


@pytest.mark.parametrize("name", SAMPLES)
def test_the_samples_are_recognised_and_decode_to_something(name: str) -> None:
    host, path, request, response, frames = SAMPLES[name]
    api = recognise("POST", host, path, request)
    assert api is not None and api.name == name
    assert api.response(response)
    assert api.stream(frames) or name == "openai.embeddings"


@pytest.mark.parametrize("name", SAMPLES)
def test_no_decoder_raises_on_a_field_of_the_wrong_type(name: str) -> None:
    host, path, request, response, frames = SAMPLES[name]
    api = recognise("POST", host, path, request)
    kept = copy.deepcopy((request, response, frames))
    for body in variants(request):
        assert isinstance(api.request(path, body).inputs, dict)
    for body in variants(response):
        check_outputs(api.response(body))
        assert api.error_message(body) is None or isinstance(api.error_message(body), str)
    for odd_frames in variants(frames):
        check_outputs(api.stream(odd_frames if isinstance(odd_frames, list) else []))
        for frame in odd_frames if isinstance(odd_frames, list) else []:
            assert isinstance(api.is_token(frame), bool)
    assert (request, response, frames) == kept  # decoding never changes what was recorded


@pytest.mark.parametrize("body", [None, "", 3, [], [3], "Bad gateway", {}, {"error": 5}, {"error": {"message": 5}},
                                  {"detail": [{"loc": ["body"], "msg": "field required"}]}])
def test_an_error_message_is_a_string_or_none_whatever_the_body(body: Any) -> None:
    api = recognise("POST", "api.openai.com", "/v1/chat/completions", {"messages": []})
    found = api.error_message(body)
    assert found is None or (isinstance(found, str) and found)


@pytest.mark.parametrize(("body", "message"), [
    ({"object": "error", "message": "The model `x` does not exist.", "type": "NotFoundError", "code": 404},
     "The model `x` does not exist."),  # vLLM
    ({"detail": "Not Found"}, "Not Found"),  # a FastAPI server
    ({"error": "Invalid API key"}, "Invalid API key"),
    ("upstream connect error", "upstream connect error"),  # a proxy's plain-text page
])
def test_error_bodies_of_openai_compatible_servers_give_their_message(body: Any, message: str) -> None:
    api = recognise("POST", "127.0.0.1:8000", "/v1/chat/completions", {"messages": []})
    assert api.error_message(body) == message
