"""A tool error an `on_tool_error_callback` hands the model: a failed `tool` span, marked handled.

ADK raises a tool's exception again unless a plugin's or the agent's `on_tool_error_callback` answers it
with a response for the model; then the run goes on, and the plugins' `after_tool_callback` runs with that
response. Which of the two comes is known only after the callbacks, so the span of a tool that raised under
a runner holding our plugin is held open (`HELD.hold`) instead of ended: our plugin's `after_tool_callback`
ends it failed with the exception, `error.handled: true` and `outputs.told` the response the model got
(`answered`); its `on_agent_error_callback` and `after_run_callback` end the ones still held, failed as they
raised (`given_up`). A rerun raises the recorded exception again, so the app's callback answers it again.
"""

from __future__ import annotations

import threading
from typing import Any

from ...tracer.api import get_tracer
from ...tracer.core import Tracer


class HeldErrors:
    """The spans of tools that raised, waiting for ADK's error callbacks, by their `ToolContext`."""

    def __init__(self) -> None:
        self._held: dict[int, tuple[Any, BaseException, str]] = {}  # id(tool_context) -> span, error, invocation
        self._lock = threading.Lock()

    def hold(self, span: Any, tool_context: Any, error: BaseException, watched: bool) -> bool:
        """Keep `span` open for the callbacks to judge, when our plugin runs them (`watched`)."""
        if span is None or not watched or not isinstance(error, Exception):
            return False
        with self._lock:
            self._held[id(tool_context)] = (span, error, str(getattr(tool_context, "invocation_id", "")))
        return True

    def answered(self, tool_context: Any, response: Any) -> None:
        """A callback answered the call's error: its span ends failed, handled, the response its outputs."""
        with self._lock:
            held = self._held.pop(id(tool_context), None)
        if held is not None:
            span, error, _ = held
            span.outputs = {"told": response}
            get_tracer().end_span(span, error=error, handled=True)

    def given_up(self, tracer: Tracer, invocation_id: str) -> None:
        """The invocation ended (or its agent failed): its spans still held end failed, as they raised."""
        with self._lock:
            ended = [key for key, (_, _, invocation) in self._held.items() if invocation == invocation_id]
            spans = [self._held.pop(key) for key in ended]
        for span, error, _ in spans:
            tracer.end_span(span, error=error)


HELD = HeldErrors()

__all__ = ["HELD", "HeldErrors"]
