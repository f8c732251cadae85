"""Ollama's own API: `POST /api/chat` (`message.content`, `message.tool_calls`) and `POST /api/generate`
(`response`). Ollama streams unless the body says `"stream": false`, as JSON lines: pieces with
`"done": false`, then a last line with `"done": true`, the `done_reason` and the token counts
(`prompt_eval_count` in, `eval_count` out). A whole response is that last line with all the text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import BodyApi, Request
from .neutral import NeutralAnswer, text_only
from .records import json_record, ndjson_record
from .usage import usage
from .values import count, data_of, field, first_found, items, put, text

_CREATED = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class OllamaChat(BodyApi):
    """`ollama.chat`: `/api/chat`."""

    name: ClassVar[str] = "ollama.chat"

    def request(self, path: str, body: Any) -> Request:
        inputs = body if isinstance(body, dict) else {}
        return Request(text(inputs.get("model")), inputs.get("stream") is not False, inputs)

    def response(self, body: Any) -> dict[str, Any]:
        return self.stream([{"data": body}])

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        lines = [data for data in map(data_of, frames) if data is not None]
        texts = [piece for piece in map(self._text, lines) if piece is not None]
        outputs: dict[str, Any] = {"text": "".join(texts)} if texts else {}
        calls = [_tool_call(call) for line in lines for call in items(field(line, "message", "tool_calls"))]
        if calls:
            outputs["tool_calls"] = calls
        last: dict[str, Any] = next((line for line in reversed(lines) if line.get("done") is True), {})
        put(outputs, "finish_reason", text(last.get("done_reason")))
        put(outputs, "usage", usage(count(last.get("prompt_eval_count")), count(last.get("eval_count"))))
        put(outputs, "model", first_found(text(line.get("model")) for line in lines))
        return outputs

    def is_token(self, frame: dict[str, Any]) -> bool:
        data = data_of(frame)
        return bool(self._text(data) or items(field(data, "message", "tool_calls")))

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        value = text_only(said, self.name)
        done = {"done": True, "done_reason": "stop", "total_duration": 0, "prompt_eval_count": 0, "eval_count": 0}
        if not streamed:
            return json_record({**self._line(value, model), **done})
        return ndjson_record([{"data": {**self._line(value, model), "done": False}},
                              {"data": {**self._line("", model), **done}}])

    def _text(self, line: Any) -> str | None:
        return text(field(line, "message", "content"))

    def _line(self, value: str, model: str | None) -> dict[str, Any]:
        return {"model": model or "mock", "created_at": _CREATED, "message": {"role": "assistant", "content": value}}


@dataclass(frozen=True)
class OllamaGenerate(OllamaChat):
    """`ollama.generate`: `/api/generate`, a completion of a prompt."""

    name: ClassVar[str] = "ollama.generate"

    def _text(self, line: Any) -> str | None:
        return text(field(line, "response"))

    def _line(self, value: str, model: str | None) -> dict[str, Any]:
        return {"model": model or "mock", "created_at": _CREATED, "response": value}


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    """An Ollama tool call: the arguments are an object already."""
    return {"id": text(call.get("id")), "name": text(field(call, "function", "name")),
            "arguments": field(call, "function", "arguments")}
