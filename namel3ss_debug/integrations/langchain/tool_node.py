"""LangGraph's `ToolNode`: a tool's exception it hands the model as a `ToolMessage` is a handled failure.

`ToolNode` runs each tool call through `_execute_tool_sync` / `_execute_tool_async`, which call the tool
(`BaseTool.run` / `arun`, a `tool` span of `tools.py`) and catch what it raises: as `handle_tool_errors`
says, the exception becomes a `ToolMessage(status="error")` for the model, or goes on. Those two methods
are wrapped so the tool's span waits for that verdict (`integrations/judged.py`): it ends failed with the
tool's own exception and stack, `error.handled: true` and the message as its result when the node made
one, else failed as it raised. A rerun gives the recorded message back from `run`, as the node made it.

They are private: no public seam sees both the exception and the message. `wrap_tool_call`, the public
one, sees only the message, and adding one changes the node's error handling (an exception out of a
wrapper is handled by any truthy `handle_tool_errors`, a tuple of types included).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import ToolMessage

from ..judged import ajudged_method, judged_method
from ..wrapping import wrap_once

_MARK = "_namel3ss_debug"


def wrap_tool_node(tool_node_class: type) -> None:
    """Wrap `ToolNode._execute_tool_sync` and `_execute_tool_async`; idempotent."""
    for name, wrap in (("_execute_tool_sync", judged_method(_told, _MARK)),
                       ("_execute_tool_async", ajudged_method(_told, _MARK))):
        wrap_once(tool_node_class, name, wrap, _MARK)


def _told(result: Any) -> Any:
    """The tool's failure, handled when the node answered with an error `ToolMessage`: that message."""
    told = isinstance(result, ToolMessage) and getattr(result, "status", None) == "error"
    return result if told else None
