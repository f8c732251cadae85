"""`FunctionTool.call` and `FunctionTool.acall`, wrapped: each tool call a `tool` span, answered by a rerun.

An agent's `call_tool` step calls `acall(**arguments)` with the arguments the model gave; the model's
call id is on the step's `ToolCall` event, which the span handler hands over (`spans.ASKED`). An id no
LLM call of the run asked for is one LlamaIndex made up (`ReActAgent` and `CodeActAgent` parse their
tool calls from text and give each a uuid) and is not used. A call with no id (or a made-up one) is
linked to the LLM call that asked for it by name and arguments.

The wrapper goes inside the dispatcher's own span of the call (`dispatcher.span`, re-applied to it), so
the app's span handlers still see the tool's span in a rerun, where only the body is answered. The span
records the arguments (without the workflow `Context` a tool may ask for) and the `ToolOutput` the agent
got; in a rerun `ToolOutputCodec` rebuilds it from the recording.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from llama_index.core.instrumentation import DISPATCHER_SPAN_DECORATED_ATTR, get_dispatcher
from llama_index.core.tools.types import ToolOutput

from ...tracer.core import Tracer
from ...tracer.serialize import to_jsonable
from ..tools import arun_tool, run_tool
from ..wrapping import atraced_method, traced_method, wrap_once
from .spans import ASKED, FRAMEWORK

MARK = "__namel3ss_debug__"


@dataclass(frozen=True)
class ToolOutputCodec:
    """Rebuilds the `ToolOutput` a tool call gave from its recorded JSON; a mocked plain value becomes
    a `ToolOutput` of that text."""

    name: str

    def decode(self, value: Any) -> Any:
        if isinstance(value, dict) and "tool_name" in value and "blocks" in value:
            return ToolOutput.model_validate(value)
        content = value if isinstance(value, str) else json.dumps(value)
        return ToolOutput(tool_name=self.name, content=content, raw_input={}, raw_output=value)


def wrap_tools(tool_class: type) -> None:
    """Wrap `tool_class.call` and `.acall` (`FunctionTool`'s); idempotent."""
    for name, wrap in (("call", traced_method(_call, MARK)), ("acall", atraced_method(_acall, MARK))):
        wrap_once(tool_class, name, functools.partial(_inside_span, tool_class, wrap=wrap), MARK)


def _inside_span(tool_class: type, original: Any, wrap: Callable[[Any], Any]) -> Any:
    """`wrap` around the method's body, under the dispatcher span the method had (when it had one)."""
    body = getattr(original, "__wrapped__", None) if hasattr(original, DISPATCHER_SPAN_DECORATED_ATTR) else None
    if body is None:
        return wrap(original)
    wrapped = wrap(body)
    wrapped.__dict__.pop(DISPATCHER_SPAN_DECORATED_ATTR, None)  # copied from the body by functools.wraps
    return get_dispatcher(tool_class.__module__).span(wrapped)


def _call(tracer: Tracer, invoke: Callable[[], Any], tool: Any, /, *args: Any, **kwargs: Any) -> Any:
    name = tool_name(tool)
    call_id = asked_id(tracer, name)
    return run_tool(tracer, FRAMEWORK, name, arguments(tool, args, kwargs), invoke, call_id=call_id,
                    codec=ToolOutputCodec(name), link_by_arguments=call_id is None)


async def _acall(tracer: Tracer, invoke: Callable[[], Awaitable[Any]], tool: Any, /, *args: Any,
                 **kwargs: Any) -> Any:
    name = tool_name(tool)
    call_id = asked_id(tracer, name)
    return await arun_tool(tracer, FRAMEWORK, name, arguments(tool, args, kwargs), invoke, call_id=call_id,
                           codec=ToolOutputCodec(name), link_by_arguments=call_id is None)


def tool_name(tool: Any) -> str:
    try:
        return str(tool.metadata.get_name())
    except Exception:  # a tool without metadata as 0.14 has it
        return type(tool).__name__


def asked_id(tracer: Any, name: str) -> str | None:
    """The model's id for this call, when an agent's step is making a call of this tool with an id an
    LLM call of this run asked for."""
    asked = ASKED.get()
    if asked is None or asked[0] != name or tracer.run is None:
        return None
    return asked[1] if tracer.run.asks.asker(asked[1]) is not None else None


def arguments(tool: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments the model gave: the keyword arguments without the workflow `Context`."""
    context = getattr(tool, "ctx_param_name", None)
    given = {str(key): to_jsonable(value) for key, value in kwargs.items() if key != context}
    return {"args": to_jsonable(list(args)), **given} if args else given
