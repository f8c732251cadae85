"""What an LLM or tool call said, read from its end event, in two forms: as it was said, and as it is meant.

An answer is its status and error type, its text (a JSON text read as JSON), any other value it returned, and the
tools it asked for with their arguments. `meant` folds what rewording changes and meaning does not:

- text: Unicode compatibility forms (NFKC), case, punctuation and runs of white space;
- JSON (a JSON text, or a value returned): key order, and every string inside it folded as text is; its keys,
  nesting, types, numbers and booleans are kept;
- the tools asked for: their order (a model's parallel calls come in any order) and the formatting of their
  arguments (read as JSON); the names and the argument values are kept exactly, a tool asked for with another
  argument being another action.

What an answer carries beside what it says (its id, usage, model, finish reason, and beside a decoded answer the
HTTP record it came in) is left out of both forms.

>>> meant(said_by({"status": "completed", "outputs": {"text": "Rain, 11 C."}})) == \\
...     meant(said_by({"status": "completed", "outputs": {"text": "rain 11 c"}}))
True
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import orjson

from ..model.json_types import JsonEvent, JsonValue

# The decoded answer of an LLM API (`transport/apis`): what it says, and what it only carries (beside it, the
# HTTP record a rerun serves it from, `return`: the same answer as the wire had it).
_SAYING = ("text", "tool_calls")
_CARRIED = frozenset({"id", "usage", "model", "finish_reason", "created", "system_fingerprint", "stop_reason"})
_RECORD = "return"
_JSON_OPENERS = ("{", "[")


@dataclass(frozen=True)
class Said:
    """One call's answer: `status`, `error` (`Type: message`, or None), `text` (None when it gave none or gave
    JSON), `data` (a JSON value: a JSON text read, or what the call returned that is not text; None when none),
    `tools` (name and arguments as canonical JSON, sorted)."""

    status: str
    error: str | None
    text: str | None
    data: JsonValue
    tools: tuple[tuple[str, str], ...]

    @property
    def error_type(self) -> str | None:
        return self.error.split(":", 1)[0] if self.error is not None else None

    def shown(self) -> str:
        """One line, cut with a mark past `SHOWN` characters: `failed (ValueError: no city)`, `"It rains."`,
        `get_weather({"city":"Paris"})`; a tool message (LangChain's `ToolMessage`, OpenAI's `role: tool`) by the
        content the model read, not its ids and fields."""
        if self.status != "completed":
            return _cut(f"{self.status}" + (f" ({self.error})" if self.error else ""))
        parts = [repr(self.text)] if self.text is not None else []
        if self.data is not None:
            content = _message_content(self.data)
            parts.append(repr(content) if isinstance(content, str) else canonical(self.data if content is None
                                                                                  else content))
        parts.extend(f"{name}({arguments})" for name, arguments in self.tools)
        return _cut(", ".join(parts) or "nothing")


SHOWN = 160  # characters of an answer a one-line report shows


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def _message_content(data: JsonValue) -> JsonValue:
    """The content of a tool message as a framework writes it (`type: "tool"` with a `tool_call_id`, or `role:
    "tool"`), None for any other value."""
    if isinstance(data, dict) and "content" in data and (data.get("role") == "tool" or (
            data.get("type") == "tool" and "tool_call_id" in data)):
        return data["content"]
    return None


def said_by(end: JsonEvent | None) -> Said:
    """The answer an end event records (None: the call never ended)."""
    if end is None:
        return Said("did not end", None, None, None, ())
    error = end.get("error")
    error_text = f"{error.get('type')}: {error.get('message')}" if isinstance(error, dict) else None
    text, data, tools = _answer(end.get("outputs"))
    return Said(str(end.get("status") or "?"), error_text, text, data, tools)


def _answer(outputs: JsonValue) -> tuple[str | None, JsonValue, tuple[tuple[str, str], ...]]:
    """(text, data, tools) of a call's outputs: an LLM API's decoded answer (`text`, `tool_calls`), a decorated
    function's `{"return": value}` (its value read the same way), or any other value."""
    if isinstance(outputs, dict) and set(outputs) == {"return"}:
        outputs = outputs["return"]
    if isinstance(outputs, str):
        return (*_text_or_json(outputs), ())
    if not isinstance(outputs, dict):
        return None, outputs, ()
    rest = {key: value for key, value in outputs.items() if key not in _SAYING and key not in _CARRIED} or None
    if set(_SAYING).isdisjoint(outputs):
        return None, rest, ()
    rest = {key: value for key, value in (rest or {}).items() if key != _RECORD} or None
    said, calls = outputs.get("text"), outputs.get("tool_calls")
    tools = tuple(sorted(_tool(call) for call in calls if isinstance(call, dict))) if isinstance(calls, list) else ()
    text, data = _text_or_json(said if isinstance(said, str) and said else None)  # empty: no text
    return text, data if data is not None else rest, tools


def _text_or_json(text: str | None) -> tuple[str | None, JsonValue]:
    """A text that is a JSON object or array is its value (structured output); any other stays text."""
    if text is not None and text.lstrip().startswith(_JSON_OPENERS):
        try:
            return None, orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return text, None


def _tool(call: dict[str, JsonValue]) -> tuple[str, str]:
    """A tool asked for: its name, and its arguments as canonical JSON (a JSON text read first)."""
    arguments = call.get("arguments", call.get("input", call.get("args")))
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments) if arguments.strip() else {}
        except orjson.JSONDecodeError:
            pass
    return str(call.get("name") or "?"), canonical(arguments)


def canonical(value: JsonValue) -> str:
    """`value` as JSON with sorted keys, compact."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return repr(value)


def folded(text: str) -> str:
    """A text without what rewording changes and meaning does not: compatibility forms, case, punctuation,
    runs of white space.

    >>> folded("  The weather in PARIS:\\train, 11 C.")
    'the weather in paris rain 11 c'
    """
    normal = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(" " if unicodedata.category(char).startswith("P") else char for char in normal)
    return " ".join(kept.split())


def folded_value(value: JsonValue) -> JsonValue:
    """A JSON value with every string in it (keys left as they are) folded as text."""
    if isinstance(value, str):
        return folded(value)
    if isinstance(value, dict):
        return {key: folded_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [folded_value(item) for item in value]
    return value


def meant(said: Said) -> tuple[object, ...]:
    """What an answer means, as a hashable value: equal for two answers that differ only in rewording."""
    return (said.status, said.error_type, folded(said.text) if said.text is not None else None,
            canonical(folded_value(said.data)), said.tools)


def exact(said: Said) -> tuple[object, ...]:
    """What an answer says, as a hashable value: equal only for the same words."""
    return (said.status, said.error, said.text, canonical(said.data), said.tools)
