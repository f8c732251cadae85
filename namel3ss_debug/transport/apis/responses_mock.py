"""A mocked Responses answer: the whole Response saying a text, and the stream of events the API
sends for it. The openai SDK's `responses.stream()` helper checks the stream's order: it must start
with `response.created`, announce the item (`output_item.added`) and its part (`content_part.added`)
before their deltas, finish the item (`output_item.done`) before `response.completed`, and keep one
response id throughout."""

from __future__ import annotations

from typing import Any

_RESPONSE_ID, _ITEM_ID = "resp_mock", "msg_mock"


def mock_response(value: str, model: str, status: str = "completed") -> dict[str, Any]:
    """A Response whose one message says `value` (no output and no usage yet while `in_progress`)."""
    done = status == "completed"
    return {"id": _RESPONSE_ID, "object": "response", "created_at": 0, "status": status, "model": model,
            "output": [_message(value)] if done else [], "usage": _usage() if done else None,
            "error": None, "incomplete_details": None, "instructions": None, "metadata": {},
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "temperature": None, "top_p": None}


def mock_events(value: str, model: str) -> list[dict[str, Any]]:
    """The events of a stream saying `value` in one delta, each with its `sequence_number`."""
    at = {"item_id": _ITEM_ID, "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": mock_response(value, model, "in_progress")},
        {"type": "response.output_item.added", "output_index": 0, "item": _message(None)},
        {"type": "response.content_part.added", **at, "part": _text_part("")},
        {"type": "response.output_text.delta", **at, "delta": value, "logprobs": []},
        {"type": "response.output_text.done", **at, "text": value, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": _text_part(value)},
        {"type": "response.output_item.done", "output_index": 0, "item": _message(value)},
        {"type": "response.completed", "response": mock_response(value, model)},
    ]
    return [{**event, "sequence_number": number} for number, event in enumerate(events)]


def _message(value: str | None) -> dict[str, Any]:
    """The output message: `None` for the item as first announced, still without its content."""
    return {"type": "message", "id": _ITEM_ID, "role": "assistant",
            "status": "in_progress" if value is None else "completed",
            "content": [] if value is None else [_text_part(value)]}


def _text_part(value: str) -> dict[str, Any]:
    return {"type": "output_text", "text": value, "annotations": []}


def _usage() -> dict[str, Any]:
    return {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 0, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 0}
