"""A handoff's tool call, linked to the `chain` span of its handoff.

The model hands over by calling a tool (`transfer_to_weather`); the SDK runs the handoff instead of a
tool, in its handoff span (our `chain` span named `handoff`), and the call's result may never reach the
wire (an input filter such as `remove_all_tools` drops it from the next agent's history). So that the
call counts as recorded, not as a tool whose result never came, each `Handoff`'s `on_invoke_handoff` is
wrapped as the handoff is made: it claims the call by the handoff's tool name and the model's arguments
(`tracer/asks.py`), and gives the handoff span `attrs.tool_call_id` and `attrs.llm_span_id`.
"""

from __future__ import annotations

import functools
from typing import Any

from ...tracer.api import get_tracer
from ...tracer.context import current

_MARK = "_namel3ss_debug"


def install_handoffs(handoff_class: type) -> None:
    """Wrap each `Handoff`'s `on_invoke_handoff` as it is made (its `__init__`: a dataclass); idempotent."""
    original = handoff_class.__dict__["__init__"]  # the dataclass's own
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            invoke = self.on_invoke_handoff
            inner = invoke.inner if isinstance(invoke, LinkedHandoff) else invoke  # a copy's: bound to the copy
            self.on_invoke_handoff = LinkedHandoff(inner, self)
        except Exception as exc:  # the handoff stays as the SDK made it: its call is left to the wire
            get_tracer().note_failure(exc)

    setattr(__init__, _MARK, True)
    handoff_class.__init__ = __init__  # type: ignore[misc]


class LinkedHandoff:
    """A handoff's `on_invoke_handoff` that first claims the model's call of it for the handoff span."""

    def __init__(self, inner: Any, handoff: Any):
        self.inner, self.handoff = inner, handoff

    async def __call__(self, context: Any, input_json: str) -> Any:
        try:
            _link(str(self.handoff.tool_name), input_json)
        except Exception as exc:  # ours: the handoff runs unlinked
            get_tracer().note_failure(exc)
        return await self.inner(context, input_json)


def _link(tool_name: str, input_json: str) -> None:
    run = get_tracer().run
    if run is None or not run.asks:
        return
    claimed = run.asks.claim(tool_name, input_json or "{}")
    span = current.get()
    if claimed is None or span is None or getattr(span, "component", None) != "chain":
        return
    if claimed[0] is not None:
        span.set_attribute("tool_call_id", claimed[0])
    span.set_attribute("llm_span_id", claimed[1])
