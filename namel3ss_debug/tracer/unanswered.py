"""Tool calls a model asked for whose results never came back, as failed `ToolResultMissing` spans.

A call is given up (`ToolAsks.unanswered`) when its conversation went on without its result (the transport
sees the next request of the conversation, `transport/agents.py`) or when the run ended with it still
pending and nothing of ours recorded it. Each becomes one `tool` span, named after the tool, its arguments as
inputs, under the span that was current when the model asked, timed from the end of the asking answer to the
moment it was given up, linked to the asking LLM call (`attrs.llm_span_id`, `attrs.tool_call_id`), marked
`attrs.source: "wire"` and `attrs.result: "missing"`, and failed with `error.type: "ToolResultMissing"`,
`handled: true` (the run went on, or ended, without it). No outputs: the model was told nothing.

A crash is counted once, where it began (`at_crash`): when an exception nothing caught ends the app, a pending
call whose tool is a function on the exception's stack is the tool that crashed: its span fails with that
exception (not handled), so the one error begins at the tool and escapes through the `error_occurred` that
follows. The calls still pending when such a run ends were not answered because the run crashed: each becomes a
`skipped` span (`attrs.result: "not_answered"`, `attrs.not_answered` saying where the run crashed), no error.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Any

import orjson

from ..model.events import span_prefix
from .asks import NOT_ANSWERED

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
        span = _open(tracer, ask, "missing")
        said = f"the model asked for {name}" + (f" (call {ask.call_id})" if ask.call_id else "")
        tracer.end_span(span, error={"type": MISSING_TYPE, "message": f"{said}; {why}", "category": "unknown",
                                     "handled": True})


def give_up_at_run_end(tracer: Tracer, run: Any) -> None:
    """At the run's end, every call still pending (and not an answer itself) becomes a missing span, or a
    skipped one when the run crashed (`at_crash`)."""
    if not run.asks:
        return
    if run.crashed_at is None:
        record_unanswered(tracer, run.asks.unanswered(), RUN_ENDED)
        return
    for ask in run.asks.unanswered(state=NOT_ANSWERED):
        span = _open(tracer, ask, NOT_ANSWERED)
        if span is not None:
            span.set_attribute(NOT_ANSWERED, f"the run crashed at {run.crashed_at}")
            span.set_status("skipped")
        tracer.end_span(span)


def at_crash(tracer: Tracer, run: Any, exc: BaseException, record: dict[str, Any]) -> None:
    """An exception nothing caught, about to be recorded as `record`: the pending tool call whose tool is a
    function on its stack (the innermost) fails with it, and the run remembers where it crashed."""
    names = [frame.f_code.co_name for frame, _ in traceback.walk_tb(exc.__traceback__)]
    pending = {ask.name: ask for ask in run.asks.pending()} if run.asks else {}
    crashed = next((pending[name] for name in reversed(names) if name in pending), None)
    where = crashed.name if crashed is not None else names[-1] if names else None
    run.crashed_at = f"{record['type']} in {where}" if where else record["type"]
    if crashed is not None:
        run.asks.crashed(crashed)
        tracer.end_span(_open(tracer, crashed, "crashed"), error=record)


def _open(tracer: Tracer, ask: Ask, result: str) -> Any:
    attrs: dict[str, Any] = {"source": "wire", "result": result, "llm_span_id": ask.asker}
    if ask.call_id is not None:
        attrs["tool_call_id"] = ask.call_id
    return tracer.start_span("tool", ask.name or "tool", span_prefix("tool"), inputs=json_arguments(ask.arguments),
                             attrs=attrs, activate=False, parent_id=ask.parent_id, began=(ask.ts, ask.ns))


def json_arguments(value: Any) -> Any:
    """The arguments as an object where the API sent them as JSON text (OpenAI), as a hook records them."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value
