"""LangGraph: a graph that runs its tools through a `ToolNode` is an agent.

`create_react_agent` builds such a graph, and so does an app's own `StateGraph` with a model node and a
`ToolNode`: the graph's run is the agent's loop. The callback handler (`callbacks.py`) records the graph run as
a `chain` span and each node as a `chain_step`; for a graph that is an agent it also opens an `agent` span right
under the graph's, which holds every step (and so every model call and tool call the steps make) and ends just
before the graph's, failed with the graph's error when it failed.

Whether a graph is an agent is known only from the graph object, which LangGraph does not hand the callbacks: it
starts the graph's run from `Pregel.stream` / `Pregel.astream` (the path of `invoke` and `ainvoke` too) with the
config's `run_id`. Both are wrapped: while a run is traced, a graph with a `ToolNode` node is given a run id (the
config's own when it has one) and noted here under it; the handler takes the note when that run starts. A graph
with no `ToolNode` (its tools called by hand in a node, or none) gets no agent span, and its model calls stay in
the steps that made them.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NamedTuple
from uuid import uuid4

from ...tracer.api import get_tracer
from ..wrapping import wrap_once

_MARK = "_namel3ss_debug"
MAX_NOTED = 1024  # graph runs made but never started (a stream never read) are forgotten past this many
TOOL_NODE_MODULE = "langgraph.prebuilt.tool_node"


class AgentGraph(NamedTuple):
    """A graph run that is an agent: the name its run goes by and the tools its `ToolNode`s run."""

    name: str
    tools: tuple[str, ...]


_noted: dict[Any, AgentGraph] = {}  # run id -> the agent graph run it starts


def wrap_graphs(pregel_class: type) -> None:
    """Wrap `Pregel.stream` and `Pregel.astream`; idempotent."""
    for name in ("stream", "astream"):
        wrap_once(pregel_class, name, _noting, _MARK)


def agent_started(run_id: Any) -> AgentGraph | None:
    """The agent graph whose run `run_id` is, when it was noted: taken, so a run is told once."""
    return _noted.pop(run_id, None)


def _noting(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:  # `input`: LangGraph's name
        tracer = get_tracer()
        if tracer.run is not None:
            try:
                config = _noted_config(self, config)
            except Exception as exc:  # ours: the graph runs with no agent span
                tracer.note_failure(exc)
        return original(self, input, config, **kwargs)

    setattr(method, _MARK, True)
    return method


def _noted_config(graph: Any, config: Any) -> Any:
    """`config` with a run id for the graph's run, noted as an agent's, when the graph is one; else `config`."""
    tools = tool_names(graph)
    if tools is None:
        return config
    given = dict(config) if isinstance(config, dict) else {}
    run_id = given.get("run_id")
    if run_id is None:
        run_id = given["run_id"] = uuid4()
    name = given.get("run_name") or graph.get_name()
    while len(_noted) >= MAX_NOTED:
        del _noted[next(iter(_noted))]
    _noted[run_id] = AgentGraph(str(name), tools)
    return given


def tool_names(graph: Any) -> tuple[str, ...] | None:
    """The names of the tools a graph's `ToolNode` nodes run, in order; None when it has no `ToolNode`."""
    module = sys.modules.get(TOOL_NODE_MODULE)  # not loaded: no node can be one
    tool_node = getattr(module, "ToolNode", None)
    nodes = getattr(graph, "nodes", None)
    if tool_node is None or not isinstance(nodes, dict):
        return None
    runners = [node.bound for node in nodes.values() if isinstance(getattr(node, "bound", None), tool_node)]
    if not runners:
        return None
    return tuple(dict.fromkeys(str(name) for runner in runners for name in getattr(runner, "tools_by_name", {})))
