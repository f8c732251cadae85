"""Tool calls that no hook recorded, made into `tool` spans from the request that carries their results.

A model asks for tools in its answer; the app (its own loop, or a framework we have no hook for) runs them
and sends the results in its next request. Each result is paired with the call it answers
(`apis/tool_results.py`), and a call this run saw asked for (`tracer/asks.py`) that nothing recorded yet
becomes one `tool` span: named after the tool, its arguments as inputs, the result under `outputs.return`
(an error where the API says the call failed), under the span that was current when the model asked,
linked to the asking LLM call (`attrs.llm_span_id`, `attrs.tool_call_id`), timed from the end of that
answer to this request, and marked `attrs.source: "wire"`. A call a hook recorded keeps its hook's span; one
whose span ended without its result (Semantic Kernel's OpenTelemetry tool spans) is given the result here.

In a rerun, nothing answers such a tool (no hook holds its body): it ran again, and is judged by what it
returned (`Rerun.ran`: `reran`, its recorded twin served).
"""

from __future__ import annotations

from typing import Any

import orjson

from ..model.events import span_prefix
from ..tracer.asks import Ask
from ..tracer.core import Tracer
from ..tracer.unanswered import json_arguments
from .apis.tool_results import ToolResult, results_sent

SOURCE = "wire"  # attrs.source of a tool span made from the wire


def record_wire_tools(tracer: Tracer, api_name: str, body: Any) -> None:
    """Record, as spans, the calls whose results this request carries and that nothing has recorded."""
    run = tracer.run
    if run is None or not run.asks:
        return
    try:
        for sent in results_sent(api_name, body):
            awaiting = run.awaiting_results.pop(sent.call_id, None) if sent.call_id else None
            if awaiting is not None:  # a span that ended without its result (integrations/otel/results.py)
                awaiting(sent)
            ask = run.asks.unrecorded(sent.call_id, sent.name, sent.arguments)
            if ask is not None:
                _record(tracer, api_name, ask, sent)
    except Exception as exc:  # a body we cannot read: the request is still recorded
        run.recorder.note_failure(exc)


def _record(tracer: Tracer, api_name: str, ask: Ask, sent: ToolResult) -> None:
    arguments = json_arguments(ask.arguments if ask.arguments is not None else sent.arguments)
    attrs: dict[str, Any] = {"source": SOURCE, "api": api_name, "llm_span_id": ask.asker}
    if ask.call_id is not None:
        attrs["tool_call_id"] = ask.call_id
    span = tracer.start_span("tool", ask.name or sent.name or "tool", span_prefix("tool"), inputs=arguments,
                             attrs=attrs, activate=False, parent_id=ask.parent_id, began=(ask.ts, ask.ns))
    if span is None:
        return
    if tracer.rerun is not None:
        tracer.rerun.ran(span, arguments)
    span.outputs = {"return": sent.result}
    tracer.end_span(span, error=_failure(sent.result) if sent.failed else None)


def _failure(result: Any) -> dict[str, Any]:
    """The error record of a call the API marks as failed (Anthropic `is_error`, a Gemini `error` response):
    handled, since the app told the model and went on."""
    said = result.get("error") if isinstance(result, dict) else result
    message = said if isinstance(said, str) else orjson.dumps(said, default=str).decode()
    return {"type": "ToolError", "message": message[:2000], "category": "unknown", "handled": True}
