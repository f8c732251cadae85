"""CrewAI's tools, wrapped where they run: each call a `tool` span, answered by a rerun.

- `BaseTool.run`, and `Tool.run` (the `@tool` decorator's class, which runs its function itself): what an
  agent calls for each tool call of a model's answer, whichever client asked (CrewAI's own or LiteLLM),
  with the model's arguments as keywords;
- `CrewStructuredTool.invoke` and `ainvoke`: what the text (ReAct) loop calls, for a model without
  function calling. They run the tool's `_run`, never `run`: a call is one span either way.

The span is named as the model knows the tool (`sanitize_tool_name`) and, CrewAI handing a tool no call
id, linked to the LLM call that asked for it by that name and the arguments. In a rerun the recorded
result is given back and the tool's body does not run, unless `--live-tools`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from crewai.tools.base_tool import BaseTool, Tool
from crewai.tools.structured_tool import CrewStructuredTool
from crewai.utilities.string_utils import sanitize_tool_name

from ...tracer.core import Tracer
from ..tools import arun_tool, run_tool
from ..wrapping import atraced_method, traced_method, wrap_once

FRAMEWORK = "crewai"
_MARK = "_namel3ss_debug"


def wrap_tools() -> None:
    """Wrap the methods a tool runs through; idempotent."""
    run, invoke, ainvoke = traced_method(_run, _MARK), traced_method(_invoke, _MARK), atraced_method(_ainvoke, _MARK)
    for owner, name, wrap in ((BaseTool, "run", run), (Tool, "run", run),
                              (CrewStructuredTool, "invoke", invoke), (CrewStructuredTool, "ainvoke", ainvoke)):
        wrap_once(owner, name, wrap, _MARK)


def _run(tracer: Tracer, invoke: Callable[[], Any], tool: Any, /, *args: Any, **kwargs: Any) -> Any:
    arguments = {**kwargs, "args": list(args)} if args else kwargs
    return run_tool(tracer, FRAMEWORK, tool_name(tool), arguments, invoke, link_by_arguments=True)


def _invoke(tracer: Tracer, invoke: Callable[[], Any], tool: Any, /, input: Any, *args: Any, **kwargs: Any) -> Any:
    return run_tool(tracer, FRAMEWORK, tool_name(tool), arguments_of(input), invoke, link_by_arguments=True)


async def _ainvoke(tracer: Tracer, invoke: Callable[[], Awaitable[Any]], tool: Any, /, input: Any, *args: Any,
                   **kwargs: Any) -> Any:
    return await arun_tool(tracer, FRAMEWORK, tool_name(tool), arguments_of(input), invoke, link_by_arguments=True)


def tool_name(tool: Any) -> str:
    """The tool's name as the model was offered it."""
    try:
        sanitized: str = sanitize_tool_name(str(tool.name))
        return sanitized
    except Exception:  # a name CrewAI cannot sanitize: as the tool gives it
        return str(tool.name)


def arguments_of(given: Any) -> Any:
    """`invoke`'s input as the arguments it stands for: a dict, or JSON text read as one."""
    if isinstance(given, str):
        try:
            return json.loads(given)
        except ValueError:
            return given
    return given
