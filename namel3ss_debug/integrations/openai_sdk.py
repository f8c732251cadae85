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

import threading
from types import ModuleType
from typing import Any

from .calls import ForeignSpec, Shape
from .sdk_calls import Endpoint, install_sdk
from .sdk_values import as_json, first, rebuilt, sdk_construct

NAME = "openai.chat"
ENVELOPE = ("id", "object", "created", "model", "system_fingerprint", "service_tier")  # what every chunk repeats
_MOCK_ENVELOPE = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": "mock"}


def install(module: ModuleType) -> list[str]:
    """Wrap the hook points found in the imported `openai`; returns the ones missing."""
    return install_sdk("openai.resources.chat.completions", "openai.types.chat", ("Completions", "AsyncCompletions"),
                       ("ChatCompletion", "ChatCompletionChunk"), _endpoint)


def _endpoint(types: ModuleType) -> Endpoint:
    rebuild = OpenAITypes(types.ChatCompletion, types.ChatCompletionChunk, sdk_construct("openai"))
    check = OpenAITypes(types.ChatCompletion, types.ChatCompletionChunk)  # a mock is validated by the SDK's type
    return Endpoint(ForeignSpec("llm", NAME, codec=rebuild.completion, mock_codec=check.completion),
                    ForeignSpec("llm", NAME, codec=rebuild.chunk, generator=True, mock_codec=check.chunk),
                    SHAPE, STREAM_SHAPE)


class OpenAITypes:
    """Rebuild the SDK's own response types from recorded JSON (or a mock's text), as the SDK built
    them from the API's (`construct`, see `sdk_values.rebuilt`).

    A recorded stream's chunks lack the envelope they share with the chunk before (`_chunks`):
    `chunk` gives a chunk with no envelope the last one it saw in this thread, so the chunks are
    rebuilt in order, as a stream's are, and two threads' streams do not mix. A mock's chunk gets a
    mock envelope.
    """

    def __init__(self, completion_type: Any, chunk_type: Any, construct: Any = None):
        self.completion_type, self.chunk_type, self._construct = completion_type, chunk_type, construct
        self._last = threading.local()  # .envelope: the envelope of the last chunk rebuilt in this thread

    def completion(self, value: Any) -> Any:
        if isinstance(value, str):
            value = {"id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "mock",
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": value}}]}
        return rebuilt(self.completion_type, value, self._construct)

    def chunk(self, value: Any) -> Any:
        if isinstance(value, str):
            value = {**_MOCK_ENVELOPE, "choices": [{"index": 0, "finish_reason": None, "delta": {"content": value}}]}
        if isinstance(value, dict):
            envelope = _envelope(value)
            if envelope:
                self._last.envelope = envelope
            else:
                value = {**getattr(self._last, "envelope", _MOCK_ENVELOPE), **value}
        return rebuilt(self.chunk_type, value, self._construct)


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


def _stream_summary(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """What the chunks of a stream (as JSON) add up to: the first choice's text, tool calls, finish
    reason, usage."""
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    summary: dict[str, Any] = {}
    for data in chunks:
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


def _chunks(chunks: list[Any]) -> list[dict[str, Any]]:
    """The chunks as JSON, each without the envelope it repeats.

    Every chunk of a stream repeats `id`, `object`, `created`, `model`, `system_fingerprint` (about
    two thirds of a one-token chunk). A chunk whose envelope is the one before it, key for key, is
    kept without it, and the rerun's codec puts it back (`OpenAITypes.chunk`); a chunk with another
    envelope is kept whole and becomes the one the next chunks are compared with. So what comes
    back is what was sent (a chunk with no envelope at all, which the API does not send, would get
    the one before it).
    """
    recorded: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for item in map(as_json, chunks):
        envelope = _envelope(item)
        if envelope and envelope == current:
            item = {key: value for key, value in item.items() if key not in envelope}
        current = envelope or current
        recorded.append(item)
    return recorded


def _envelope(chunk: dict[str, Any]) -> dict[str, Any]:
    return {key: chunk[key] for key in ENVELOPE if key in chunk}


SHAPE = Shape(outputs=_outputs)
STREAM_SHAPE = Shape(outputs=_outputs, items=_chunks, summary=_stream_summary)
