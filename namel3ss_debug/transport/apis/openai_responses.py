"""OpenAI Responses (`POST .../responses`). The output is a list of items: `message` items hold the
text (`output_text` parts), `function_call` items the tool calls. `finish_reason` is the response's
`status`, `incomplete:<reason>` when it stopped early (`incomplete:max_output_tokens`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import BodyApi
from .neutral import NeutralAnswer
from .records import json_record, sse_events, sse_record
from .responses_mock import mock_events, mock_response
from .responses_stream import final_response
from .usage import responses_usage
from .values import answered, field, items, kind_of, text

_TOKEN_EVENTS = frozenset({"response.output_text.delta", "response.function_call_arguments.delta"})
_TOOL_CALLS = {"function_call": "arguments", "custom_tool_call": "input"}  # item type -> its arguments' key


@dataclass(frozen=True)
class OpenAIResponses(BodyApi):
    """`openai.responses`: the Responses API."""

    name: ClassVar[str] = "openai.responses"

    def response(self, body: Any) -> dict[str, Any]:
        output = items(field(body, "output"))
        messages = [item for item in output if item.get("type") == "message"]
        outputs: dict[str, Any] = {"text": "".join(map(_message_text, messages))} if messages else {}
        calls = [_tool_call(item) for item in output if text(item.get("type")) in _TOOL_CALLS]
        return answered(outputs, calls, _finish_reason(body), responses_usage(field(body, "usage")), body)

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        return self.response(final_response(frames))

    def is_token(self, frame: dict[str, Any]) -> bool:
        return kind_of(frame) in _TOKEN_EVENTS

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        if not streamed:
            return json_record(mock_response(said, model or "mock"))
        return sse_record(sse_events(mock_events(said, model or "mock")))


def _message_text(item: dict[str, Any]) -> str:
    parts = items(item.get("content"))
    return "".join(text(part.get("text")) or "" for part in parts if part.get("type") == "output_text")


def _tool_call(item: dict[str, Any]) -> dict[str, Any]:
    """A `function_call` item's call id, name and arguments (the JSON text as sent)."""
    arguments = item.get(_TOOL_CALLS[item["type"]])
    return {"id": text(item.get("call_id")), "name": text(item.get("name")), "arguments": arguments}


def _finish_reason(body: Any) -> str | None:
    status = text(field(body, "status"))
    reason = text(field(body, "incomplete_details", "reason"))
    return f"{status}:{reason}" if status == "incomplete" and reason else status
