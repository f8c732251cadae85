"""Google Gemini generateContent decoded: model and streaming from the path, parts, usage, chunks, mocks."""

from __future__ import annotations

import pytest
from apimocks import mocked

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
STREAM_PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
VERTEX_PATH = ("/v1/projects/my-project/locations/us-central1/publishers/google/models/"
               "gemini-2.0-flash-001:generateContent")
BODY = {"contents": [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}],
        "generationConfig": {"temperature": 0.2, "thinkingConfig": {"includeThoughts": True}}}
API = recognise("POST", "generativelanguage.googleapis.com", PATH, BODY)
USAGE = {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 170, "cachedContentTokenCount": 64,
         "thoughtsTokenCount": 50, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 100}]}
RESPONSE = {"candidates": [{"content": {"role": "model", "parts": [
                {"text": "The user asks about weather.", "thought": True},
                {"text": "Let me check."},
                {"functionCall": {"id": "call-1", "name": "get_weather", "args": {"city": "Paris"}}}]},
                            "finishReason": "STOP", "index": 0, "avgLogprobs": -0.12}],
            "usageMetadata": USAGE, "modelVersion": "gemini-2.5-flash", "responseId": "9vBbaPKHA9Dbz7IPsrWqsQ4"}


def chunk(parts: list[dict], finish: str | None = None, usage: dict | None = None) -> dict:
    candidate: dict = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    usage = usage or {"promptTokenCount": 100, "totalTokenCount": 100}  # each chunk's: the running total
    return {"data": {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash",
                     "responseId": "resp-7"}}


STREAM = [chunk([{"text": "Thinking...", "thought": True}]), chunk([{"text": "Let me "}]), chunk([{"text": "check."}]),
          chunk([{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}], "STOP", USAGE)]


def test_the_model_and_streaming_come_from_the_path_and_the_inputs_name_the_model() -> None:
    request = API.request(PATH, BODY)
    assert (request.model, request.streamed) == ("gemini-2.5-flash", False)
    assert request.inputs == {"model": "gemini-2.5-flash", **BODY}
    assert API.request(STREAM_PATH, BODY).streamed is True
    assert API.request(VERTEX_PATH, BODY).model == "gemini-2.0-flash-001"


def test_a_response_gives_the_answer_text_function_calls_finish_reason_and_usage_with_thoughts_as_output() -> None:
    assert API.response(RESPONSE) == {
        "text": "Let me check.",  # the thought summary is not the answer
        "tool_calls": [{"id": "call-1", "name": "get_weather", "arguments": {"city": "Paris"}}],
        "finish_reason": "STOP",
        "usage": {"input_tokens": 100, "output_tokens": 70, "total_tokens": 170, "cache_read_input_tokens": 64,
                  "reasoning_tokens": 50},
        "model": "gemini-2.5-flash", "id": "9vBbaPKHA9Dbz7IPsrWqsQ4"}


def test_a_stream_joins_the_text_collects_calls_and_keeps_the_last_usage() -> None:
    outputs = API.stream(STREAM)
    assert outputs["text"] == "Let me check."
    assert outputs["tool_calls"] == [{"id": None, "name": "get_weather", "arguments": {"city": "Paris"}}]
    assert (outputs["finish_reason"], outputs["usage"]["total_tokens"]) == ("STOP", 170)
    assert (outputs["model"], outputs["id"]) == ("gemini-2.5-flash", "resp-7")


def test_a_stream_without_alt_sse_arrives_as_one_json_array_and_reads_the_same() -> None:
    assert API.response([frame["data"] for frame in STREAM]) == API.stream(STREAM)


def test_answer_text_and_function_calls_are_tokens_and_thoughts_are_not() -> None:
    assert [API.is_token(frame) for frame in STREAM] == [False, True, True, True]


QUOTA = {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                   "status": "RESOURCE_EXHAUSTED"}}


@pytest.mark.parametrize("body", [QUOTA, [QUOTA]])
def test_an_error_body_gives_its_message_also_as_the_array_a_stream_sends(body: object) -> None:
    assert API.error_message(body) == "Resource has been exhausted (e.g. check quota)."


@pytest.mark.parametrize("streamed", [False, True])
def test_a_mock_decodes_back_to_its_text(streamed: bool) -> None:
    record, outputs = mocked(API, "Sunny.", "gemini-2.5-flash", streamed)
    assert (outputs["text"], outputs["finish_reason"], outputs["model"]) == ("Sunny.", "STOP", "gemini-2.5-flash")
    assert record.get("framing") == ("sse" if streamed else None)


def test_the_mocks_are_what_google_genai_parses() -> None:
    types = pytest.importorskip("google.genai.types")
    streamed = API.mock(NeutralAnswer("Sunny."), None, True)["frames"]
    bodies = [API.mock(NeutralAnswer("Sunny."), None, False)["body"], *(frame["data"] for frame in streamed)]
    for body in bodies:
        parsed = types.GenerateContentResponse.model_validate(body)
        assert (parsed.text, parsed.candidates[0].finish_reason, parsed.model_version) == ("Sunny.", "STOP", "mock")
