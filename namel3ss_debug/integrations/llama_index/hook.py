"""LlamaIndex (llama-index-core 0.14 and its workflows): agent and workflow runs as spans through its
instrumentation dispatcher; `FunctionTool` calls as `tool` spans where they run.

Structure. A span handler of ours goes on the root dispatcher (`llama_index.core.instrumentation.
get_dispatcher().add_span_handler`, the seam Arize and Langfuse use), beside the app's own handlers. A
workflow's run (the span llama-index-workflows opens around its control loop) becomes an `agent`
span when the workflow is an agent (`FunctionAgent`, `ReActAgent`, `CodeActAgent`, `AgentWorkflow`),
else a `chain` span whose steps are `chain_step` spans. The run's span is current while its steps
run, so the `llm` spans the HTTP transport records and the tool spans nest under it.
(`llama_index/spans.py`.)

Tools. A span handler only watches, and a rerun must not run a tool's body, so `FunctionTool.call`
and `FunctionTool.acall` (what agents call, and what `FunctionTool.from_defaults` and a plain
function given as a tool become) are wrapped: each call a `tool` span with the model's call id, which
the agent's `call_tool` step carries (`llama_index/tools.py`). Other tool classes (a
`QueryEngineTool`...) are not wrapped: their calls are left to the tool spans paired on the wire.
A tool error an agent hands the model (an `is_error` `ToolOutput` made by the agent's `_call_tool`) is a
failed tool span marked `error.handled`, with the tool's exception (`llama_index/errors.py`).

Both wait for llama-index-core to load the module they hook (`tracer.imports.when_imported`).
"""

from __future__ import annotations

import functools
from types import ModuleType

from ...tracer.imports import when_imported
from ..frameworks import guarded

PACKAGE = "llama_index.core"
# The agent workflows whose `_call_tool` hands a tool's error to the model: (module, class).
AGENT_CLASSES = (("llama_index.core.agent.workflow.base_agent", "BaseWorkflowAgent"),
                 ("llama_index.core.agent.workflow.multi_agent_workflow", "AgentWorkflow"))
HOOK_POINTS = {
    "llama_index.core.instrumentation": "agent and workflow runs (the root dispatcher's span handlers)",
    "llama_index.core.tools.function_tool": "tools (FunctionTool.call, FunctionTool.acall)",
    "llama_index.core.agent.workflow.base_agent": "tool errors (BaseWorkflowAgent._call_tool)",
    "llama_index.core.agent.workflow.multi_agent_workflow": "tool errors (AgentWorkflow._call_tool)",
}


def install(module: ModuleType) -> list[str]:
    """Hook llama-index-core as its modules load; a hook point missing then is a warning on stderr."""
    when_imported("llama_index.core.instrumentation",
                  guarded(PACKAGE, HOOK_POINTS["llama_index.core.instrumentation"], _install_spans))
    when_imported("llama_index.core.tools.function_tool",
                  guarded(PACKAGE, HOOK_POINTS["llama_index.core.tools.function_tool"], _install_tools))
    for module_name, class_name in AGENT_CLASSES:
        when_imported(module_name, guarded(PACKAGE, HOOK_POINTS[module_name],
                                           functools.partial(_install_errors, class_name)))
    return []


def _install_spans(instrumentation: ModuleType) -> None:
    from .spans import install_handler  # noqa: PLC0415 - imports llama-index, loaded by now

    install_handler(instrumentation.get_dispatcher())


def _install_errors(class_name: str, module: ModuleType) -> None:
    from .errors import wrap_call_tool  # noqa: PLC0415 - imports llama-index, loaded by now

    wrap_call_tool(getattr(module, class_name))


def _install_tools(function_tool: ModuleType) -> None:
    from .tools import wrap_tools  # noqa: PLC0415 - imports llama-index, loaded by now

    wrap_tools(function_tool.FunctionTool)


__all__ = ["install"]
