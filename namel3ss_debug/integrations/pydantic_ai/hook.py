"""pydantic-ai's agents and tools as spans, through its capabilities (`pydantic_ai.capabilities`).

Every run of an `Agent` (`run`, `run_sync`, `run_stream`, `iter`: all go through `Agent.iter`) is
given one more run capability, `pydantic_ai/capability.py`'s `DebugCapability`, by the `capabilities`
argument `Agent.iter` takes for that purpose:

- its `wrap_run` opens an `agent` span named after the agent (`agent` when it has no name) and makes it
  the current span for the run's body, so the `llm` spans the HTTP transport records nest under it;
- its `get_wrapper_toolset` wraps the run's toolset (a `WrapperToolset`), so each tool call is a
  `tool` span (`integrations/tools.py`) where the tool is called, with the model's
  `ToolCallPart.tool_call_id`; a rerun gives back the recorded result and the tool's body does not run.

pydantic-ai's OpenTelemetry instrumentation is not used: the OpenTelemetry hook would see those spans
too, and every call would be recorded twice. Nothing of pydantic-ai is imported before the app does.
"""

from __future__ import annotations

import inspect
from types import ModuleType

# Where our capability goes in: the method every way of running an agent goes through.
ITER = "Agent.iter"
# The capability hooks the recording needs (`AbstractCapability`'s).
HOOKS = ("wrap_run", "get_wrapper_toolset")


def install(module: ModuleType) -> list[str]:
    """Give every agent run our capability; the hook points this pydantic-ai lacks (nothing done then)."""
    missing = _missing(module)
    if missing:
        return missing
    from .capability import with_capability  # noqa: PLC0415 - imports pydantic-ai: only once the app has

    agent = module.Agent
    if not getattr(agent.iter, "__namel3ss_debug__", False):
        agent.iter = with_capability(agent.iter)
    return []


def _missing(module: ModuleType) -> list[str]:
    agent = getattr(module, "Agent", None)
    if agent is None or not _takes_capabilities(getattr(agent, "iter", None)):
        return [f"{ITER}(capabilities=...)"]
    try:
        from pydantic_ai import capabilities, toolsets  # noqa: PLC0415 - the app imported pydantic-ai
    except ImportError:
        return ["pydantic_ai.capabilities", "pydantic_ai.toolsets"]
    base = getattr(capabilities, "AbstractCapability", None)
    missing = [f"AbstractCapability.{hook}" for hook in HOOKS if not hasattr(base, hook)]
    return missing + ([] if hasattr(toolsets, "WrapperToolset") else ["WrapperToolset"])


def _takes_capabilities(method: object) -> bool:
    try:
        return callable(method) and "capabilities" in inspect.signature(method).parameters
    except (TypeError, ValueError):  # no signature to read
        return False


__all__ = ["install"]
