"""Tool calls a model asked for whose results never came back, as failed `ToolResultMissing` spans.

A call is given up (`ToolAsks.unanswered`) when its conversation went on without its result (the transport
sees the next request of the conversation, `transport/agents.py`) or when the run ended with it still
pending and nothing of ours recorded it. Each becomes one `tool` span, named after the tool, its arguments as
inputs, under the span that was current when the model asked, timed from the end of the asking answer to the
moment it was given up, linked to the asking LLM call (`attrs.llm_span_id`, `attrs.tool_call_id`), marked
`attrs.source: "wire"` and `attrs.result: "missing"`, and failed with `error.type: "ToolResultMissing"`,
`handled: true` (the run went on, or ended, without it). No outputs: the model was told nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ..model.events import span_prefix

if TYPE_CHECKING:
    from .asks import Ask
    from .core import Tracer

MISSING_TYPE = "ToolResultMissing"
WENT_ON = "the conversation went on without its result"
RUN_ENDED = "the run ended before its result was sent back"


def record_unanswered(tracer: Tracer, asks: list[Ask], why: str) -> None:
    """One failed `ToolResultMissing` span for each call in `asks` (already given up), saying `why`."""
    for ask in asks:
        name = ask.name or "tool"
        attrs: dict[str, Any] = {"source": "wire", "result": "missing", "llm_span_id": ask.asker}
        if ask.call_id is not None:
            attrs["tool_call_id"] = ask.call_id
        span = tracer.start_span("tool", name, span_prefix("tool"), inputs=json_arguments(ask.arguments), attrs=attrs,
                                 activate=False, parent_id=ask.parent_id, began=(ask.ts, ask.ns))
        said = f"the model asked for {name}" + (f" (call {ask.call_id})" if ask.call_id else "")
        tracer.end_span(span, error={"type": MISSING_TYPE, "message": f"{said}; {why}", "category": "unknown",
                                     "handled": True})


def give_up_at_run_end(tracer: Tracer, run: Any) -> None:
    """At the run's end, every call still pending (and not an answer itself) becomes a missing span."""
    if run.asks:
        record_unanswered(tracer, run.asks.unanswered(), RUN_ENDED)


def json_arguments(value: Any) -> Any:
    """The arguments as an object where the API sent them as JSON text (OpenAI), as a hook records them."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value
