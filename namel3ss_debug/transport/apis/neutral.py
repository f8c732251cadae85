"""A provider-neutral answer of a model, as a mock, a console replacement or a fork's `--answer` gives it:
a text, or an assistant message `{"content": TEXT|null, "tool_calls": [{"name": ..., "arguments": {...}}]}`.
Each API's `mock` turns a `NeutralAnswer` into its own response record (`records.py`), so one value answers a chat,
Responses, Anthropic or Gemini call, streamed or not.

A tool call given no id gets one in the API's own shape (`call_...`, `toolu_...`; a Responses item `fc_...`),
made from the key of the call it answers (`seed`, `llm:openai.chat#2`) and its number among the answer's tool
calls: unique in the run, and the same in every rerun that gives the same answer at the same call.

>>> said = said_of({"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]},
...                "llm:openai.chat#1")
>>> said.tool_calls[0].id, said.tool_calls[0].id_as("toolu_01")
('call_3750d955146141ec249491b6', 'toolu_013750d955146141ec249491b6')
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

_MESSAGE_KEYS = frozenset({"content", "tool_calls", "role"})
_CALL_KEYS = frozenset({"name", "arguments", "id"})


class AnswerShapeError(ValueError):
    """A value that is meant as an assistant message but is not one: the message says what is wrong."""


@dataclass(frozen=True)
class ToolCall:
    """A tool the model asks for: its name, its arguments (a JSON object), the call id the answer gave it
    (`given`, None: none), and what one is made from: the answered call's key (`seed`) and its `number`."""

    name: str
    arguments: dict[str, Any]
    given: str | None = None
    seed: str = ""
    number: int = 1

    @property
    def id(self) -> str:
        """Its call id as OpenAI's chat and Responses (`call_id`) and Gemini write it."""
        return self.id_as("call_")

    def id_as(self, prefix: str) -> str:
        """Its call id: the one given, else one made in an API's shape, `prefix` and 24 hex digits."""
        return self.given or made_id(prefix, self.seed, self.number)

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON text OpenAI's APIs send."""
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class NeutralAnswer:
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


def made_id(prefix: str, seed: str, number: int, digits: int = 24) -> str:
    """An id the model did not give: `prefix`, then hex digits of a digest of the answered call's key (`seed`)
    and the number of what it names in that answer, so that no two calls of a run share one."""
    digest = hashlib.blake2b(f"{seed}/{number}".encode("utf-8", "backslashreplace"), digest_size=16).hexdigest()
    return prefix + digest[:digits]


def said_of(value: Any, seed: str = "") -> NeutralAnswer:
    """The answer a text or an assistant message says, its tool calls' ids made from `seed` (the key of the call
    it answers) where none is given. Raises AnswerShapeError naming what is wrong."""
    if isinstance(value, str):
        return NeutralAnswer(value)
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
    return NeutralAnswer(content, tuple(_tool_call(call, number, seed) for number, call in enumerate(calls, 1)))


def _tool_call(call: Any, number: int, seed: str) -> ToolCall:
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
    return ToolCall(name, arguments, given, seed, number)


def text_only(said: NeutralAnswer, api_name: str) -> str:
    """The text of an answer for an API whose mocks say a text only; raises when it asks for tools."""
    if said.tool_calls:
        raise AnswerShapeError(f"{api_name} answers are mocked as a text only, not with tool calls")
    return said.content or ""
