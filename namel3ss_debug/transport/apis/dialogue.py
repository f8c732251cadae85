"""A request's conversation, as the wire agents (`transport/agents.py`) compare requests: its system prompt,
the tools it offers, its messages (each as a hash, for "does this request extend that one"), the tool call ids
it carries (the model's calls and their results), whether it forces a tool, and the stored response it
continues (Responses' `previous_response_id`). Pure functions of the body; odd shapes read as nothing.

>>> said = dialogue("openai.chat", {"messages": [{"role": "system", "content": "You are a weather assistant."},
...     {"role": "user", "content": "Paris?"}], "tools": [{"type": "function", "function": {"name": "get_weather"}}]})
>>> said.system, said.tools, len(said.turns), said.forced
('You are a weather assistant.', ('get_weather',), 2, False)
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import orjson

from .values import field, items, text


class Dialogue(NamedTuple):
    """What a request says of the conversation it belongs to (a tuple: one is made for every LLM request,
    and a frozen dataclass costs it about twice as much to build)."""

    system: str | None
    tools: tuple[str, ...]  # the names of the tools offered, sorted
    turns: tuple[int, ...]  # a hash of each message, in order (the system prompt's messages included)
    call_ids: frozenset[str]  # the tool call ids its messages name
    forced: bool  # tool_choice names a tool, or requires one: the call is the answer (structured output)
    previous: str | None = None  # the stored response it continues
    name: str | None = None  # the name the app gives its agent (a system, else an assistant, message's `name`)
    question: str | None = None  # the latest user message's text


def dialogue(api_name: str, body: Any) -> Dialogue | None:
    """The conversation of a request to `api_name`; None for an API without one, or a body that is not one."""
    reader = _READERS.get(api_name)
    if reader is None or not isinstance(body, dict):
        return None
    return reader(body)


def _chat(body: dict[str, Any]) -> Dialogue:
    """OpenAI chat and Ollama: `system`/`developer` messages first, `tools[].function.name`, `tool_calls[].id`."""
    messages = items(body.get("messages"))
    system = [m for m in messages if m.get("role") in ("system", "developer")]
    ids = {call_id for m in messages for call_id in (*(c.get("id") for c in items(m.get("tool_calls"))),
                                                     m.get("tool_call_id")) if isinstance(call_id, str)}
    names = [text(field(tool, "function", "name")) or text(tool.get("name")) for tool in items(body.get("tools"))]
    names += [text(function.get("name")) for function in items(body.get("functions"))]
    choice = body.get("tool_choice", body.get("function_call"))
    return Dialogue(_joined(_content_text(m.get("content")) for m in system), _names(names), _hashes(messages),
                    frozenset(ids), choice == "required" or isinstance(choice, dict),
                    name=_named(system) or _named([m for m in messages if m.get("role") == "assistant"]),
                    question=_last_user(messages, _content_text))


def _responses(body: dict[str, Any]) -> Dialogue:
    """Responses: `instructions` and leading system/developer items, `tools[].name`, items' `call_id`."""
    given = body.get("input")
    entries = [{"role": "user", "content": given}] if isinstance(given, str) else items(given)
    system = [_content_text(body.get("instructions"))]
    system += [_content_text(e.get("content")) for e in entries if e.get("role") in ("system", "developer")]
    ids = {e.get("call_id") for e in entries if isinstance(e.get("call_id"), str)}
    names = [text(tool.get("name")) or text(tool.get("type")) for tool in items(body.get("tools"))]
    choice = body.get("tool_choice")
    return Dialogue(_joined(system), _names(names), _hashes(entries), frozenset(ids),  # type: ignore[arg-type]
                    choice == "required" or isinstance(choice, dict) and choice.get("type") == "function",
                    previous=text(body.get("previous_response_id")), question=_last_user(entries, _content_text))


def _anthropic(body: dict[str, Any]) -> Dialogue:
    """Anthropic: `system` (text or blocks), `tools[].name`, `tool_use.id` and `tool_result.tool_use_id`."""
    messages = items(body.get("messages"))
    blocks = [block for m in messages for block in items(m.get("content"))]
    ids = {block.get("id") if block.get("type") == "tool_use" else block.get("tool_use_id") for block in blocks}
    choice = field(body, "tool_choice", "type")
    return Dialogue(_content_text(body.get("system")) or None,
                    _names([text(tool.get("name")) for tool in items(body.get("tools"))]), _hashes(messages),
                    frozenset(i for i in ids if isinstance(i, str)), choice in ("any", "tool"),
                    question=_last_user(messages, _content_text))


def _gemini(body: dict[str, Any]) -> Dialogue:
    """Gemini: `systemInstruction` parts, `functionDeclarations[].name`, `functionCall.id`/`functionResponse.id`."""
    contents = items(body.get("contents"))
    instruction = body.get("systemInstruction") or body.get("system_instruction")
    parts = [part for content in contents for part in items(content.get("parts"))]
    said = [part.get(key) for part in parts for key in ("functionCall", "function_call", "functionResponse",
                                                        "function_response")]
    tools = items(body.get("tools"))
    names = [text(d.get("name")) for tool in tools
             for d in items(tool.get("functionDeclarations") or tool.get("function_declarations"))]
    mode = field(body, "toolConfig", "functionCallingConfig", "mode") or field(
        body, "tool_config", "function_calling_config", "mode")
    return Dialogue(_gemini_text(instruction) or None, _names(names), _hashes(contents),
                    frozenset(str(s["id"]) for s in said if isinstance(s, dict) and isinstance(s.get("id"), str)),
                    mode == "ANY", question=_last_user(contents, _gemini_text, "parts"))


_READERS: dict[str, Callable[[dict[str, Any]], Dialogue]] = {
    "openai.chat": _chat, "ollama.chat": _chat, "openai.responses": _responses, "anthropic.messages": _anthropic,
    "gemini.generate_content": _gemini}


def _content_text(content: Any) -> str:
    """A message's text: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return "".join(text(part.get("text")) or "" for part in items(content))


def _gemini_text(content: Any) -> str:
    return "".join(text(part.get("text")) or "" for part in items(field(content, "parts")))


def _last_user(messages: list[dict[str, Any]], read: Callable[[Any], str], key: str = "content") -> str | None:
    for message in reversed(messages):
        if message.get("role") == "user":
            said = read(message.get(key)) if key == "content" else read(message)
            if said:
                return said
    return None


def _named(messages: list[dict[str, Any]]) -> str | None:
    """The first `name` the messages carry."""
    return next((name for name in (text(m.get("name")) for m in messages) if name), None)


def _joined(texts: Any) -> str | None:
    joined = "\n".join(part for part in texts if part)
    return joined or None


def _names(names: list[str | None]) -> tuple[str, ...]:
    return tuple(sorted({name for name in names if name}))


def _hashes(messages: list[dict[str, Any]]) -> tuple[int, ...]:
    """Each message as a hash of its canonical JSON (this process's hashes only: never written anywhere)."""
    return tuple(hash(orjson.dumps(message, option=orjson.OPT_SORT_KEYS, default=repr)) for message in messages)
