"""AutoGen (autogen-core and AgentChat 0.7): its tools, agents and teams as spans, where they run.

Tools. autogen-core runs every tool through `BaseTool.run_json(args, cancellation_token, call_id)`: an
AgentChat agent's workbench (`StaticWorkbench.call_tool`), its handoffs, and Core's `ToolAgent` all call
it, with the id the model gave the call. It is wrapped (`autogen/tools.py`): each call is a `tool` span
with the model's call id, answered by a rerun from the recording without running the tool's body. A
tool that raises in a workbench, which hands the model the error's text and goes on, is a failed span
marked `error.handled` (the workbench's `call_tool` and `call_tool_stream` are wrapped to know it).

Agents and teams. Every way of running an AgentChat agent (`run`, `run_stream`, `on_messages`, a team's
turn) goes through its class's `on_messages_stream`; a team's `run` goes through `run_stream`. Those are
wrapped as each class is defined (`autogen/classes.py` says why then; `autogen/agents.py`): an `agent`
span per agent turn and a `chain` span per team run, current while they work, so the `llm` spans the HTTP
transport records and the tool spans nest under them. They run in a rerun too; only their LLM and tool
calls are answered.

autogen-core's own OpenTelemetry spans (with an SDK provider) only watch, and would repeat what the hook
records: once the tools are hooked its `execute_tool` spans are left out by the OpenTelemetry processor
(`otel/hooked.py`), once the agents are its `invoke_agent` spans. `create_agent` spans stay (as `custom`):
agent creation is nothing the hook records.

Nothing of AutoGen is imported on the app's behalf: the tools wait for `autogen_core.tools` to load.
"""

from __future__ import annotations

from types import ModuleType

from ...tracer.imports import when_imported
from ..frameworks import guarded
from ..otel.hooked import hooked_scope

SCOPE = "autogen-core"  # the instrumentation scope of autogen-core's OpenTelemetry spans
TOOLS, AGENTS = "tools (BaseTool.run_json, StaticWorkbench.call_tool)", "agents and teams (ComponentBase subclasses)"


def install(module: ModuleType) -> list[str]:
    """Hook AutoGen's agents and teams now and its tools once they load; the hook points missing."""
    when_imported("autogen_core.tools", guarded("autogen_core", TOOLS, _install_tools))
    try:
        from .classes import watch_components  # noqa: PLC0415 - imports autogen_core, loaded by now

        watch_components(module.ComponentBase)
    except Exception as exc:  # this version has no ComponentBase to watch: its agents go unrecorded
        return [f"{AGENTS} ({type(exc).__name__}: {exc})"]
    hooked_scope(SCOPE, "agent")  # autogen-core's `invoke_agent` spans would repeat ours
    return []


def _install_tools(tools: ModuleType) -> None:
    """Wrap `BaseTool.run_json` and the workbenches that call it. A version without them: one warning, its
    tools seen as OpenTelemetry sees them."""
    from .tools import wrap_run_json, wrap_workbench  # noqa: PLC0415 - imports autogen_core, loaded by now

    wrap_run_json(tools.BaseTool)
    wrap_workbench(tools.StaticWorkbench, tools.StaticStreamWorkbench)
    hooked_scope(SCOPE, "tool")  # autogen-core's `execute_tool` spans would repeat ours


__all__ = ["install"]
