"""Google Gemini `generateContent` / `streamGenerateContent`, on the Gemini API
(`/v1beta/models/{model}:generateContent`) and on Vertex AI
(`/v1/projects/P/locations/L/publishers/google/models/{model}:generateContent`). The model and
whether the answer streams are in the path, not the body. google-genai streams with `?alt=sse`
(server-sent events, one GenerateContentResponse per `data:`); without it the API streams one JSON
array of them, which `response()` also reads. Fields are camelCase on the wire."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import Request
from .errors import error_message
from .neutral import NeutralAnswer
from .records import json_record, sse_record
from .usage import gemini_usage
from .values import data_of, field, first_choice, first_found, items, last_found, put, text

_PATH = re.compile(r"/(?:models|tunedModels)/([^/:]+):(generateContent|streamGenerateContent)$")


def path_model(path: str) -> tuple[str, bool] | None:
    """`(model, streamed)` of a generate-content path, None for any other path.

    >>> path_model("/v1beta/models/gemini-2.0-flash:streamGenerateContent")
    ('gemini-2.0-flash', True)
    """
    found = _PATH.search(path)
    return (found.group(1), found.group(2) == "streamGenerateContent") if found else None


@dataclass(frozen=True)
class GeminiGenerateContent:
    """`gemini.generate_content`: provider `gemini`, or `vertex` on Vertex AI."""

    provider: str
    name: ClassVar[str] = "gemini.generate_content"

    def request(self, path: str, body: Any) -> Request:
        model, streamed = path_model(path) or (None, False)
        inputs = body if isinstance(body, dict) else {}
        return Request(model, streamed, {"model": model, **inputs} if model else inputs)

    def response(self, body: Any) -> dict[str, Any]:
        return _added_up(body if isinstance(body, list) else [body])

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        return _added_up([data for data in map(data_of, frames) if data is not None])

    def is_token(self, frame: dict[str, Any]) -> bool:
        return any(text(part.get("text")) or isinstance(part.get("functionCall"), dict)
                   for part in _answer_parts(data_of(frame)))

    def error_message(self, body: Any) -> str | None:
        return error_message(body)

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": said.content}] if said.content is not None else []
        parts += [{"functionCall": {"id": call.id, "name": call.name, "args": call.arguments}}
                  for call in said.tool_calls]
        chunk = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
                                 "index": 0}],
                 "usageMetadata": {"promptTokenCount": 0, "candidatesTokenCount": 0, "totalTokenCount": 0},
                 "modelVersion": model or "mock", "responseId": "mock"}
        return sse_record([{"data": chunk}]) if streamed else json_record(chunk)


def _added_up(chunks: list[Any]) -> dict[str, Any]:
    """The outputs of GenerateContentResponse chunks: texts joined, function calls in order, the last
    finish reason and usage (each chunk's usage is the running total), the first model version and id."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for part in (part for chunk in chunks for part in _answer_parts(chunk)):
        if text(part.get("text")) is not None:
            texts.append(part["text"])
        if isinstance(part.get("functionCall"), dict):
            calls.append(_tool_call(part["functionCall"]))
    outputs: dict[str, Any] = {"text": "".join(texts)} if texts else {}
    if calls:
        outputs["tool_calls"] = calls
    candidates = [first_choice(field(chunk, "candidates")) for chunk in chunks]
    put(outputs, "finish_reason", last_found(text(field(candidate, "finishReason")) for candidate in candidates))
    put(outputs, "usage", last_found(gemini_usage(field(chunk, "usageMetadata")) for chunk in chunks))
    put(outputs, "model", first_found(text(field(chunk, "modelVersion")) for chunk in chunks))
    put(outputs, "id", first_found(text(field(chunk, "responseId")) for chunk in chunks))
    return outputs


def _answer_parts(chunk: Any) -> list[dict[str, Any]]:
    """The parts of candidate 0 that are the answer: thought summaries (`"thought": true`) are not."""
    parts = items(field(first_choice(field(chunk, "candidates")), "content", "parts"))
    return [part for part in parts if part.get("thought") is not True]


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    return {"id": text(call.get("id")), "name": text(call.get("name")), "arguments": call.get("args")}
