"""`BaseTool.run_json`, wrapped: each AutoGen tool call a `tool` span, answered by a rerun.

`run_json` is where autogen-core runs a tool for everyone (an agent's workbench, its handoffs, Core's
`ToolAgent`), given the arguments as the model sent them and the model's call id. The span records
those arguments and what `run_json` returned (the tool's own value, before the workbench makes text of
it), and is linked to the LLM call that asked by that id; a call made with no id (an app calling
`run_json` itself) is linked by the tool's name and arguments. In a rerun the recorded value is given
back, rebuilt into the tool's return class when that is a pydantic model, and the body does not run.

Handled errors. autogen-core's `StaticWorkbench` (an AgentChat agent's tools) catches any `Exception` a
tool raises and gives the model its text as an `is_error` result, and the turn goes on. Its `call_tool`
and `call_tool_stream` are wrapped to say so to the `run_json` they call (`_IN_WORKBENCH`): the span of a
tool that raised there ends failed with the exception (type, message, stack) and `error.handled: true`,
and a rerun raises it again for the workbench to make the same text. A tool raising outside a workbench
(a handoff, an app's own `run_json`) ends failed, unmarked: what becomes of its exception is the caller's.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel

from ...tracer.api import get_tracer
from ..tools import arun_tool
from ..wrapping import wrap_once

FRAMEWORK = "autogen"
_MARK = "_namel3ss_debug"
HANDLED = (Exception,)  # what a workbench turns into an error result for the model
# True while a workbench runs a tool: the tool's exception becomes that result (see the docstring).
_IN_WORKBENCH: ContextVar[bool] = ContextVar("namel3ss_debug_autogen_workbench", default=False)


def wrap_run_json(tool_class: type[Any]) -> None:  # autogen-core's BaseTool
    """Wrap `tool_class.run_json` (`BaseTool`'s); idempotent."""
    wrap_once(tool_class, "run_json", _recorded, _MARK)


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
                               codec=return_codec(self), link_by_arguments=not call_id,
                               handled=HANDLED if _IN_WORKBENCH.get() else ())

    setattr(run_json, _MARK, True)
    return run_json


def wrap_workbench(static: type[Any], stream: type[Any]) -> None:  # StaticWorkbench, StaticStreamWorkbench
    """Wrap the workbenches' `call_tool` and `call_tool_stream`, which turn a tool's exception into an error
    result for the model; idempotent."""
    call_tool = static.__dict__["call_tool"]
    if not getattr(call_tool, _MARK, False):
        static.call_tool = _in_workbench(call_tool)
    call_tool_stream = stream.__dict__["call_tool_stream"]
    if not getattr(call_tool_stream, _MARK, False):
        stream.call_tool_stream = _in_workbench_stream(call_tool_stream)


def _in_workbench(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def call_tool(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _IN_WORKBENCH.set(True)  # the task running run_json copies it
        try:
            return await original(self, *args, **kwargs)
        finally:
            _IN_WORKBENCH.reset(token)

    setattr(call_tool, _MARK, True)
    return call_tool


def _in_workbench_stream(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def call_tool_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        items = original(self, *args, **kwargs)
        try:
            while True:
                token = _IN_WORKBENCH.set(True)  # set and reset within each step: the consumer's task may change
                try:
                    item = await items.__anext__()
                except StopAsyncIteration:
                    return
                finally:
                    _IN_WORKBENCH.reset(token)
                yield item
        finally:
            await items.aclose()

    setattr(call_tool_stream, _MARK, True)
    return call_tool_stream


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


__all__ = ["FRAMEWORK", "wrap_run_json", "wrap_workbench"]
