"""`BaseTool.run_json`, wrapped: each AutoGen tool call a `tool` span, answered by a rerun.

`run_json` is where autogen-core runs a tool for everyone (an agent's workbench, its handoffs, Core's
`ToolAgent`), given the arguments as the model sent them and the model's call id. The span records
those arguments and what `run_json` returned (the tool's own value, before the workbench makes text of
it), and is linked to the LLM call that asked by that id; a call made with no id (an app calling
`run_json` itself) is linked by the tool's name and arguments. In a rerun the recorded value is given
back, rebuilt into the tool's return class when that is a pydantic model, and the body does not run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ...tracer.api import get_tracer
from ..tools import arun_tool

FRAMEWORK = "autogen"
_MARK = "_namel3ss_debug"


def wrap_run_json(tool_class: type[Any]) -> None:  # autogen-core's BaseTool
    """Wrap `tool_class.run_json` (`BaseTool`'s); idempotent."""
    original = tool_class.__dict__["run_json"]
    if not getattr(original, _MARK, False):
        tool_class.run_json = _recorded(original)


def _recorded(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def run_json(self: Any, args: Mapping[str, Any], cancellation_token: Any, call_id: str | None = None,
                       **kwargs: Any) -> Any:
        def invoke() -> Any:
            return original(self, args, cancellation_token, call_id=call_id, **kwargs)

        tracer = get_tracer()
        if tracer.run is None:
            return await invoke()
        return await arun_tool(tracer, FRAMEWORK, str(self.name), _arguments(args), invoke, call_id=call_id,
                               codec=return_codec(self), link_by_arguments=not call_id)

    setattr(run_json, _MARK, True)
    return run_json


def _arguments(args: Any) -> Any:
    return dict(args) if isinstance(args, Mapping) else args


def return_codec(tool: Any) -> Any:
    """The tool's return class when it is a pydantic model (a recorded JSON object is rebuilt into it),
    else None: the recorded value is given back as it is."""
    try:
        returned = tool.return_type()
    except Exception:  # a tool of the app's that cannot say: its value is given back as recorded
        return None
    return returned if isinstance(returned, type) and issubclass(returned, BaseModel) else None


__all__ = ["FRAMEWORK", "wrap_run_json"]
