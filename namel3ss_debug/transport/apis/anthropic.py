"""Anthropic Messages (`POST .../v1/messages` with `messages` and `max_tokens`). The content is a list
of blocks: `text` blocks hold the text, `tool_use` blocks the tool calls (their `input` object is the
arguments). A stream is named events, `message_start` to `message_stop` (see `anthropic_stream.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from .anthropic_stream import streamed_message
from .base import BodyApi
from .neutral import NeutralAnswer
from .records import json_record, sse_events, sse_record
from .usage import anthropic_usage
from .values import answered, data_of, field, items, kind_of, text

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
        return answered(outputs, calls, text(field(body, "stop_reason")), anthropic_usage(field(body, "usage")), body)

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        return self.response(streamed_message(frames))

    def is_token(self, frame: dict[str, Any]) -> bool:
        data = data_of(frame)
        kind = kind_of(frame)
        if kind == "content_block_start":
            return text(field(data, "content_block", "type")) == "tool_use"
        if kind != "content_block_delta":
            return False
        delta = field(data, "delta")
        return field(delta, "type") == "input_json_delta" or bool(text(field(delta, "text")))

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        blocks = _blocks(said)
        stop = "tool_use" if said.tool_calls else "end_turn"
        if not streamed:
            return json_record(_message(model, blocks, stop))
        events: list[dict[str, Any]] = [{"type": "message_start", "message": _message(model, [], None)}]
        for index, block in enumerate(blocks):
            events += _block_events(block, index)
        events += [{"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": 0}},
                   {"type": "message_stop"}]
        return sse_record(sse_events(events))


def _blocks(said: NeutralAnswer) -> list[dict[str, Any]]:
    """A text block (when there is a text, or nothing else), then a `tool_use` block a call."""
    texts = [{"type": "text", "text": said.content or ""}] if said.content is not None or not said.tool_calls else []
    return texts + [{"type": "tool_use", "id": call.id_as("toolu_01"), "name": call.name, "input": call.arguments}
                    for call in said.tool_calls]


def _block_events(block: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """A block as the API streams it: opened empty, its text or its input's JSON in one delta, closed."""
    opened: dict[str, Any]
    if block["type"] == "text":
        opened, delta = {"type": "text", "text": ""}, {"type": "text_delta", "text": block["text"]}
    else:
        opened = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"], ensure_ascii=False)}
    return [{"type": "content_block_start", "index": index, "content_block": opened},
            {"type": "content_block_delta", "index": index, "delta": delta},
            {"type": "content_block_stop", "index": index}]


def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    return {"id": text(block.get("id")), "name": text(block.get("name")), "arguments": block.get("input")}


def _message(model: str | None, content: list[dict[str, Any]], stop_reason: str | None) -> dict[str, Any]:
    return {"id": _ID, "type": "message", "role": "assistant", "model": model or "mock", "content": content,
            "stop_reason": stop_reason, "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
