"""The capability each pydantic-ai agent run is given while tracing: an `agent` span around the run, a
`tool` span around each tool call.

Imported by `hook.install`, once the app has imported pydantic-ai: this module imports it.

- agent: `wrap_run` runs in a task of pydantic-ai's own; the span it makes current there is carried to
  the task that runs the run's body (pydantic-ai copies the ContextVars `wrap_run` set), so the LLM
  calls the transport records, and the tool calls, nest under it. Inputs: the prompt; outputs: the
  run's output under `return`; attrs: the framework and the model's name.
- tool: the run's toolset is wrapped innermost (our capability comes last: a run's capabilities follow
  the agent's, and the first wraps outermost), so other capabilities' toolset wrappers and tool hooks
  still run in a rerun, and only the tool's body is answered from the recording. The span is named
  after the tool as the model called it, inputs the validated arguments, `attrs.tool_call_id` the
  model's `ToolCallPart.tool_call_id` (pydantic-ai gives it to the call's `RunContext`). A tool that
  raises fails its span with that exception and its stack; `ModelRetry` and `ToolFailed`, which
  pydantic-ai always turns into a message for the model (a retry prompt, a failed tool result), are
  marked `error.handled`, and a rerun raises them again for pydantic-ai to turn into the same message.
  Any other exception a capability's `on_tool_execute_error` may turn into the tool's result: the tool
  execution is one judged step (`wrap_tool_execute`, innermost, around pydantic-ai's execute-and-recover),
  so the span waits; our `after_tool_execute`, the first to see a recovered result, ends it handled with
  that result (what a rerun gives back), and an exception nothing recovered ends it as it raised.

pydantic-ai runs the tool calls of one response as asyncio tasks, created in the order the model
emitted the calls, after validating them all; the tool spans open in that order under the agent span.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_ai import exceptions
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.toolsets import WrapperToolset

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, acall
from ..judged import judging, open_step
from ..tools import arun_tool

FRAMEWORK = "pydantic_ai"
DEFAULT_AGENT = "agent"  # an agent with no name, and none pydantic-ai could infer
MARK = "__namel3ss_debug__"
DURABLE = "BaseDurabilityCapability"  # pydantic_ai.durable_exec's base class, known by name: not imported
RUN = Shape(lambda result: {"return": getattr(result, "output", result)})
# What pydantic-ai turns into a message for the model when a tool raises it (ToolFailed: 2.x).
TOLD_THE_MODEL = tuple(getattr(exceptions, name) for name in ("ModelRetry", "ToolFailed") if hasattr(exceptions, name))


def with_capability(original: Callable[..., Any]) -> Callable[..., Any]:
    """`Agent.iter`, giving each run a `DebugCapability` through its `capabilities` argument while tracing."""

    @functools.wraps(original)
    def iter(self: Any, *args: Any, **kwargs: Any) -> Any:
        if get_tracer().run is not None and not _durable(self):
            kwargs["capabilities"] = _added(kwargs.get("capabilities"))
        return original(self, *args, **kwargs)

    setattr(iter, MARK, True)
    return iter


def _durable(agent: Any) -> bool:
    """Whether the agent runs under a durable engine (Temporal, DBOS, Prefect...), which refuses a
    capability added for one run inside its workflows: such an agent is left alone. True when it cannot
    be told, so that the app never gets that refusal from us."""
    found: list[bool] = []

    def visit(capability: Any) -> None:
        while capability is not None:
            if any(cls.__name__ == DURABLE for cls in type(capability).__mro__):
                found.append(True)
            capability = getattr(capability, "wrapped", None)

    try:
        agent.root_capability.apply(visit)
    except Exception as exc:  # not an Agent as 2.68 has it
        get_tracer().note_failure(exc)
        return True
    return bool(found)


def _added(capabilities: Any) -> Any:
    given = list(capabilities or ())
    if any(isinstance(capability, DebugCapability) for capability in given):
        return capabilities
    return [*given, DebugCapability()]


@dataclass
class DebugCapability(AbstractCapability[Any]):  # type: ignore[misc]  # pydantic-ai's class: Any to mypy (pyproject)
    """Records the run as an `agent` span, and its tool calls as `tool` spans."""

    async def wrap_run(self, ctx: Any, *, handler: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await handler()
        name, inputs, attrs = _agent_of(tracer, ctx)
        return await acall(tracer, ForeignSpec("agent", name, replayable=False), RUN, inputs, handler, attrs=attrs)

    def get_wrapper_toolset(self, toolset: Any) -> Any:
        return RecordingToolset(toolset)

    async def wrap_tool_execute(self, ctx: Any, *, call: Any, tool_def: Any, args: Any, handler: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await handler(args)
        with judging() as step:
            try:
                return await handler(args)
            finally:
                step.settle(tracer)  # a failure no capability recovered (a recovered one is settled already)

    async def after_tool_execute(self, ctx: Any, *, call: Any, tool_def: Any, args: Any, result: Any) -> Any:
        step = open_step()
        if step is not None:  # the tool raised and a capability recovered: handled, with what it made
            step.settle(get_tracer(), result)
        return result


def _agent_of(tracer: Any, ctx: Any) -> tuple[str, Any, dict[str, Any]]:
    """The agent span's name, inputs and attrs, from the run's context."""
    try:
        agent = getattr(ctx, "agent", None)
        name = str(getattr(agent, "name", None) or DEFAULT_AGENT)
        attrs = {"framework": FRAMEWORK}
        model = getattr(getattr(ctx, "model", None), "model_name", None)
        if model:
            attrs["model"] = str(model)
        return name, {"prompt": getattr(ctx, "prompt", None)}, attrs
    except Exception as exc:  # pydantic-ai changed its RunContext: the span opens all the same
        tracer.note_failure(exc)
        return DEFAULT_AGENT, None, {"framework": FRAMEWORK}


@dataclass
class RecordingToolset(WrapperToolset[Any]):  # type: ignore[misc]  # pydantic-ai's class: Any to mypy (pyproject)
    """The run's toolset, each tool call a `tool` span (answered by the recording in a rerun)."""

    async def call_tool(self, name: str, tool_args: dict[str, Any], ctx: Any, tool: Any) -> Any:
        tracer = get_tracer()

        def invoke() -> Any:
            return self.wrapped.call_tool(name, tool_args, ctx, tool)

        if tracer.run is None:
            return await invoke()
        return await arun_tool(tracer, FRAMEWORK, name, tool_args, invoke,
                               call_id=getattr(ctx, "tool_call_id", None), codec=return_codec(tool),
                               handled=TOLD_THE_MODEL)


def return_codec(tool: Any) -> Any:
    """The tool function's return class when a recorded JSON value must be rebuilt into it (a pydantic
    model or a dataclass), else None: the recorded value is given back as it is."""
    function = getattr(getattr(getattr(tool, "call_func", None), "__self__", None), "function", None)
    try:
        returned = getattr(function, "__annotations__", {}).get("return")
    except Exception:  # an object whose annotations cannot be read
        return None
    if isinstance(returned, type) and (dataclasses.is_dataclass(returned) or hasattr(returned, "model_validate")):
        return returned
    return None


__all__ = ["DebugCapability", "RecordingToolset", "with_capability"]
