"""DSPy (3.x): `ReAct` agents as `agent` spans through DSPy's callbacks; `dspy.Tool` calls as `tool`
spans where they run.

A `ReAct` agent asks for its tools in the text of its answers (`next_tool_name`, `next_tool_args`
fields), so no rule on the wire can pair its tool calls: this hook is the only way to see them.

- Agents. A callback of ours (`dspy.utils.callback.BaseCallback`, `dspy/callback.py`) opens an `agent`
  span when a `ReAct` module's call starts (`on_module_start`) and ends it with the call
  (`on_module_end`); the span is current meanwhile, so the LLM calls the HTTP transport records (at
  lm15's transports, the client DSPy's default engine sends through: `transport/lm15_hook.py`) and the
  tool spans nest under it. DSPy reads the active callbacks from `dspy.settings.get("callbacks")`
  for every call: ours is added to the list that lookup returns while tracing, whatever the app
  configured, so `dspy.configure(callbacks=...)` and `dspy.context(callbacks=...)` keep the app's own
  callbacks and never drop ours, and the app's list is never changed.
- Tools. A callback only watches, and a rerun must not run a tool's body, so `Tool.__call__` and
  `Tool.acall` are wrapped inside DSPy's own callback wrapper (`with_callbacks`, re-applied): each call
  is a `tool` span with its real timing, answered in a rerun without running the body, while the app's
  `on_tool_start` / `on_tool_end` callbacks still run (`dspy/tools.py`). The model gives no call id and
  no tool call on the wire, so the span is linked to no LLM call.

Nothing of DSPy is imported before the app imports it.
"""

from __future__ import annotations

from types import ModuleType


def install(module: ModuleType) -> list[str]:
    """Add our callback and wrap `dspy.Tool`; the hook points this DSPy lacks (nothing done then)."""
    missing = _missing(module)
    if missing:
        return missing
    from .callback import install_callback  # noqa: PLC0415 - imports dspy: only once the app has
    from .tools import wrap_tools  # noqa: PLC0415 - as above

    install_callback(type(module.settings))
    wrap_tools(module.Tool)
    return []


def _missing(module: ModuleType) -> list[str]:
    missing = []
    if not callable(getattr(type(getattr(module, "settings", None)), "get", None)):
        missing.append("dspy.settings.get")
    tool = getattr(module, "Tool", None)
    for method in ("__call__", "acall"):
        if not hasattr(getattr(tool, method, None), "__wrapped__"):  # not under with_callbacks
            missing.append(f"Tool.{method} (with_callbacks)")
    if not isinstance(getattr(module, "ReAct", None), type):
        missing.append("ReAct")
    return missing + _callback_missing()


def _callback_missing() -> list[str]:
    try:
        from dspy.utils.callback import BaseCallback, with_callbacks  # noqa: F401, PLC0415 - the app imported dspy
    except ImportError:
        return ["dspy.utils.callback.BaseCallback", "dspy.utils.callback.with_callbacks"]
    return []


__all__ = ["install"]
