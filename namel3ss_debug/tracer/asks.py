"""Which LLM call asked for a tool call: the tool call ids an `llm` span's outputs name, mapped to
that span, so a tool span opened later (by a framework's hook, under its own parent) can say which
LLM call it answers (`attrs.llm_span_id`)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

MAX_ASKS = 4096  # a long run's oldest ids are forgotten: a tool answers an LLM call made shortly before


class ToolAsks:
    """Tool call id -> the span id of the LLM call whose answer asked for it; bounded."""

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, str] = OrderedDict()

    def note(self, span_id: str, outputs: Any) -> None:
        """Remember the tool calls of an LLM call's outputs (`outputs.tool_calls[].id`)."""
        calls = outputs.get("tool_calls") if isinstance(outputs, dict) else None
        if not isinstance(calls, list):
            return
        for call in calls:
            call_id = call.get("id") if isinstance(call, dict) else None
            if isinstance(call_id, str) and call_id:
                self._by_id[call_id] = span_id
                self._by_id.move_to_end(call_id)
        while len(self._by_id) > MAX_ASKS:
            self._by_id.popitem(last=False)

    def asker(self, call_id: str | None) -> str | None:
        """The span id of the LLM call that asked for `call_id`, if this run saw it."""
        return self._by_id.get(call_id) if call_id else None
