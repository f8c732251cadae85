"""`BaseTool.run` and `BaseTool.arun`, wrapped: each tool call a `tool` span, answered by a rerun.

`invoke` and `ainvoke` (and so LangGraph's `ToolNode`) call `run` / `arun` with the model's call id
(`tool_call_id`, from the `ToolCall` they were given). The span records the arguments the model gave
(the tool's `tool_call_schema` fields: not what LangGraph injects, state, store, runtime) and what the
app got: a `ToolMessage` when the tool was called with a `ToolCall`, else the tool's output. In a rerun
`RebuiltToolResult` rebuilds that from the recording and the tool's body, and its callbacks, do not run.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolMessage

from ...tracer.core import Tracer
from ..tools import arun_tool, run_tool
from ..wrapping import atraced_method, traced_method, wrap_once
from .callbacks import HANDLER
from .values import plain

FRAMEWORK = "langchain"
_MARK = "_namel3ss_debug"
_NOT_ARGUMENTS = frozenset({"callbacks", "run_manager", "config"})


@dataclass(frozen=True)
class RebuiltToolResult:
    """Rebuilds what a tool call gave the app from its recorded JSON: a `ToolMessage` as it was, or,
    for a mocked value, a `ToolMessage` carrying it (when the call had a call id: `ToolNode` wants
    one); without a call id, the value itself."""

    call_id: str | None
    name: str

    def decode(self, value: Any) -> Any:
        if isinstance(value, dict) and value.get("type") == "tool" and "tool_call_id" in value:
            return ToolMessage.model_validate(value)
        if self.call_id is None:
            return value
        content = value if isinstance(value, (str, list)) else json.dumps(value)
        return ToolMessage(content=content, tool_call_id=self.call_id, name=self.name)


def wrap_tools(tool_class: type) -> None:
    """Wrap `tool_class.run` and `.arun` (`BaseTool`'s); idempotent."""
    for name, wrap in (("run", traced_method(_run, _MARK)), ("arun", atraced_method(_arun, _MARK))):
        wrap_once(tool_class, name, wrap, _MARK)


def _run(tracer: Tracer, invoke: Callable[[], Any], tool: Any, /, tool_input: Any, *args: Any, **kwargs: Any) -> Any:
    call_id, name = kwargs.get("tool_call_id"), str(tool.name)
    return run_tool(tracer, FRAMEWORK, name, arguments(tool, tool_input), invoke,
                    call_id=call_id, codec=RebuiltToolResult(call_id, name), parent_id=parent_id(kwargs))


async def _arun(tracer: Tracer, invoke: Callable[[], Awaitable[Any]], tool: Any, /, tool_input: Any, *args: Any,
                **kwargs: Any) -> Any:
    call_id, name = kwargs.get("tool_call_id"), str(tool.name)
    return await arun_tool(tracer, FRAMEWORK, name, arguments(tool, tool_input), invoke,
                           call_id=call_id, codec=RebuiltToolResult(call_id, name), parent_id=parent_id(kwargs))


def parent_id(kwargs: dict[str, Any]) -> str | None:
    """The span of ours the run calling the tool is under (a graph node), from the callbacks
    `invoke` hands `run`; None: under the current span."""
    try:
        parent_run_id = getattr(kwargs.get("callbacks"), "parent_run_id", None)
        owner = HANDLER.parent_for(parent_run_id)
        return owner.span_id if owner is not None else None
    except Exception:  # ours: the tool's span goes under the current span
        return None


def arguments(tool: Any, tool_input: Any) -> dict[str, Any]:
    """The arguments the model gave: `tool_input` without the values the framework injects."""
    if not isinstance(tool_input, dict):
        return {"input": plain(tool_input)}
    fields = _schema_fields(tool)
    return {str(key): plain(value) for key, value in tool_input.items()
            if (key in fields if fields is not None else key not in _NOT_ARGUMENTS)}


def _schema_fields(tool: Any) -> frozenset[str] | None:
    """The fields of the tool's `tool_call_schema` (memoized by langchain-core); None when unknown."""
    try:
        schema = tool.tool_call_schema
        if isinstance(schema, dict):
            return frozenset(schema.get("properties") or ())
        return frozenset(schema.model_fields)
    except Exception:  # a schema it cannot build: every argument but the framework's own
        return None
