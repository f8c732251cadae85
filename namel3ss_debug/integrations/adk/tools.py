"""ADK's function tools as `tool` spans where their bodies run, answered from the recording in a rerun.

`FunctionTool.run_async` (public; every function tool, `LongRunningFunctionTool` and the tools built on
it go through it) is wrapped: ADK calls it only once its plugins' and the agent's before-tool callbacks
have let the call through, so those callbacks, and the after-tool ones, run in a rerun too, and only the
body is answered. The span is named after the tool, its inputs the arguments the model sent, its
result under `outputs.return`.

The link to the LLM call that asked: `tool_context.function_call_id` when the model gave the call an
id. ADK gives an id of its own (`adk-...`, random, never sent to the model) to a call that came without
one (Gemini's often do): that one is not recorded, and the call is linked by name and arguments.

A tool's body may also act on the session through its `ToolContext` (write state, transfer to an agent,
escalate, skip the summary). What it did to `tool_context.actions` (the fields of `RESTORED`) is kept on
the span (`attrs.adk_actions`), and a rerun that answers the call does it again, so the session goes on
as it did. Other actions (auth requests, confirmations, artifacts saved) are not done again.

A tool that raises under a runner with our plugin has its span held until ADK's error callbacks have
said whether the model gets an answer in its place (`adk/errors.py`).
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Awaitable, Callable

from ...tracer.api import get_tracer
from ...tracer.core import Tracer
from ...tracer.answering import answer_for, deliver
from ..calls import ForeignSpec, described, end, open_span
from ..tools import RESULT, tool_attrs
from .errors import HELD

FRAMEWORK = "google-adk"
MARK = "__namel3ss_debug__"
ACTIONS = "adk_actions"
CLIENT_ID_PREFIX = "adk-"  # ADK's own ids for calls the model gave none (AF_FUNCTION_CALL_ID_PREFIX)
RESTORED = ("state_delta", "transfer_to_agent", "transfer_reason", "escalate", "skip_summarization", "end_of_agent",
            "route")


def wrap_run_async(function_tool: type) -> None:
    """Wrap `FunctionTool.run_async` (once)."""
    original = function_tool.__dict__["run_async"]
    if getattr(original, MARK, False):
        return

    @functools.wraps(original)
    async def run_async(self: Any, *, args: dict[str, Any], tool_context: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await original(self, args=args, tool_context=tool_context)
        return await recorded_call(tracer, str(self.name), args, tool_context,
                                   lambda: original(self, args=args, tool_context=tool_context))

    setattr(run_async, MARK, True)
    function_tool.run_async = run_async  # type: ignore[attr-defined]


async def recorded_call(tracer: Tracer, name: str, args: dict[str, Any], tool_context: Any,
                        invoke: Callable[[], Awaitable[Any]]) -> Any:
    """`integrations.tools.arun_tool`, with the body's actions on the session kept and, in a rerun,
    done again: the span's attrs are what a rerun gives back beside the result."""
    call_id = model_call_id(tool_context)
    spec = ForeignSpec("tool", name)
    span = open_span(tracer, spec, args, attrs=tool_attrs(tracer, FRAMEWORK, call_id, name=None if call_id else name,
                                                          arguments=args))
    answer = answer_for(tracer, spec, span, args)
    if answer is not None:
        try:
            return deliver(tracer, span, described(span, RESULT, answer))
        finally:
            redo_actions(tracer, tool_context, (getattr(span, "attrs", None) or {}).get(ACTIONS))
    before = actions_of(tool_context)
    try:
        result = await invoke()
    except BaseException as exc:
        keep_actions(tracer, span, tool_context, before)
        if not HELD.hold(span, tool_context, exc, watched(tool_context)):  # adk/errors.py
            tracer.end_span(span, error=exc)
        raise
    keep_actions(tracer, span, tool_context, before)
    end(tracer, span, RESULT, result)
    return result


def watched(tool_context: Any) -> bool:
    """Whether the runner running this call has our plugin (which settles a held tool error)."""
    from .plugin import DebugPlugin  # noqa: PLC0415 - the plugin imports ADK, loaded by now

    try:
        plugins = tool_context._invocation_context.plugin_manager.plugins
        return any(isinstance(plugin, DebugPlugin) for plugin in plugins)
    except Exception:  # a context shaped otherwise: the span ends at once
        return False


def model_call_id(tool_context: Any) -> str | None:
    """The id the model gave the call, or None (no id, or one ADK made up)."""
    call_id = getattr(tool_context, "function_call_id", None)
    if not isinstance(call_id, str) or not call_id or call_id.startswith(CLIENT_ID_PREFIX):
        return None
    return call_id


def actions_of(tool_context: Any) -> dict[str, Any]:
    """A copy of the fields of `RESTORED` of the call's actions, before its body runs."""
    actions = getattr(tool_context, "actions", None)
    return {field: copy.deepcopy(getattr(actions, field, None)) for field in RESTORED}


def keep_actions(tracer: Tracer, span: Any, tool_context: Any, before: dict[str, Any]) -> None:
    """Put what the body changed in the call's actions on its span (`attrs.adk_actions`)."""
    if span is None:
        return
    try:
        now = actions_of(tool_context)
        changed: dict[str, Any] = {}
        for field, value in now.items():
            if field == "state_delta" and isinstance(value, dict):
                old = before.get(field) or {}
                delta = {key: item for key, item in value.items() if key not in old or old[key] != item}
                if delta:
                    changed[field] = delta
            elif value != before.get(field):
                changed[field] = value
        if changed:
            span.set_attribute(ACTIONS, changed)
    except Exception as exc:  # actions shaped otherwise: a rerun cannot redo them
        tracer.note_failure(exc)


def redo_actions(tracer: Tracer, tool_context: Any, recorded: Any) -> None:
    """Do to the call's actions what its body did when recorded."""
    if not isinstance(recorded, dict):
        return
    try:
        actions = tool_context.actions
        for field, value in recorded.items():
            if field not in RESTORED:
                continue
            if field == "state_delta" and isinstance(value, dict):
                actions.state_delta.update(value)
            else:
                setattr(actions, field, value)
    except Exception as exc:  # actions shaped otherwise: the session goes on without them
        tracer.note_failure(exc)


__all__ = ["recorded_call", "wrap_run_async"]
