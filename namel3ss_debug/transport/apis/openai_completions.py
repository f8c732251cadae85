"""OpenAI legacy Completions (`POST .../completions` with a `prompt`): `choices[0].text`; a stream is
the same object in pieces (`text_completion` chunks) ending with `data: [DONE]`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import BodyApi
from .neutral import NeutralAnswer, text_only
from .records import json_record, sse_record
from .usage import openai_usage
from .values import data_of, field, first_choice, identified, last_found, put, text


@dataclass(frozen=True)
class OpenAICompletions(BodyApi):
    """`openai.completions`: the legacy text Completions API."""

    name: ClassVar[str] = "openai.completions"

    def response(self, body: Any) -> dict[str, Any]:
        return self.stream([{"data": body}])  # a whole response reads as a stream of one chunk

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        chunks = [data for data in map(data_of, frames) if data is not None]
        choices = [first_choice(field(chunk, "choices")) for chunk in chunks]
        parts = [choice["text"] for choice in choices if choice is not None and text(choice.get("text")) is not None]
        outputs: dict[str, Any] = {"text": "".join(parts)} if parts else {}
        put(outputs, "finish_reason", last_found(text(field(choice, "finish_reason")) for choice in choices))
        put(outputs, "usage", last_found(openai_usage(field(chunk, "usage")) for chunk in chunks))
        return identified(outputs, chunks[0] if chunks else None)

    def is_token(self, frame: dict[str, Any]) -> bool:
        return bool(text(field(first_choice(field(data_of(frame), "choices")), "text")))

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        """The whole text in one chunk when streamed: the SDK's `Completion` type (which every chunk is)
        takes no null `finish_reason`, though the API sends one in the chunks before the last."""
        value = text_only(said, self.name)
        completion = {"id": "cmpl-mock", "object": "text_completion", "created": 0, "model": model or "mock",
                      "choices": [{"index": 0, "text": value, "logprobs": None, "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        return sse_record([{"data": completion}, {"data": "[DONE]"}]) if streamed else json_record(completion)
