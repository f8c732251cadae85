"""A framework's tool call as one `tool` span, answered in a rerun like a `@trace_tool_call` function.

A framework hook (openai-agents, LangChain, pydantic-ai, MCP) hands over the tool's name, its
arguments, the id the model gave the call, and how to run it. The span records the arguments as its
inputs and the result under `outputs.return`; `attrs.tool_call_id` is the model's id and
`attrs.llm_span_id` the LLM call whose answer asked for it (`tracer.asks`). In `replay --rerun` the
recorded result (or error) is given back and the tool's body does not run, unless `--live-tools`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from ..tracer.core import Tracer
from .calls import ForeignSpec, Shape, acall, call, unwrapped

RESULT = Shape(lambda result: {"return": result})


def tool_attrs(tracer: Tracer, framework: str, call_id: str | None, extra: dict[str, Any] | None = None, *,
               name: str | None = None, arguments: Any = None) -> dict[str, Any]:
    """The tool span's attrs: which framework ran it, the model's call id, and the LLM call that asked.

    With no call id and a `name`, the call is matched by its name and arguments to the newest LLM call
    that asked for the same (`attrs.linked_by` says so)."""
    attrs: dict[str, Any] = {"framework": framework}
    run = tracer.run
    if call_id:
        attrs["tool_call_id"] = call_id
        asker = run.asks.asker(call_id) if run is not None else None
        if asker is not None:
            attrs["llm_span_id"] = asker
    elif name is not None and run is not None:
        claimed = run.asks.claim(name, arguments)
        if claimed is not None:
            if claimed[0] is not None:
                attrs["tool_call_id"] = claimed[0]
            attrs["llm_span_id"] = claimed[1]
            attrs["linked_by"] = "name_and_arguments"
    if extra:
        attrs.update(extra)
    return attrs


def run_tool(tracer: Tracer, framework: str, name: str, arguments: Any, invoke: Callable[[], Any], *,
             call_id: str | None = None, codec: Any = None, attrs: dict[str, Any] | None = None,
             parent_id: str | None = None, link_by_arguments: bool = False,
             handled: tuple[type[BaseException], ...] = ()) -> Any:
    """Run a tool's body in a `tool` span named `name`, or give back the rerun's answer instead. `invoke`
    may return `calls.Handled`: a failure the framework turned into a message for the model; `handled`
    names the exceptions the framework turns into one once they leave the tool (`ForeignSpec.handled`).
    `link_by_arguments`: a tool given no call id is linked to its LLM call by name and arguments."""
    if tracer.run is None:
        return unwrapped(invoke())
    return call(tracer, ForeignSpec("tool", name, codec=codec, handled=handled), RESULT, arguments, invoke,
                attrs=tool_attrs(tracer, framework, call_id, attrs, name=name if link_by_arguments else None,
                                 arguments=arguments),
                parent_id=parent_id)


async def arun_tool(tracer: Tracer, framework: str, name: str, arguments: Any,
                    invoke: Callable[[], Awaitable[Any]], *, call_id: str | None = None, codec: Any = None,
                    attrs: dict[str, Any] | None = None, parent_id: str | None = None,
                    link_by_arguments: bool = False, handled: tuple[type[BaseException], ...] = ()) -> Any:
    """`run_tool` for a tool whose body is a coroutine."""
    if tracer.run is None:
        return unwrapped(await invoke())
    return await acall(tracer, ForeignSpec("tool", name, codec=codec, handled=handled), RESULT, arguments, invoke,
                       attrs=tool_attrs(tracer, framework, call_id, attrs,
                                        name=name if link_by_arguments else None, arguments=arguments),
                       parent_id=parent_id)

