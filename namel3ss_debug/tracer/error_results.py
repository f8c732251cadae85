"""A tool span that ended without an exception but whose result reads as an error (`model/error_shape.py`):
failed, `error.handled: true` (the app told the model and went on), `error.inferred: true` with the rule that
fired. Every way a tool span ends goes through here: a decorated tool, a framework's hook, OpenTelemetry, the
wire (`transport/tool_wire.py`), and a result that arrives after the span ended (`integrations/otel/results.py`).
"""

from __future__ import annotations

from typing import Any, Optional

from ..model.error_shape import read_error
from .events import said_error

# where a hook or the decorator keeps a tool's result in `outputs`: the value read, when it is the only key
RESULT_KEYS = ("return", "output", "result", "content")


def inferred_error(outputs: Any) -> Optional[dict[str, Any]]:
    """The error record of a tool's `outputs` that read as an error, or None.

    >>> inferred_error({"return": "ERROR: no data for 'paris, fr'"})["inferred"]
    True
    """
    value = outputs
    if isinstance(outputs, dict) and len(outputs) == 1:
        (key, only), = outputs.items()
        if key in RESULT_KEYS:
            value = only
    shape = read_error(value)
    if shape is None:
        return None
    return {**said_error(shape.message, shape.type), "inferred": True, "rule": shape.rule}


def fail_if_error_shaped(event: dict[str, Any], outputs: Any) -> None:
    """Make a completed tool end event failed when `outputs` (what the tool returned, kept whether or not the
    event carries it) read as an error."""
    if event.get("status") != "completed" or event.get("component") != "tool" or "error" in event:
        return
    error = inferred_error(outputs)
    if error is not None:
        event["status"] = "failed"
        event["error"] = error
