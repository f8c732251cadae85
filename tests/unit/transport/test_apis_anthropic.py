"""Anthropic Messages decoded: content blocks, named stream events, usage with the cache counts, mocks."""

from __future__ import annotations

import pytest
from apimocks import mocked

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

PATH = "/v1/messages"
BODY = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "Be brief.",
        "messages": [{"role": "user", "content": "Weather in Paris?"}]}
API = recognise("POST", "api.anthropic.com", PATH, BODY)
MESSAGE = {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
           "model": "claude-sonnet-4-5-20250929",
           "content": [{"type": "thinking", "thinking": "The user wants weather.", "signature": "sig"},
                       {"type": "text", "text": "Let me check."},
                       {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
                        "input": {"city": "Paris"}}],
           "stop_reason": "tool_use", "stop_sequence": None,
           "usage": {"input_tokens": 20, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 2000,
                     "output_tokens": 50, "service_tier": "standard"}}


def event(kind: str, **fields: object) -> dict:
    return {"event": kind, "data": {"type": kind, **fields}}


def delta(index: int, kind: str, **fields: object) -> dict:
    return event("content_block_delta", index=index, delta={"type": kind, **fields})


STREAM = [
    event("message_start", message={**MESSAGE, "content": [], "stop_reason": None,
                                    "usage": {"input_tokens": 20, "cache_creation_input_tokens": 100,
                                              "cache_read_input_tokens": 2000, "output_tokens": 1}}),
    event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
    {"event": "ping", "data": {"type": "ping"}},
    delta(0, "text_delta", text="Let me "),
    delta(0, "text_delta", text="check."),
    event("content_block_stop", index=0),
    event("content_block_start", index=1, content_block={"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                                                         "input": {}}),
    delta(1, "input_json_delta", partial_json=""),
    delta(1, "input_json_delta", partial_json="{\"city\": \"Pa"),
    delta(1, "input_json_delta", partial_json="ris\"}"),
    event("content_block_stop", index=1),
    event("message_delta", delta={"stop_reason": "tool_use", "stop_sequence": None},
          usage={"output_tokens": 89, "input_tokens": None}),
    event("message_stop"),
]


def test_the_request_names_the_model_and_streams_when_asked() -> None:
    request = API.request(PATH, {**BODY, "stream": True})
    assert (request.model, request.streamed) == ("claude-sonnet-4-5", True)
    assert API.request(PATH, BODY).inputs is BODY


def test_a_message_gives_its_text_tool_use_stop_reason_and_usage_with_the_cache_counted_as_input() -> None:
    assert API.response(MESSAGE) == {
        "text": "Let me check.",  # the thinking block is not the answer
        "tool_calls": [{"id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "arguments": {"city": "Paris"}}],
        "finish_reason": "tool_use",
        "usage": {"input_tokens": 2120, "output_tokens": 50, "total_tokens": 2170,
                  "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100},
        "model": "claude-sonnet-4-5-20250929", "id": "msg_01XFDUDYJgAACzvnptvVoYEL"}


def test_a_stream_adds_up_text_tool_input_stop_reason_and_the_final_usage() -> None:
    outputs = API.stream(STREAM)
    assert outputs["text"] == "Let me check."
    assert outputs["tool_calls"] == [{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}]
    assert outputs["finish_reason"] == "tool_use"
    assert outputs["usage"] == {"input_tokens": 2120, "output_tokens": 89, "total_tokens": 2209,
                                "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 100}
    assert (outputs["model"], outputs["id"]) == ("claude-sonnet-4-5-20250929", "msg_01XFDUDYJgAACzvnptvVoYEL")
    assert STREAM[6]["data"]["content_block"]["input"] == {}  # the recorded frames are not changed


def test_tool_input_that_does_not_parse_is_kept_as_its_text() -> None:
    cut = [*STREAM[6:9], event("message_stop")]
    assert API.stream(cut)["tool_calls"][0]["arguments"] == "{\"city\": \"Pa"


def test_message_delta_usage_updates_the_input_counts_when_the_api_resends_them() -> None:
    frames = [*STREAM[:-2], event("message_delta", delta={"stop_reason": "end_turn"},
                                  usage={"input_tokens": 25, "cache_read_input_tokens": 2000, "output_tokens": 90})]
    assert API.stream(frames)["usage"]["input_tokens"] == 2125


def test_text_and_tool_deltas_and_a_tool_use_start_are_tokens() -> None:
    assert [API.is_token(frame) for frame in STREAM] == [
        False, False, False, True, True, False, True, True, True, True, False, False, False]


def test_an_error_body_or_a_streamed_error_event_gives_its_message() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
            "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}
    assert API.error_message(body) == "Overloaded"


@pytest.mark.parametrize("streamed", [False, True])
def test_a_mock_decodes_back_to_its_text(streamed: bool) -> None:
    _, outputs = mocked(API, "Sunny.", "claude-sonnet-4-5", streamed)
    assert (outputs["text"], outputs["finish_reason"], outputs["id"]) == ("Sunny.", "end_turn", "msg_mock")


def test_a_streamed_mock_names_every_event_as_the_sdk_needs() -> None:
    frames = API.mock(NeutralAnswer("Sunny."), None, True)["frames"]
    assert [frame["event"] for frame in frames] == ["message_start", "content_block_start", "content_block_delta",
                                                    "content_block_stop", "message_delta", "message_stop"]


def test_the_mocks_are_what_the_anthropic_sdk_parses() -> None:
    types = pytest.importorskip("anthropic.types")
    from pydantic import TypeAdapter  # noqa: PLC0415 - optional: comes with the SDK importorskip'd above

    message = types.Message.model_validate(API.mock(NeutralAnswer("Sunny."), None, False)["body"])
    assert (message.content[0].text, message.model) == ("Sunny.", "mock")
    events = TypeAdapter(types.RawMessageStreamEvent)
    frames = API.mock(NeutralAnswer("Sunny."), None, True)["frames"]
    parsed = [events.validate_python(frame["data"]) for frame in frames]
    assert parsed[2].delta.text == "Sunny."
