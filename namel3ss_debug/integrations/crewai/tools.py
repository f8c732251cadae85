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

import functools
import json
from collections.abc import Callable
from typing import Any

from crewai.tools.base_tool import BaseTool, Tool
from crewai.tools.structured_tool import CrewStructuredTool
from crewai.utilities.string_utils import sanitize_tool_name

from ...tracer.api import get_tracer
from ..tools import arun_tool, run_tool
from ..wrapping import wrap_once

FRAMEWORK = "crewai"
_MARK = "_namel3ss_debug"


def wrap_tools() -> None:
    """Wrap the methods a tool runs through; idempotent."""
    for owner, name, wrap in ((BaseTool, "run", _run), (Tool, "run", _run),
                              (CrewStructuredTool, "invoke", _invoke), (CrewStructuredTool, "ainvoke", _ainvoke)):
        wrap_once(owner, name, wrap, _MARK)


def _run(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, *args, **kwargs)
        arguments = {**kwargs, "args": list(args)} if args else kwargs
        return run_tool(tracer, FRAMEWORK, tool_name(self), arguments, lambda: original(self, *args, **kwargs),
                        link_by_arguments=True)

    setattr(run, _MARK, True)
    return run


def _invoke(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def invoke(self: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, input, *args, **kwargs)
        return run_tool(tracer, FRAMEWORK, tool_name(self), arguments_of(input),
                        lambda: original(self, input, *args, **kwargs), link_by_arguments=True)

    setattr(invoke, _MARK, True)
    return invoke


def _ainvoke(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def ainvoke(self: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await original(self, input, *args, **kwargs)
        return await arun_tool(tracer, FRAMEWORK, tool_name(self), arguments_of(input),
                               lambda: original(self, input, *args, **kwargs), link_by_arguments=True)

    setattr(ainvoke, _MARK, True)
    return ainvoke


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
