"""A tool span that ended without an exception but whose result reads as an error (`model/error_shape.py`):
failed, `error.handled: true` (the app told the model and went on), `error.inferred: true` with the rule that
fired. Every way a tool span ends goes through here: a decorated tool, a framework's hook, OpenTelemetry, the
wire (`transport/tool_wire.py`), and a result that arrives after the span ended (`integrations/otel/results.py`);
an OTLP file read back goes through the same rule (`otel/attributes.ending`).
"""

from __future__ import annotations

from typing import Any

from ..model.error_shape import error_of_outputs


def fail_if_error_shaped(event: dict[str, Any], outputs: Any) -> None:
    """Make a completed tool end event failed when `outputs` (what the tool returned, kept whether or not the
    event carries it) read as an error."""
    if event.get("status") != "completed" or event.get("component") != "tool" or "error" in event:
        return
    error = error_of_outputs(outputs)
    if error is not None:
        event["status"] = "failed"
        event["error"] = error
