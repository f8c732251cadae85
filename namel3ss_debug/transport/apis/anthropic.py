"""Anthropic Messages (`POST .../v1/messages` with `messages` and `max_tokens`). The content is a list
of blocks: `text` blocks hold the text, `tool_use` blocks the tool calls (their `input` object is the
arguments). A stream is named events, `message_start` to `message_stop` (see `anthropic_stream.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .anthropic_stream import streamed_message
from .base import BodyApi
from .records import json_record, sse_events, sse_record
from .usage import anthropic_usage
from .values import data_of, field, identified, items, kind_of, put, text

_ID = "msg_mock"


@dataclass(frozen=True)
class AnthropicMessages(BodyApi):
    """`anthropic.messages`: the Messages API."""

    name: ClassVar[str] = "anthropic.messages"

    def response(self, body: Any) -> dict[str, Any]:
        blocks = items(field(body, "content"))
        texts = [text(block.get("text")) or "" for block in blocks if block.get("type") == "text"]
        outputs: dict[str, Any] = {"text": "".join(texts)} if texts else {}
        calls = [_tool_call(block) for block in blocks if block.get("type") == "tool_use"]
        if calls:
            outputs["tool_calls"] = calls
        put(outputs, "finish_reason", text(field(body, "stop_reason")))
        put(outputs, "usage", anthropic_usage(field(body, "usage")))
        return identified(outputs, body)

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        return self.response(streamed_message(frames))

    def is_token(self, frame: dict[str, Any]) -> bool:
        data = data_of(frame)
        kind = kind_of(frame)
        if kind == "content_block_start":
            return field(data, "content_block", "type") == "tool_use"
        if kind != "content_block_delta":
            return False
        delta = field(data, "delta")
        return field(delta, "type") == "input_json_delta" or bool(text(field(delta, "text")))

    def mock(self, value: str, model: str | None, streamed: bool) -> dict[str, Any]:
        if not streamed:
            return json_record(_message(model, [{"type": "text", "text": value}], "end_turn"))
        return sse_record(sse_events([
            {"type": "message_start", "message": _message(model, [], None)},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": value}},
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
             "usage": {"output_tokens": 0}},
            {"type": "message_stop"},
        ]))


def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    return {"id": text(block.get("id")), "name": text(block.get("name")), "arguments": block.get("input")}


def _message(model: str | None, content: list[dict[str, Any]], stop_reason: str | None) -> dict[str, Any]:
    return {"id": _ID, "type": "message", "role": "assistant", "model": model or "mock", "content": content,
            "stop_reason": stop_reason, "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
