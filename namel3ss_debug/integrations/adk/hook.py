"""Google ADK: its agent runs as `agent` spans through its public plugin interface, its function tools as
`tool` spans where they run, answered by a rerun.

Agents. Every `Runner` is given a plugin of ours (`adk/plugin.py`, a `BasePlugin`) as it is made: ADK
runs a runner's plugins' `before_agent_callback` / `after_agent_callback` around every agent it runs,
the app's own callbacks and plugins untouched. The plugin is put in the runner's `plugin_manager`
(public) once `Runner.__init__` has made it, so apps that pass plugins (or an `App`) keep theirs.

Tools. A plugin's `before_tool_callback` can answer a call (a returned dict skips the tool's body), but
ADK stops at the first plugin that answers and then skips the agent's own before-tool callbacks: the
app's callbacks would not run in a rerun as they did when recorded. So the tool is recorded where its
body runs instead, `FunctionTool.run_async` (public), after every callback has let it through
(`adk/tools.py`).

With OpenTelemetry on, ADK's own `invoke_agent` and `execute_tool` spans (scope `gcp.vertex.agent`) would
repeat the hook's agent and tool spans: once a hook point is in, they are left out (`otel/hooked.py`), their
children going under the hook's span, and ADK's `generate_content` spans are the LLM calls inside it.

google-adk loads its modules lazily (`google.adk` imports almost nothing), so each hook waits for the
module it needs (`tracer.imports.when_imported`); a hook point a version lacks is one warning.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from ...tracer.api import get_tracer
from ...tracer.imports import when_imported
from ..frameworks import guarded
from ..otel.hooked import hooked_scope

MARK = "__namel3ss_debug__"
SCOPE = "gcp.vertex.agent"  # the instrumentation scope of ADK's OpenTelemetry spans
HOOK_POINTS = {
    "google.adk.runners": "agent runs (Runner.__init__, plugin_manager)",
    "google.adk.tools.function_tool": "tools (FunctionTool.run_async)",
}


def install(module: ModuleType) -> list[str]:
    """Hook `google.adk` as its modules load; a hook point missing then is a warning on stderr."""
    for name, hook in (("google.adk.runners", _install_plugin), ("google.adk.tools.function_tool", _install_tools)):
        when_imported(name, guarded("google.adk", HOOK_POINTS[name], hook))
    return []


def _install_plugin(runners: ModuleType) -> None:
    runner = runners.Runner
    original = runner.__dict__["__init__"]
    if getattr(original, MARK, False):
        return
    from .plugin import add_plugin  # noqa: PLC0415 - imports google-adk's plugins, loaded by the runners

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        tracer = get_tracer()
        if tracer.run is not None:
            try:
                add_plugin(self)
            except Exception as exc:  # a runner made otherwise: its agent runs go unrecorded
                tracer.note_failure(exc)

    setattr(__init__, MARK, True)
    runner.__init__ = __init__
    hooked_scope(SCOPE, "agent")  # ADK's `invoke_agent` spans would repeat ours


def _install_tools(function_tool: ModuleType) -> None:
    from .tools import wrap_run_async  # noqa: PLC0415 - imports our tool helpers only once ADK has

    wrap_run_async(function_tool.FunctionTool)
    hooked_scope(SCOPE, "tool")  # ADK's `execute_tool` spans would repeat ours


__all__ = ["install"]
