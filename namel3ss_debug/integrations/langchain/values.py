"""LangChain values as the trace records them: JSON the same in a recording and its rerun.

A message becomes its role, content, name and tool calls, without its `id`: LangGraph's `add_messages`
gives each message without one a new uuid4, so a node's input would differ in every run. A document
becomes its text and metadata. Anything else is written as the tracer writes any value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import BaseMessage

from ...tracer.serialize import to_jsonable

_DEPTH = 32


def plain(value: Any, depth: int = 0) -> Any:
    """`value` as JSON, messages without their ids."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if depth > _DEPTH:
        return to_jsonable(value)
    if isinstance(value, BaseMessage):
        return message(value)
    if isinstance(value, Document):
        return {"page_content": value.page_content, "metadata": plain(value.metadata, depth + 1)}
    if isinstance(value, Mapping):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    return to_jsonable(value)


def message(value: BaseMessage) -> dict[str, Any]:
    """A message as a conversation shows it: role, content, and what links it to tool calls."""
    said: dict[str, Any] = {"type": value.type, "content": plain(value.content)}
    if value.name:
        said["name"] = value.name
    for key in ("tool_calls", "tool_call_id", "status"):
        found = getattr(value, key, None)
        if found and not (key == "status" and found == "success"):
            said[key] = plain(found)
    return said


def said_last(value: Any) -> Any:
    """What a graph that is an agent was asked or answered: the content of the last message of its state's
    `messages` (a message, a `{"role", "content"}` dict or a `(role, content)` pair), else the whole value."""
    messages = value.get("messages") if isinstance(value, Mapping) else None
    if not isinstance(messages, (list, tuple)) or not messages:
        return plain(value)
    last = messages[-1]
    if isinstance(last, BaseMessage):
        return plain(last.content)
    if isinstance(last, Mapping) and "content" in last:
        return plain(last["content"])
    if isinstance(last, (list, tuple)) and len(last) == 2:
        return plain(last[1])
    return plain(last)
