"""The results of tool calls that a request carries back to the model, read from the conversation it sends.

An agent loop answers a model's tool calls in its next request: OpenAI chat `tool` messages, Responses
`function_call_output` items, Anthropic `tool_result` blocks, Gemini `functionResponse` parts, Ollama `tool`
messages. The same request sends the conversation's earlier turns again, the model's calls among them, so
each result is paired here with the call it answers: by the call's id, or, where an API gives none (Ollama,
older Gemini), by position within the turn, and then only for the latest turn's results (the earlier ones
went out with an earlier request already). Pure functions of the body; odd shapes are skipped, never raised on.

>>> body = {"messages": [{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
...         "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
...         {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]}
>>> openai_chat(body)
[ToolResult(call_id='c1', name='get_weather', arguments='{"city": "Paris"}', result='sunny', failed=False)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .values import field, items, text


@dataclass(frozen=True)
class ToolResult:
    """A tool call's result as a request sends it, with the call's name and arguments where the request
    repeats the call (None where it does not: a Responses request that continues a stored response)."""

    call_id: str | None
    name: str | None
    arguments: Any
    result: Any
    failed: bool = False


@dataclass(frozen=True)
class _Call:
    call_id: str | None
    name: str | None
    arguments: Any


Turn = list["_Call"]  # the calls one answer of the model asked for (none, for an answer in words)
Item = Turn | ToolResult


def openai_chat(body: Any) -> list[ToolResult]:
    return _paired(_chat_items(items(field(body, "messages"))))


def openai_responses(body: Any) -> list[ToolResult]:
    return _paired(_responses_items(items(field(body, "input"))))


def anthropic(body: Any) -> list[ToolResult]:
    return _paired(_anthropic_items(items(field(body, "messages"))))


def gemini(body: Any) -> list[ToolResult]:
    return _paired(_gemini_items(items(field(body, "contents"))))


def ollama(body: Any) -> list[ToolResult]:
    return _paired(_chat_items(items(field(body, "messages"))))


# -- each API's conversation, as calls and results in order ---------------------------------------------
def _chat_items(messages: list[dict[str, Any]]) -> Iterator[Item]:
    """OpenAI chat and Ollama: an assistant message's `tool_calls` (or the legacy `function_call`), then
    `tool` messages (`tool_call_id`; Ollama's name the tool instead) and legacy `function` messages."""
    for message in messages:
        role = message.get("role")
        if role == "assistant":
            calls = [_Call(_id(call.get("id")), text(field(call, "function", "name")),
                           field(call, "function", "arguments")) for call in items(message.get("tool_calls"))]
            legacy = message.get("function_call")
            if isinstance(legacy, dict):
                calls.append(_Call(None, text(legacy.get("name")), legacy.get("arguments")))
            yield calls
        elif role in ("tool", "function"):
            name = text(message.get("name")) or text(message.get("tool_name"))
            yield ToolResult(_id(message.get("tool_call_id")), name, None, _content(message.get("content")))


def _responses_items(entries: list[dict[str, Any]]) -> Iterator[Item]:
    """Responses `input` items: `function_call` / `custom_tool_call` items (each a turn of its own: they all
    have ids), then their `..._output` items by `call_id`."""
    for entry in entries:
        kind = entry.get("type")
        if kind in ("function_call", "custom_tool_call"):
            arguments = entry.get("arguments") if kind == "function_call" else entry.get("input")
            yield [_Call(_id(entry.get("call_id")), text(entry.get("name")), arguments)]
        elif kind in ("function_call_output", "custom_tool_call_output"):
            yield ToolResult(_id(entry.get("call_id")), None, None, _content(entry.get("output")))


def _anthropic_items(messages: list[dict[str, Any]]) -> Iterator[Item]:
    """Anthropic: an assistant message's `tool_use` blocks, then a user message's `tool_result` blocks."""
    for message in messages:
        blocks = items(message.get("content"))
        if message.get("role") == "assistant":
            yield [_Call(_id(block.get("id")), text(block.get("name")), block.get("input"))
                   for block in blocks if block.get("type") == "tool_use"]
            continue
        for block in blocks:
            if block.get("type") == "tool_result":
                yield ToolResult(_id(block.get("tool_use_id")), None, None, _content(block.get("content")),
                                 block.get("is_error") is True)


def _gemini_items(contents: list[dict[str, Any]]) -> Iterator[Item]:
    """Gemini: a `model` turn's `functionCall` parts, then `functionResponse` parts (camelCase on the wire,
    snake_case from some clients); a response holding only `error` is a failed call."""
    for content in contents:
        parts = items(content.get("parts"))
        if content.get("role") == "model":
            yield [_Call(_id(call.get("id")), text(call.get("name")), call.get("args"))
                   for call in map(_function_call, parts) if call is not None]
            continue
        for part in parts:
            response = part.get("functionResponse") or part.get("function_response")
            if isinstance(response, dict):
                said = response.get("response")
                failed = isinstance(said, dict) and list(said) == ["error"]
                yield ToolResult(_id(response.get("id")), text(response.get("name")), None, said, failed)


def _function_call(part: dict[str, Any]) -> dict[str, Any] | None:
    call = part.get("functionCall") or part.get("function_call")
    return call if isinstance(call, dict) else None


# -- pairing --------------------------------------------------------------------------------------------
def _paired(conversation: Iterator[Item]) -> list[ToolResult]:
    """Each result with the call it answers: by id; else by position among the latest turn's calls without
    one, and only the results after that turn (an earlier turn's results without ids cannot be told apart)."""
    by_id: dict[str, _Call] = {}
    unnamed: Turn = []  # the latest turn's calls that have no id
    latest: list[ToolResult] = []  # the results without an id since the latest turn, paired with those calls
    found: list[ToolResult] = []
    for item in conversation:
        if isinstance(item, list):
            by_id.update((call.call_id, call) for call in item if call.call_id is not None)
            unnamed, latest = [call for call in item if call.call_id is None], []
        elif item.call_id is not None:
            call = by_id.get(item.call_id)
            found.append(_with_call(item, call) if call is not None else item)
        elif len(latest) < len(unnamed):
            latest.append(_with_call(item, unnamed[len(latest)]))
    return found + latest


def _with_call(result: ToolResult, call: _Call) -> ToolResult:
    return ToolResult(result.call_id or call.call_id, call.name or result.name, call.arguments, result.result,
                      result.failed)


def _content(value: Any) -> Any:
    """A result's content: the text of a list of text parts, else the value as sent."""
    if isinstance(value, list) and value and all(isinstance(part, dict) and part.get("type") in (
            "text", "input_text", "output_text") for part in value):
        return "".join(text(part.get("text")) or "" for part in value)
    return value


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_READERS = {"openai.chat": openai_chat, "openai.responses": openai_responses, "anthropic.messages": anthropic,
            "gemini.generate_content": gemini, "ollama.chat": ollama}


def results_sent(api_name: str, body: Any) -> list[ToolResult]:
    """The tool results a request to the API `api_name` sends; none for an API without tools."""
    reader = _READERS.get(api_name)
    return reader(body) if reader is not None else []
