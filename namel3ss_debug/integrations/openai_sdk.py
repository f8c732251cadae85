"""The `openai` SDK: `client.chat.completions.create(...)`, sync and async, streamed and not, as LLM spans.

A call becomes `llm_call_start` (name `openai.chat`, the request's model, and its parameters as
inputs: messages, tools, temperature...) and `llm_call_end` (the response as the API sent it under
`outputs.return`, its text, the tool calls it asks for, finish reason, usage). Headers, query and
timeout are not recorded, and the client (which holds the API key) never is. A stream's chunks are
recorded under `outputs.yielded` with the text they add up to. Under `replay --rerun` the recorded
response comes back as a `ChatCompletion` (a stream as `ChatCompletionChunk`s), and a mock may be
just the reply's text.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .calls import ForeignSpec, Shape
from .sdk_calls import Endpoint, install_sdk
from .sdk_values import as_json, first, validated

NAME = "openai.chat"


def install(module: ModuleType) -> list[str]:
    """Wrap the hook points found in the imported `openai`; returns the ones missing."""
    return install_sdk("openai.resources.chat.completions", "openai.types.chat", ("Completions", "AsyncCompletions"),
                       ("ChatCompletion", "ChatCompletionChunk"), _endpoint)


def _endpoint(types: ModuleType) -> Endpoint:
    rebuild = OpenAITypes(types.ChatCompletion, types.ChatCompletionChunk)
    return Endpoint(ForeignSpec("llm", NAME, codec=rebuild.completion),
                    ForeignSpec("llm", NAME, codec=rebuild.chunk, generator=True), SHAPE, STREAM_SHAPE)


class OpenAITypes:
    """Rebuild the SDK's own response types from recorded JSON (or a mock's text)."""

    def __init__(self, completion_type: Any, chunk_type: Any):
        self.completion_type, self.chunk_type = completion_type, chunk_type

    def completion(self, value: Any) -> Any:
        if isinstance(value, str):
            value = {"id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "mock",
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": value}}]}
        return validated(self.completion_type, value)

    def chunk(self, value: Any) -> Any:
        if isinstance(value, str):
            value = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": "mock",
                     "choices": [{"index": 0, "finish_reason": None, "delta": {"content": value}}]}
        return validated(self.chunk_type, value)


# -- what a response records -----------------------------------------------------------------------
def _outputs(response: Any) -> dict[str, Any]:
    data = as_json(response)
    choice = first(data.get("choices"))
    message = choice.get("message") or {}
    outputs: dict[str, Any] = {"text": message.get("content")}
    calls = [_tool_call(call) for call in message.get("tool_calls") or [] if isinstance(call, dict)]
    if calls:
        outputs["tool_calls"] = calls
    if choice.get("finish_reason") is not None:
        outputs["finish_reason"] = choice["finish_reason"]
    outputs["return"] = data
    return outputs


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    return {"id": call.get("id"), "name": function.get("name"), "arguments": function.get("arguments")}


def _stream_summary(chunks: list[Any]) -> dict[str, Any]:
    """What the chunks of a stream add up to: the first choice's text, tool calls, finish reason, usage."""
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    summary: dict[str, Any] = {}
    for chunk in chunks:
        data = as_json(chunk)
        if isinstance(data.get("usage"), dict):
            summary["usage"] = data["usage"]
        choice = first([c for c in data.get("choices") or [] if isinstance(c, dict) and c.get("index", 0) == 0])
        delta = choice.get("delta") or {}
        if isinstance(delta.get("content"), str):
            text.append(delta["content"])
        for part in delta.get("tool_calls") or []:
            if isinstance(part, dict):
                _add_tool_call_part(calls.setdefault(int(part.get("index") or 0), {}), part)
        if choice.get("finish_reason") is not None:
            summary["finish_reason"] = choice["finish_reason"]
    outputs: dict[str, Any] = {"text": "".join(text)}
    if calls:
        outputs["tool_calls"] = [calls[index] for index in sorted(calls)]
    outputs.update(summary)
    return outputs


def _add_tool_call_part(call: dict[str, Any], part: dict[str, Any]) -> None:
    function = part.get("function") or {}
    if part.get("id"):
        call["id"] = part["id"]
    if function.get("name"):
        call["name"] = function["name"]
    call["arguments"] = call.get("arguments", "") + (function.get("arguments") or "")


SHAPE = Shape(outputs=_outputs)
STREAM_SHAPE = Shape(outputs=_outputs, item=as_json, summary=_stream_summary)
