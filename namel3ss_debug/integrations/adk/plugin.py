"""The plugin every ADK `Runner` is given while tracing: each agent run an `agent` span.

ADK calls a plugin's `before_agent_callback` before an agent's own callbacks and its work, and its
`after_agent_callback` (or `on_agent_error_callback`) after: the span opens in the first and is made
the current span, so the LLM calls the HTTP transport records, the tool spans and a sub-agent's span
nest under it, and ends in the second. Ours goes first among the runner's plugins (ADK stops at the
first plugin that returns something; ours returns nothing, so the app's plugins still all run). An
agent ended without its after-callback (an invocation a tool or callback ended early) has its span
ended by the runner's `after_run_callback`. Its `after_tool_callback`, `on_agent_error_callback` and
`after_run_callback` also end the spans of tools that raised (`adk/errors.py`).

Inputs: the user's message; outputs: the agent's last text in the session under `return`; attrs: the
framework and the model's name. The span is not replayable: in a rerun the agent runs, its LLM calls
and tools answered from the recording.
"""

from __future__ import annotations

from typing import Any

from google.adk.plugins.base_plugin import BasePlugin

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, open_span
from .errors import HELD

FRAMEWORK = "google-adk"
PLUGIN_NAME = "namel3ss_debug"


class DebugPlugin(BasePlugin):  # type: ignore[misc]  # ADK's class: Any to mypy, as the SDK is (pyproject)
    """Records each agent run as an `agent` span."""

    def __init__(self) -> None:
        super().__init__(name=PLUGIN_NAME)
        self._open: dict[str, list[Any]] = {}  # invocation id -> its open agent spans, innermost last

    async def before_agent_callback(self, *, agent: Any, callback_context: Any) -> None:
        tracer = get_tracer()
        if tracer.run is None:
            return None
        try:
            spec = ForeignSpec("agent", str(agent.name), replayable=False)
            span = open_span(tracer, spec, {"message": _text(getattr(callback_context, "user_content", None))},
                             attrs=_attrs(agent))
            if span is not None:
                self._open.setdefault(str(callback_context.invocation_id), []).append(span)
        except Exception as exc:  # ADK changed its context: this agent run goes unrecorded
            tracer.note_failure(exc)
        return None

    async def after_agent_callback(self, *, agent: Any, callback_context: Any) -> None:
        self._end(agent, callback_context, None)
        return None

    async def on_agent_error_callback(self, *, agent: Any, callback_context: Any, error: Exception) -> None:
        HELD.given_up(get_tracer(), str(getattr(callback_context, "invocation_id", "")))
        self._end(agent, callback_context, error)

    async def after_tool_callback(self, *, tool: Any, tool_args: Any, tool_context: Any, result: Any) -> None:
        HELD.answered(tool_context, result)  # after a tool error, only when a callback answered it
        return None

    async def after_run_callback(self, *, invocation_context: Any) -> None:
        invocation = str(getattr(invocation_context, "invocation_id", ""))
        HELD.given_up(get_tracer(), invocation)
        for span in reversed(self._open.pop(invocation, [])):
            get_tracer().end_span(span)

    def _end(self, agent: Any, callback_context: Any, error: Exception | None) -> None:
        tracer = get_tracer()
        try:
            spans = self._open.get(str(callback_context.invocation_id), [])
            span = next((span for span in reversed(spans) if span.name == str(agent.name)), None)
            if span is None:
                return
            spans.remove(span)
            if error is None:
                span.outputs = {"return": last_text(callback_context, str(agent.name))}
            tracer.end_span(span, error=error)
        except Exception as exc:  # ADK changed its context: the span is ended at the run's end
            tracer.note_failure(exc)


def _attrs(agent: Any) -> dict[str, Any]:
    model = getattr(agent, "model", None)
    name = model if isinstance(model, str) else getattr(model, "model", None)
    return {"framework": FRAMEWORK, **({"model": str(name)} if name else {})}


def last_text(callback_context: Any, author: str) -> str | None:
    """The text of the agent's last event in the session that says something: its answer."""
    session = getattr(callback_context, "session", None)
    for event in reversed(getattr(session, "events", None) or []):
        text = _text(getattr(event, "content", None)) if getattr(event, "author", None) == author else None
        if text:
            return text
    return None


def _text(content: Any) -> str | None:
    texts = [part.text for part in getattr(content, "parts", None) or []
             if getattr(part, "text", None) and not getattr(part, "thought", None)]
    return "".join(texts) if texts else None


def add_plugin(runner: Any) -> None:
    """Put our plugin first among the runner's (once)."""
    plugins = runner.plugin_manager.plugins
    if not any(isinstance(plugin, DebugPlugin) for plugin in plugins):
        plugins.insert(0, DebugPlugin())


__all__ = ["DebugPlugin", "add_plugin"]
