"""Which LLM call asked for a tool call: the tool calls an `llm` span's outputs name, mapped to that
span, so a tool span opened later (by a framework's hook, under its own parent) can say which LLM call
it answers (`attrs.llm_span_id`).

A tool call is found by the id the model gave it. A client that passes no id to the tool (an MCP
`call_tool`) is matched by the tool's name and arguments instead: the newest call that asked for the
same, not matched yet.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson

MAX_ASKS = 4096  # a long run's oldest ids are forgotten: a tool answers an LLM call made shortly before

Asked = tuple[str, str]  # (the tool call id, the span id of the LLM call that asked for it)


class ToolAsks:
    """Tool call id -> the span id of the LLM call whose answer asked for it; bounded."""

    __slots__ = ("_by_id", "_by_call")

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, str] = OrderedDict()
        self._by_call: OrderedDict[tuple[str, bytes], list[Asked]] = OrderedDict()

    def note(self, span_id: str, outputs: Any) -> None:
        """Remember the tool calls of an LLM call's outputs (`outputs.tool_calls[]`: id, name, arguments)."""
        calls = outputs.get("tool_calls") if isinstance(outputs, dict) else None
        if not isinstance(calls, list):
            return
        for call in calls:
            call_id = call.get("id") if isinstance(call, dict) else None
            if not isinstance(call_id, str) or not call_id:
                continue
            self._by_id[call_id] = span_id
            self._by_id.move_to_end(call_id)
            key = _call_key(call.get("name"), call.get("arguments"))
            if key is not None:
                self._by_call.setdefault(key, []).append((call_id, span_id))
                self._by_call.move_to_end(key)
        while len(self._by_id) > MAX_ASKS:
            self._by_id.popitem(last=False)
        while len(self._by_call) > MAX_ASKS:
            self._by_call.popitem(last=False)

    def asker(self, call_id: str | None) -> str | None:
        """The span id of the LLM call that asked for `call_id`, if this run saw it."""
        return self._by_id.get(call_id) if call_id else None

    def claim(self, name: str, arguments: Any) -> Asked | None:
        """The newest tool call not claimed yet that asked for `name` with these arguments: its id and
        the LLM call's span id; None when no LLM call of this run asked for it."""
        key = _call_key(name, arguments)
        asked = self._by_call.get(key) if key is not None else None
        if not asked:
            return None
        found = asked.pop()
        if not asked:
            del self._by_call[key]
        return found


def _call_key(name: Any, arguments: Any) -> tuple[str, bytes] | None:
    """A tool call's name and arguments, comparable whether the API sent the arguments as JSON text
    (OpenAI) or as an object (Anthropic, Gemini)."""
    if not isinstance(name, str) or not name:
        return None
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return name, arguments.encode()
    try:
        return name, orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
