"""A framework's tool call as one `tool` span, replayed like a `@trace_tool_call` function.

A framework hook (openai-agents, LangChain, pydantic-ai, MCP) hands over the tool's name, its
arguments, the id the model gave the call, and how to run it. The span records the arguments as its
inputs and the result under `outputs.return`; `attrs.tool_call_id` is the model's id and
`attrs.llm_span_id` the LLM call whose answer asked for it (`tracer.asks`). In `replay --rerun` the
recorded result (or error) is given back and the tool's body does not run, unless `--live-tools`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ..tracer.core import Tracer
from .calls import ForeignSpec, Shape, acall, call

RESULT = Shape(lambda result: {"return": result})


def tool_attrs(tracer: Tracer, framework: str, call_id: str | None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tool span's attrs: which framework ran it, the model's call id, and the LLM call that asked."""
    attrs: dict[str, Any] = {"framework": framework}
    if call_id:
        attrs["tool_call_id"] = call_id
        run = tracer.run
        asker = run.asks.asker(call_id) if run is not None else None
        if asker is not None:
            attrs["llm_span_id"] = asker
    if extra:
        attrs.update(extra)
    return attrs


def run_tool(tracer: Tracer, framework: str, name: str, arguments: Any, invoke: Callable[[], Any], *,
             call_id: str | None = None, codec: Any = None, attrs: dict[str, Any] | None = None,
             parent_id: str | None = None) -> Any:
    """Run a tool's body in a `tool` span named `name`, or give back the rerun's answer instead."""
    if tracer.run is None:
        return invoke()
    return call(tracer, ForeignSpec("tool", name, codec=codec), RESULT, arguments, invoke,
                attrs=tool_attrs(tracer, framework, call_id, attrs), parent_id=parent_id)


async def arun_tool(tracer: Tracer, framework: str, name: str, arguments: Any,
                    invoke: Callable[[], Awaitable[Any]], *, call_id: str | None = None, codec: Any = None,
                    attrs: dict[str, Any] | None = None, parent_id: str | None = None) -> Any:
    """`run_tool` for a tool whose body is a coroutine."""
    if tracer.run is None:
        return await invoke()
    return await acall(tracer, ForeignSpec("tool", name, codec=codec), RESULT, arguments, invoke,
                       attrs=tool_attrs(tracer, framework, call_id, attrs), parent_id=parent_id)
