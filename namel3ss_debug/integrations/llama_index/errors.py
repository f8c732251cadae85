"""A tool error a LlamaIndex agent hands the model: a failed `tool` span, marked handled.

An agent workflow (`FunctionAgent`, `ReActAgent`, `CodeActAgent` through `BaseWorkflowAgent`, and
`AgentWorkflow`) runs each tool call in `_call_tool(ctx, tool, tool_input)`, which catches any exception
the tool raises (all but a human-in-the-loop wait) and returns a `ToolOutput` with `is_error=True`, the
exception's text as its content and the exception itself kept on it: the model reads that text and the run
goes on. `_call_tool` is the one place where that happens (private, so a version without it is one
warning and its errors stay plain failed spans), and it is wrapped to judge the tool span
(`integrations/judged.py`): the tool's exception leaves `FunctionTool.acall` in a span held open, which
ends failed with that exception (type, message, stack), `error.handled: true`, its outputs the error
`ToolOutput` the agent made, which is what a rerun gives back.
"""

from __future__ import annotations

from typing import Any

from ..judged import ajudged_method
from ..wrapping import wrap_once

MARK = "__namel3ss_debug__"


def wrap_call_tool(agent_class: type) -> None:
    """Wrap `agent_class._call_tool` (an agent workflow's); idempotent."""
    wrap_once(agent_class, "_call_tool", ajudged_method(_told, MARK), MARK)


def _told(output: Any) -> Any:
    """The error `ToolOutput` the agent made of the tool's exception; None for a tool's own result."""
    return output if getattr(output, "is_error", False) is True else None


__all__ = ["wrap_call_tool"]
