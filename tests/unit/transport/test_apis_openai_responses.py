"""OpenAI Responses decoded: output items, lifecycle events of a stream (or what a cut stream had), mocks."""

from __future__ import annotations

import pytest

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

PATH = "/v1/responses"
API = recognise("POST", "api.openai.com", PATH, {"model": "o4-mini", "input": "hi"})
USAGE = {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 12}, "output_tokens": 87,
         "output_tokens_details": {"reasoning_tokens": 64}, "total_tokens": 123}
MESSAGE = {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
           "content": [{"type": "output_text", "text": "Let me check. ", "annotations": []},
                       {"type": "output_text", "text": "One moment.", "annotations": []}]}
CALL = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
        "arguments": "{\"city\":\"Paris\"}", "status": "completed"}
RESPONSE = {"id": "resp_67ccd2bed1ec8190", "object": "response", "created_at": 1741476542, "status": "completed",
            "error": None, "incomplete_details": None, "model": "o4-mini-2025-04-16",
            "output": [{"type": "reasoning", "id": "rs_1", "summary": []}, MESSAGE, CALL], "usage": USAGE,
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}


def event(kind: str, **fields: object) -> dict:
    return {"event": kind, "data": {"type": kind, **fields}}


def started(status: str = "in_progress") -> dict:
    return {**RESPONSE, "status": status, "output": [], "usage": None}


STREAM = [
    event("response.created", response=started(), sequence_number=0),
    event("response.in_progress", response=started(), sequence_number=1),
    event("response.output_item.added", output_index=0, item={**MESSAGE, "content": [], "status": "in_progress"}),
    event("response.content_part.added", output_index=0, item_id="msg_1", content_index=0,
          part={"type": "output_text", "text": "", "annotations": []}),
    event("response.output_text.delta", output_index=0, item_id="msg_1", content_index=0, delta="Let me "),
    event("response.output_text.delta", output_index=0, item_id="msg_1", content_index=0, delta="check."),
    event("response.output_item.added", output_index=1, item={**CALL, "arguments": "", "status": "in_progress"}),
    event("response.function_call_arguments.delta", output_index=1, item_id="fc_1", delta="{\"city\":"),
    event("response.function_call_arguments.delta", output_index=1, item_id="fc_1", delta="\"Paris\"}"),
]
DONE = [event("response.output_item.done", output_index=0, item=MESSAGE),
        event("response.output_item.done", output_index=1, item=CALL)]


def test_the_request_names_the_model_and_streams_when_asked() -> None:
    body = {"model": "o4-mini", "input": "hi", "stream": True, "reasoning": {"effort": "low"}}
    request = API.request(PATH, body)
    assert (request.model, request.streamed, request.inputs) == ("o4-mini", True, body)


def test_a_response_gives_the_message_text_the_function_calls_and_every_usage_count() -> None:
    assert API.response(RESPONSE) == {
        "text": "Let me check. One moment.",
        "tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}],
        "finish_reason": "completed",
        "usage": {"input_tokens": 36, "output_tokens": 87, "total_tokens": 123, "cache_read_input_tokens": 12,
                  "reasoning_tokens": 64},
        "model": "o4-mini-2025-04-16", "id": "resp_67ccd2bed1ec8190"}


def test_an_incomplete_response_says_why_in_its_finish_reason() -> None:
    body = {**RESPONSE, "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}
    assert API.response(body)["finish_reason"] == "incomplete:max_output_tokens"


def test_a_stream_is_what_its_completed_event_says() -> None:
    frames = [*STREAM, *DONE, event("response.completed", response=RESPONSE, sequence_number=12)]
    assert API.stream(frames) == API.response(RESPONSE)


def test_a_stream_that_ends_incomplete_or_failed_says_so() -> None:
    incomplete = {**RESPONSE, "status": "incomplete", "incomplete_details": {"reason": "content_filter"}}
    assert API.stream([*STREAM, event("response.incomplete", response=incomplete)])["finish_reason"] == (
        "incomplete:content_filter")
    failed = {**started("failed"), "error": {"code": "server_error", "message": "boom"}}
    outputs = API.stream([*STREAM, event("response.failed", response=failed)])
    assert outputs["finish_reason"] == "failed"
    assert outputs["text"] == "Let me check."  # its output was empty: the deltas say what came


def test_a_stream_cut_short_adds_up_its_deltas_under_the_started_response() -> None:
    outputs = API.stream(STREAM)
    assert outputs["text"] == "Let me check."
    assert outputs["tool_calls"] == [{"id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]
    assert (outputs["finish_reason"], outputs["id"]) == ("in_progress", "resp_67ccd2bed1ec8190")
    assert STREAM[2]["data"]["item"]["content"] == []  # the recorded frames are not changed


def test_a_completed_event_without_output_takes_the_done_items() -> None:
    bare = {key: value for key, value in RESPONSE.items() if key != "output"}
    outputs = API.stream([*STREAM, *DONE, event("response.completed", response=bare)])
    assert outputs["text"] == "Let me check. One moment."  # the done item, not the deltas
    assert outputs["usage"]["reasoning_tokens"] == 64


def test_the_kind_of_an_event_is_read_from_its_data_without_an_event_line() -> None:
    frames = [{"data": frame["data"]} for frame in STREAM]
    assert API.stream(frames)["text"] == "Let me check."


def test_text_and_argument_deltas_are_tokens_and_lifecycle_events_are_not() -> None:
    assert [API.is_token(frame) for frame in STREAM] == [False, False, False, False, True, True, False, True, True]


def test_an_error_body_gives_its_message() -> None:
    body = {"error": {"message": "No tool output found for function call call_1.", "type": "invalid_request_error",
                      "param": "input", "code": None}}
    assert API.error_message(body) == "No tool output found for function call call_1."


def test_a_streamed_mock_is_the_full_event_sequence_and_adds_up_to_its_text() -> None:
    record = API.mock(NeutralAnswer("Paris is sunny."), "gpt-4.1", True)
    kinds = [frame["event"] for frame in record["frames"]]
    assert kinds == ["response.created", "response.output_item.added", "response.content_part.added",
                     "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                     "response.output_item.done", "response.completed"]
    assert [frame["data"]["sequence_number"] for frame in record["frames"]] == list(range(8))
    assert all(frame["data"]["type"] == frame["event"] for frame in record["frames"])
    outputs = API.stream(record["frames"])
    assert (outputs["text"], outputs["model"], outputs["id"]) == ("Paris is sunny.", "gpt-4.1", "resp_mock")


def test_the_mocks_are_what_the_openai_sdk_parses() -> None:
    types = pytest.importorskip("openai.types.responses")
    from pydantic import TypeAdapter  # noqa: PLC0415 - optional: comes with the SDK importorskip'd above

    whole = types.Response.model_validate(API.mock(NeutralAnswer("Paris is sunny."), None, False)["body"])
    assert (whole.output_text, whole.model, whole.status) == ("Paris is sunny.", "mock", "completed")
    events = TypeAdapter(types.ResponseStreamEvent)
    frames = API.mock(NeutralAnswer("Paris is sunny."), None, True)["frames"]
    parsed = [events.validate_python(frame["data"]) for frame in frames]
    assert type(parsed[-1]).__name__ == "ResponseCompletedEvent"
    assert parsed[-1].response.output_text == "Paris is sunny."
