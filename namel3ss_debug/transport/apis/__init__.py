"""LLM APIs recognised in HTTP requests, and decoded: pure functions of what crossed the wire.

`recognise(method, host, path, body)` names the API a request calls, by its path and the shape of
its body, at any host: an OpenAI-compatible server on `127.0.0.1:8000` is recognised as well as
`api.openai.com`. The `Api` it returns decodes that request (`request`), its response (`response`,
or a stream's frames with `stream` and `is_token`), its errors (`error_message`), and makes a mocked
response record (`mock`) of a provider-neutral answer (`neutral_record`). Nothing here does I/O, imports
beyond the stdlib, or raises on odd input from the wire (a mock's value that is no answer is refused).

>>> api = recognise("POST", "api.groq.com", "/openai/v1/chat/completions", {"messages": []})
>>> api.name, api.provider
('openai.chat', 'groq')
"""

from __future__ import annotations

from typing import Any, Callable

from .anthropic import AnthropicMessages
from .base import Api, Request
from .gemini import GeminiGenerateContent, path_model
from .hosts import hostname, openai_provider
from .neutral import AnswerShapeError, is_message, said_of
from .ollama import OllamaChat, OllamaGenerate
from .openai_chat import OpenAIChat
from .openai_completions import OpenAICompletions
from .openai_embeddings import OpenAIEmbeddings
from .openai_responses import OpenAIResponses
from .values import parse_json

__all__ = ["AnswerShapeError", "Api", "Request", "is_message", "named", "neutral_answer", "neutral_record",
           "recognise"]

_VERTEX_HOST = "aiplatform.googleapis.com"


def recognise(method: str, host: str, path: str, body: Any) -> Api | None:
    """The LLM API a request calls, or None when it is not an LLM call (a GET, `/v1/models`,
    `/v1/messages/count_tokens`, `/v1/responses/{id}`, a body without the API's fields...).

    `host` is lower case, maybe with a port; `path` has no query; `body` is the request's JSON.
    """
    if method.upper() != "POST" or not isinstance(body, dict):
        return None
    segments = path.rstrip("/").rsplit("/", 2)
    last, before = segments[-1], segments[-2] if len(segments) > 1 else ""
    if ":" in last:
        return _gemini(host, path)
    if before == "api":
        return _ollama(last, body)
    return _anthropic(last, body) or _openai(last, before, host, body)


_NAMED: dict[str, Callable[[str], Api]] = {
    api.name: api for api in (OpenAIChat, OpenAICompletions, OpenAIEmbeddings, OpenAIResponses, AnthropicMessages,
                              GeminiGenerateContent, OllamaChat, OllamaGenerate)}


def named(name: str, provider: str = "unknown") -> Api | None:
    """The API an `llm` span is named after (`openai.chat`), to decode what it recorded; None for another name."""
    found = _NAMED.get(name)
    return found(provider) if found is not None else None


def neutral_record(api: Api, value: Any, model: str | None, streamed: bool, seed: str = "") -> dict[str, Any]:
    """The response record of `api` saying a provider-neutral answer: a text, or an assistant message
    `{"content": TEXT|null, "tool_calls": [{"name": ..., "arguments": {...}}]}` (call ids made from `seed`, the
    key of the call it answers, in the API's shape, unless given: `neutral.made_id`). Raises AnswerShapeError
    (a ValueError) naming what is wrong with the value, or that the API's answers are mocked as a text only
    (Ollama, legacy completions, embeddings).

    >>> record = neutral_record(OpenAIChat("openai"), {"content": None, "tool_calls": [
    ...     {"name": "get_weather", "arguments": {"city": "Paris"}}]}, "gpt-4o", streamed=False)
    >>> record["body"]["choices"][0]["message"]["tool_calls"][0]["function"]
    {'name': 'get_weather', 'arguments': '{"city": "Paris"}'}
    """
    return api.mock(said_of(value, seed), model, streamed)


def neutral_answer(name: str, record: Any) -> dict[str, Any] | None:
    """What a response record of the API named `name` says, as a provider-neutral answer `neutral_record` takes
    back (`{"content", "tool_calls"}`, the calls with their recorded ids); None when the record is no answer of
    a known API (an error status, no text and no call), or has a call whose arguments are no JSON object."""
    api = named(name)
    if api is None or not isinstance(record, dict) or record.get("status") != 200:
        return None
    frames = record.get("frames")
    outputs = api.stream(frames) if isinstance(frames, list) else api.response(record.get("body"))
    calls = [_neutral_call(call) for call in outputs.get("tool_calls", ())]
    if None in calls or ("text" not in outputs and not calls):
        return None
    return {"content": outputs.get("text"), "tool_calls": calls}


def _neutral_call(call: dict[str, Any]) -> dict[str, Any] | None:
    arguments = call.get("arguments")
    arguments = parse_json(arguments) if isinstance(arguments, str) else arguments
    if not isinstance(arguments, dict) or not isinstance(call.get("name"), str):
        return None
    return {"name": call["name"], "arguments": arguments, **({"id": call["id"]} if call.get("id") else {})}


def _openai(last: str, before: str, host: str, body: dict[str, Any]) -> Api | None:
    found = _openai_api(last, before, body)
    return found(openai_provider(host)) if found is not None else None


def _openai_api(last: str, before: str, body: dict[str, Any]) -> Callable[[str], Api] | None:
    if last == "completions" and before == "chat":
        return OpenAIChat if isinstance(body.get("messages"), list) else None
    if last == "completions":
        return OpenAICompletions if "prompt" in body else None
    if last == "responses" and ("input" in body or "model" in body):
        return OpenAIResponses
    if last == "embeddings" and "input" in body:
        return OpenAIEmbeddings
    return None


def _anthropic(last: str, body: dict[str, Any]) -> Api | None:
    if last == "messages" and isinstance(body.get("messages"), list) and "max_tokens" in body:
        return AnthropicMessages("anthropic")
    return None


def _gemini(host: str, path: str) -> Api | None:
    if path_model(path) is None:
        return None
    # Vertex AI paths name a publisher (`/projects/P/locations/L/publishers/google/models/M`, or just
    # `/publishers/google/models/M` with an express-mode API key); the Gemini API's never do.
    vertex = hostname(host).endswith(_VERTEX_HOST) or "/publishers/" in path
    return GeminiGenerateContent("vertex" if vertex else "gemini")


def _ollama(last: str, body: dict[str, Any]) -> Api | None:
    if last == "chat" and isinstance(body.get("messages"), list):
        return OllamaChat("ollama")
    if last == "generate" and "prompt" in body:
        return OllamaGenerate("ollama")
    return None
