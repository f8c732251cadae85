"""A tool span from OpenTelemetry that ends without its result, given the result the next request carries.

Semantic Kernel's `execute_tool` spans say which tool ran, with which call id, but not what it returned; the
app sends the result to the model in its next request, where the wire reads it by the call id
(`transport/tool_wire.py`). So such a span's end is held (`Tracer.end_span(hold_end=...)`): it keeps the time
and duration it ended with, and is written when that request goes out, its `outputs.return` the result the
request carries (`attrs.result_from: "next_request"`), or at the run's end without one.
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
    run.awaiting_results[call_id] = lambda sent: _write(run, event, sent)


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

