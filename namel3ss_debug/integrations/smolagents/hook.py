"""smolagents' agents and tool calls as spans, through the methods every run and tool call goes through.

smolagents has no callback that could answer a tool call (its `step_callbacks` see a step once it is
over, and its OpenTelemetry instrumentation lives in another package), so the seams are its agents'
own public methods:

- `MultiStepAgent.run` (every agent: `ToolCallingAgent`, `CodeAgent`, a managed agent called by its
  manager; its steps streamed or not): an `agent` span over the run, current while it runs, so the LLM
  calls the HTTP transport records and the tool spans nest under it (`smolagents/runs.py`);
- `ToolCallingAgent.process_tool_calls` hands over the model's message before any of its tool calls
  runs: the model's call ids are noted there, by tool name and arguments; `ToolCallingAgent.
  execute_tool_call`, where each call runs (the step's threads included), is a `tool` span with that
  id (`smolagents/toolcalls.py`), answered from the recording in a rerun without running the tool.

A `final_answer` call is a tool call the model asks for like any other: it is a `tool` span too. A
managed agent called as a tool is not one: its run is an `agent` span of its own, its parts answered.
A `CodeAgent`'s tools are called by the code the model wrote, with no call of the model's to link
them to: they run as they are, not recorded. Nothing of smolagents is imported before the app does.
"""

from __future__ import annotations

from types import ModuleType

# The hook points: (class, method) on the module `import smolagents` loaded.
HOOK_POINTS = (("MultiStepAgent", "run"), ("ToolCallingAgent", "process_tool_calls"),
               ("ToolCallingAgent", "execute_tool_call"))


def install(module: ModuleType) -> list[str]:
    """Wrap the run and tool-call methods; the hook points this smolagents lacks (nothing done then)."""
    missing = [f"{owner}.{method}" for owner, method in HOOK_POINTS
               if not callable(getattr(getattr(module, owner, None), method, None))]
    if missing:
        return missing
    from .runs import with_agent_span  # noqa: PLC0415 - only once the app imported smolagents
    from .toolcalls import noting_call_ids, recording_tool_calls  # noqa: PLC0415 - as above

    _replace(module.MultiStepAgent, "run", with_agent_span)
    _replace(module.ToolCallingAgent, "process_tool_calls", noting_call_ids)
    _replace(module.ToolCallingAgent, "execute_tool_call", recording_tool_calls)
    return []


def _replace(owner: type, method: str, wrap: object) -> None:
    original = getattr(owner, method)
    if not getattr(original, "__namel3ss_debug__", False):
        setattr(owner, method, wrap(original))  # type: ignore[operator]


__all__ = ["install"]
