"""LangChain and LangGraph: graph runs, graph nodes and retrievers as spans, through a callback
handler of ours that langchain-core adds beside the app's own; tools as `tool` spans where they run.

Structure. The handler goes in through langchain-core's public configure hook
(`langchain_core.tracers.context.register_configure_hook`, the way LangSmith's tracer does), so every
run gets it with no change to the app and beside the callbacks the app passes. It keeps the tree
readable: the outermost run of an `invoke` (a compiled graph, a chain) is a `chain` span, each
LangGraph node a `chain_step` span (`langgraph_node`, `langgraph_step` from the run's metadata), a
retriever a `custom_retrieval` span; LangChain's internal runnables make none. While a node runs its
span is the current one, so the `llm` spans the HTTP transport records nest under it. A graph that runs
its tools through a `ToolNode` (`create_react_agent`'s, a `StateGraph`'s own) is an agent: an `agent` span
under the graph's holds its steps (`langchain/graphs.py`, which wraps `Pregel.stream` and `astream`).

Tools. Callbacks only watch, and a rerun must not run a tool's body, so `BaseTool.run` and
`BaseTool.arun` (public, the path of `invoke`, `ainvoke` and LangGraph's `ToolNode`) are wrapped:
each call becomes a `tool` span (`integrations/tools.py`) with the model's call id, answered by the
rerun from the recording. A tool's exception LangGraph's `ToolNode` turns into a `ToolMessage` for the
model is a handled failure of that span, the message its result (`langchain/tool_node.py`).

All wait for langchain-core to load the module they hook (`tracer.imports.when_imported`): the
configure hook lives in a module langchain-core imports only when it first configures callbacks.
"""

from __future__ import annotations

from types import ModuleType

from ...tracer.imports import when_imported
from ..frameworks import guarded

HOOK_POINTS = {
    "langchain_core.tracers.context": "graph runs, nodes and retrievers (register_configure_hook)",
    "langchain_core.tools.base": "tools (BaseTool.run, BaseTool.arun)",
    "langgraph.prebuilt.tool_node": "tool errors a ToolNode hands the model (ToolNode._execute_tool_sync, "
                                    "_execute_tool_async)",
    "langgraph.pregel.main": "graphs that run tools, as agents (Pregel.stream, Pregel.astream)",
}


def install(module: ModuleType) -> list[str]:
    """Hook `langchain_core` as its modules load; a hook point missing then is a warning on stderr."""
    for name, hook in (("langchain_core.tracers.context", _install_callbacks),
                       ("langchain_core.tools.base", _install_tools),
                       ("langgraph.prebuilt.tool_node", _install_tool_node),
                       ("langgraph.pregel.main", _install_graphs)):
        when_imported(name, guarded("langchain_core", HOOK_POINTS[name], hook))
    return []


def _install_callbacks(context: ModuleType) -> None:
    from .callbacks import install_handler  # noqa: PLC0415 - imports langchain_core, loaded by now

    install_handler(context)


def _install_tools(base: ModuleType) -> None:
    from .tools import wrap_tools  # noqa: PLC0415 - imports langchain_core, loaded by now

    wrap_tools(base.BaseTool)


def _install_tool_node(module: ModuleType) -> None:
    from .tool_node import wrap_tool_node  # noqa: PLC0415 - imports langchain_core, loaded by now

    wrap_tool_node(module.ToolNode)


def _install_graphs(module: ModuleType) -> None:
    from .graphs import wrap_graphs  # noqa: PLC0415 - imports nothing of LangGraph's but this module

    wrap_graphs(module.Pregel)
