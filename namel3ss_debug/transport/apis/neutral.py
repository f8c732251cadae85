"""A provider-neutral answer of a model, as a mock, a console replacement or a fork's `--answer` gives it:
a text, or an assistant message `{"content": TEXT|null, "tool_calls": [{"name": ..., "arguments": {...}}]}`.
Each API's `mock` turns a `Said` into its own response record (`records.py`), so one value answers a chat,
Responses, Anthropic or Gemini call, streamed or not.

>>> said_of({"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]})
Said(content=None, tool_calls=(ToolCall(name='get_weather', arguments={'city': 'Lisbon'}, id='call_1'),))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_MESSAGE_KEYS = frozenset({"content", "tool_calls", "role"})
_CALL_KEYS = frozenset({"name", "arguments", "id"})


class AnswerShapeError(ValueError):
    """A value that is meant as an assistant message but is not one: the message says what is wrong."""


@dataclass(frozen=True)
class ToolCall:
    """A tool the model asks for: its name, its arguments (a JSON object) and its call id."""

    name: str
    arguments: dict[str, Any]
    id: str

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON text OpenAI's APIs send."""
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class Said:
    """What the model says: a text (None: no text) and the tools it asks for, in order."""

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()


def is_message(value: Any) -> bool:
    """Whether a JSON value is meant as an assistant message: an object with no `status` (a response record
    has one) that has `tool_calls`, or a `content` that is a text or null (an Anthropic body's is a list)."""
    if not isinstance(value, dict) or "status" in value:
        return False
    return "tool_calls" in value or ("content" in value and (value["content"] is None or
                                                            isinstance(value["content"], str)))


def said_of(value: Any) -> Said:
    """The answer a text or an assistant message says. Raises AnswerShapeError naming what is wrong."""
    if isinstance(value, str):
        return Said(value)
    if not is_message(value):
        raise AnswerShapeError('an answer is a text or {"content": TEXT|null, "tool_calls": [...]}')
    unknown = sorted(set(value) - _MESSAGE_KEYS)
    if unknown:
        raise AnswerShapeError(f"an assistant message has no key {', '.join(map(repr, unknown))} "
                               "(it takes content, tool_calls and role)")
    if value.get("role", "assistant") != "assistant":
        raise AnswerShapeError(f"an answer's role is assistant, not {value['role']!r}")
    content = value.get("content")
    if content is not None and not isinstance(content, str):
        raise AnswerShapeError("content must be a text or null")
    calls = value.get("tool_calls") or []
    if not isinstance(calls, list):
        raise AnswerShapeError("tool_calls must be a list of {\"name\": ..., \"arguments\": {...}}")
    if content is None and not calls:
        raise AnswerShapeError("an assistant message needs a content or at least one tool call")
    return Said(content, tuple(_tool_call(call, number) for number, call in enumerate(calls, 1)))


def _tool_call(call: Any, number: int) -> ToolCall:
    where = f"tool_calls[{number - 1}]"
    if not isinstance(call, dict):
        raise AnswerShapeError(f'{where} must be an object {{"name": ..., "arguments": {{...}}}}')
    unknown = sorted(set(call) - _CALL_KEYS)
    if unknown:
        raise AnswerShapeError(f"{where} has no key {', '.join(map(repr, unknown))} (it takes name, arguments, id)")
    name, arguments, given = call.get("name"), call.get("arguments", {}), call.get("id")
    if not isinstance(name, str) or not name:
        raise AnswerShapeError(f"{where} needs a name, the tool's (a text)")
    if not isinstance(arguments, dict):
        raise AnswerShapeError(f"{where}.arguments must be a JSON object, not {type(arguments).__name__}")
    if given is not None and (not isinstance(given, str) or not given):
        raise AnswerShapeError(f"{where}.id must be a text")
    return ToolCall(name, arguments, given or f"call_{number}")


def text_only(said: Said, api_name: str) -> str:
    """The text of an answer for an API whose mocks say a text only; raises when it asks for tools."""
    if said.tool_calls:
        raise AnswerShapeError(f"{api_name} answers are mocked as a text only, not with tool calls")
    return said.content or ""
