"""OpenAI Chat Completions (`POST .../chat/completions`), as OpenAI and every OpenAI-compatible
server speak it. A stream is `chat.completion.chunk`s ending with `data: [DONE]`; its tool calls come
in pieces merged by their `index` (id and name first, then the arguments in parts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import BodyApi
from .neutral import NeutralAnswer, ToolCall
from .records import json_record, sse_record
from .usage import openai_usage
from .values import answered, data_of, field, first_choice, first_found, items, put, text

_MOCK_ID = "chatcmpl-mock"
_MOCK_USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@dataclass(frozen=True)
class OpenAIChat(BodyApi):
    """`openai.chat`: Chat Completions."""

    name: ClassVar[str] = "openai.chat"

    def response(self, body: Any) -> dict[str, Any]:
        choice = first_choice(field(body, "choices"))
        message = field(choice, "message")
        outputs: dict[str, Any] = {}
        put(outputs, "text", text(field(message, "content")))
        calls = [_tool_call(call) for call in items(field(message, "tool_calls"))]
        legacy = field(message, "function_call")  # the deprecated `functions` parameter's answer
        if isinstance(legacy, dict):
            calls.append(_tool_call({"function": legacy}))
        return answered(outputs, calls, text(field(choice, "finish_reason")), openai_usage(field(body, "usage")), body)

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        # One pass, read directly: a stream has a chunk per token, and this runs once per streamed call.
        chunks = [data for data in map(data_of, frames) if data is not None]
        parts: list[str] = []
        tool_deltas: list[Any] = []
        finish = None
        for chunk in chunks:
            choice = first_choice(chunk.get("choices"))
            delta = choice.get("delta") if choice is not None else None
            if isinstance(delta, dict):
                content = delta.get("content")
                if isinstance(content, str):
                    parts.append(content)
                if "tool_calls" in delta:
                    tool_deltas.append(delta)
            if choice is not None and isinstance(choice.get("finish_reason"), str):
                finish = choice["finish_reason"]
        outputs: dict[str, Any] = {"text": "".join(parts)} if parts else {}
        calls = _merged_calls(tool_deltas)
        usage = first_found(openai_usage(chunk["usage"]) for chunk in reversed(chunks)
                            if chunk.get("usage") is not None)
        return answered(outputs, calls, finish, usage, chunks[0] if chunks else None)

    def is_token(self, frame: dict[str, Any]) -> bool:
        delta = field(first_choice(field(data_of(frame), "choices")), "delta")
        return bool(text(field(delta, "content")) or items(field(delta, "tool_calls")))

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        finish = "tool_calls" if said.tool_calls else "stop"
        if not streamed:
            message: dict[str, Any] = {"role": "assistant", "content": said.content, "refusal": None}
            if said.tool_calls:
                message["tool_calls"] = [_wire_call(call) for call in said.tool_calls]
            return json_record({**_mock_envelope(model, "chat.completion"), "usage": dict(_MOCK_USAGE),
                                "choices": [{"index": 0, "message": message, "finish_reason": finish,
                                             "logprobs": None}]})
        # as the API streams: the role, the text, each call whole (id, name, arguments) at its index, the finish
        first = {"role": "assistant", "content": None if said.content is None else ""}
        deltas: list[tuple[dict[str, Any], str | None]] = [(first, None)]
        if said.content:
            deltas.append(({"content": said.content}, None))
        deltas += [({"tool_calls": [{"index": index, **_wire_call(call)}]}, None)
                   for index, call in enumerate(said.tool_calls)]
        deltas.append(({}, finish))
        chunks = [{**_mock_envelope(model, "chat.completion.chunk"),
                   "choices": [{"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}]}
                  for delta, reason in deltas]
        chunks[-1]["usage"] = dict(_MOCK_USAGE)
        return sse_record([*({"data": chunk} for chunk in chunks), {"data": "[DONE]"}])


def _wire_call(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json}}

def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    """`{"id", "name", "arguments"}` of an OpenAI tool call; the arguments are the JSON text as sent."""
    return {"id": text(call.get("id")), "name": text(field(call, "function", "name")),
            "arguments": field(call, "function", "arguments")}


def _merged_calls(deltas: list[Any]) -> list[dict[str, Any]]:
    """The tool calls streamed in pieces, merged by their `index` (by position when a server sends none)."""
    calls: dict[int, dict[str, Any]] = {}
    for delta in deltas:
        for position, piece in enumerate(items(field(delta, "tool_calls"))):
            index = piece.get("index")
            _merge_call(calls.setdefault(index if type(index) is int else position, {}), piece)
    return [_whole_call(call) for call in calls.values()]


def _merge_call(call: dict[str, Any], piece: dict[str, Any]) -> None:
    """Add a streamed tool-call piece: the first id and name found, the arguments concatenated."""
    for key, value in (("id", piece.get("id")), ("name", field(piece, "function", "name"))):
        if text(value) and not call.get(key):
            call[key] = value
    arguments = field(piece, "function", "arguments")
    if isinstance(arguments, str) and isinstance(call.get("arguments", ""), str):
        call["arguments"] = call.get("arguments", "") + arguments
    elif arguments is not None:  # a server that sends the arguments whole, as an object
        call["arguments"] = arguments


def _whole_call(call: dict[str, Any]) -> dict[str, Any]:
    return {"id": call.get("id"), "name": call.get("name"), "arguments": call.get("arguments", "")}


def _mock_envelope(model: str | None, kind: str) -> dict[str, Any]:
    return {"id": _MOCK_ID, "object": kind, "created": 0, "model": model or "mock"}
