"""A mocked Responses answer: the whole Response saying a text and asking for tools (a `message` item, then
a `function_call` item each), and the stream of events the API sends for it. The openai SDK's
`responses.stream()` helper checks the stream's order: it must start with `response.created`, announce
each item (`output_item.added`) and a message's part (`content_part.added`) before their deltas, finish
each item (`output_item.done`) before `response.completed`, and keep one response id throughout."""

from __future__ import annotations

from typing import Any

from .neutral import NeutralAnswer, ToolCall

_RESPONSE_ID, _ITEM_ID = "resp_mock", "msg_mock"


def mock_response(said: NeutralAnswer, model: str, status: str = "completed") -> dict[str, Any]:
    """A Response whose output says `said` (no output and no usage yet while `in_progress`)."""
    done = status == "completed"
    return {"id": _RESPONSE_ID, "object": "response", "created_at": 0, "status": status, "model": model,
            "output": _output(said) if done else [], "usage": _usage() if done else None,
            "error": None, "incomplete_details": None, "instructions": None, "metadata": {},
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "temperature": None, "top_p": None}


def mock_events(said: NeutralAnswer, model: str) -> list[dict[str, Any]]:
    """The events of a stream saying `said`, a delta an item, each with its `sequence_number`."""
    return stream_events(mock_response(said, model, "in_progress"), _output(said), mock_response(said, model))


def stream_events(started: dict[str, Any], output: list[dict[str, Any]], done: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a stream from the Response `started` to `done`, its `output` items (messages of one text
    part, function calls) a delta each; raises ValueError for an item of another kind."""
    events: list[dict[str, Any]] = [{"type": "response.created", "response": started}]
    for index, item in enumerate(output):
        events += _message_events(item, index) if item.get("type") == "message" else _call_events(item, index)
    events.append({"type": "response.completed", "response": done})
    return [{**event, "sequence_number": number} for number, event in enumerate(events)]


def _output(said: NeutralAnswer) -> list[dict[str, Any]]:
    message = [_message(said.content)] if said.content is not None else []
    return message + [_function_call(call) for call in said.tool_calls]


def _message_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    (part,) = item["content"]  # one text part: unpacked, or ValueError
    if part.get("type") != "output_text":
        raise ValueError(f"a message part of type {part.get('type')!r}")
    value = part["text"]
    at = {"item_id": item["id"], "output_index": index, "content_index": 0}
    added = {**item, "status": "in_progress", "content": []}
    return [{"type": "response.output_item.added", "output_index": index, "item": added},
            {"type": "response.content_part.added", **at, "part": {**part, "text": ""}},
            {"type": "response.output_text.delta", **at, "delta": value, "logprobs": []},
            {"type": "response.output_text.done", **at, "text": value, "logprobs": []},
            {"type": "response.content_part.done", **at, "part": part},
            {"type": "response.output_item.done", "output_index": index, "item": item}]


def _call_events(item: dict[str, Any], index: int) -> list[dict[str, Any]]:
    if item.get("type") != "function_call":
        raise ValueError(f"an output item of type {item.get('type')!r}")
    at = {"item_id": item["id"], "output_index": index}
    return [{"type": "response.output_item.added", "output_index": index,
             "item": {**item, "arguments": "", "status": "in_progress"}},
            {"type": "response.function_call_arguments.delta", **at, "delta": item["arguments"]},
            {"type": "response.function_call_arguments.done", **at, "arguments": item["arguments"]},
            {"type": "response.output_item.done", "output_index": index, "item": item}]


def _message(value: str) -> dict[str, Any]:
    return {"type": "message", "id": _ITEM_ID, "role": "assistant", "status": "completed",
            "content": [_text_part(value)]}


def _function_call(call: ToolCall) -> dict[str, Any]:
    return {"type": "function_call", "id": call.id_as("fc_"), "call_id": call.id, "name": call.name,
            "arguments": call.arguments_json, "status": "completed"}


def _text_part(value: str) -> dict[str, Any]:
    return {"type": "output_text", "text": value, "annotations": []}


def _usage() -> dict[str, Any]:
    return {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 0, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 0}
