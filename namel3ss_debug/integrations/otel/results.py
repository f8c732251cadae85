"""A tool span from OpenTelemetry that ends without its result, given the result the next request carries.

Semantic Kernel's `execute_tool` spans say which tool ran, with which call id, but not what it returned; the
app sends the result to the model in its next request, where the wire reads it by the call id
(`transport/tool_wire.py`). So such a span's end is held (`Tracer.end_span(hold_end=...)`): it keeps the time
and duration it ended with, and is written when that request goes out, its `outputs.return` the result the
request carries (`attrs.result_from: "next_request"`), or without one when its parent span ends first (so that
it ends inside its parent: Strands' tool spans, whose cycle span ends before the next request) or at the run's end.
"""

from __future__ import annotations

import weakref
from typing import Any

from ...tracer.error_results import fail_if_error_shaped

FILLED = "next_request"  # attrs.result_from of a tool span whose result came from the request that carried it
_ending: weakref.WeakSet[Any] = weakref.WeakSet()  # runs that give up their awaited results at their end


def await_result(run: Any, call_id: str, event: dict[str, Any]) -> None:
    """Keep a tool span's end event until a request carries the result of `call_id` (or the run ends)."""
    if run not in _ending:
        _ending.add(run)
        run.at_end.append(lambda: _give_up(run))
    run.awaiting_results[call_id] = _HeldEnd(run, event)


class _HeldEnd:
    """A held end event, written with the result a request carries (None: without one)."""

    def __init__(self, run: Any, event: dict[str, Any]):
        self.run, self.event = run, event
        self.parent_id = event.get("parent_id")

    def __call__(self, sent: Any) -> None:
        _write(self.run, self.event, sent)


def give_up_under(run: Any, parent_id: str) -> None:
    """The span `parent_id` ends: the held ends of the tool spans under it are written now, without a result."""
    under = [call_id for call_id, write in run.awaiting_results.items()
             if isinstance(write, _HeldEnd) and write.parent_id == parent_id]
    for call_id in under:
        run.awaiting_results.pop(call_id)(None)


def _write(run: Any, event: dict[str, Any], sent: Any) -> None:
    """Write the held end event, with the result `sent` carries when there is one."""
    if sent is not None:
        fail_if_error_shaped(event, {"return": sent.result})
    if sent is not None and run.settings.capture_outputs:
        event["outputs"] = {"return": sent.result}
        event["attrs"] = {**(event.get("attrs") or {}), "result_from": FILLED}
    run.recorder.emit(event)


def _give_up(run: Any) -> None:
    """At the run's end: the ends no request gave a result, written as they were."""
    while run.awaiting_results:
        _, write = run.awaiting_results.popitem()
        write(None)

