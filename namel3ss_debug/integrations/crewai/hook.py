"""CrewAI: its flows, crews, tasks and agents as spans, through the events its bus is given; its tools as
`tool` spans where they run, answered by a rerun.

Structure. CrewAI announces each flow and flow step, crew kickoff, task and agent execution on its event
bus (`crewai.events.crewai_event_bus`), and the bus pairs each ending event with the one that opened it.
The bus calls its handlers later, on a thread pool of its own, where no span can be made current for
the agent's LLM calls, so a handler would only watch: the bus's `emit`, called where the flow, crew, task
or agent runs, is wrapped instead (`crewai/events.py`). A flow or a crew is a `chain` span, a flow's step
or a crew's task a `chain` span (`chain_step`) under it, an agent's execution an `agent` span, current
while the agent runs, so the `llm` spans the HTTP transport records (CrewAI's own clients and LiteLLM
alike) and the tool spans nest under it.

Tools. An event only watches a tool, and a rerun must not run its body, so the methods CrewAI runs a
tool through are wrapped (`crewai/tools.py`): `BaseTool.run` (and `Tool.run`), what an agent calls for
each tool call a model asks for, and `CrewStructuredTool.invoke`, what its text (ReAct) loop calls. CrewAI
hands a tool no call id: a span is linked to the LLM call that asked by the tool's name and arguments.

Nothing of CrewAI is imported before the app does: this runs once `crewai` is imported, which has
loaded the modules hooked here.
"""

from __future__ import annotations

from types import ModuleType

STRUCTURE = "flows, crews, tasks and agents (crewai_event_bus.emit)"
TOOLS = "tools (BaseTool.run, CrewStructuredTool.invoke)"


def install(module: ModuleType) -> list[str]:
    """Hook `crewai`; the hook points this version lacks (each goes unrecorded, the app runs on)."""
    missing = []
    try:
        from .events import watch_bus  # noqa: PLC0415 - imports crewai: the app has

        watch_bus()
    except Exception as exc:  # this version announces its runs otherwise: its structure goes unrecorded
        missing.append(f"{STRUCTURE} ({type(exc).__name__}: {exc})")
    try:
        from .tools import wrap_tools  # noqa: PLC0415 - imports crewai: the app has

        wrap_tools()
    except Exception as exc:  # this version runs its tools otherwise: their calls go unrecorded
        missing.append(f"{TOOLS} ({type(exc).__name__}: {exc})")
    return missing


__all__ = ["install"]
