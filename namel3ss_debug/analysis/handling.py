"""Handled or unhandled: the one rule by which every reader counts an error (the handled-error contract).

An error is **unhandled** when it escaped the app: its chain (the span where it began and every enclosing span it
failed on its way out) reached an `error_occurred` with `attrs.unhandled: true`, or ended the run `failed`. Every
other error is **handled**: the app survived it (a tool whose exception the app or a framework turned into a message
to the model), whether or not its writer said so with `error.handled`; one written `error.handled: true` is handled
whatever follows.

The pass (`collectors/errors.py`) keeps one `ErrorChain` per run, the error counted last, and asks `escaping` of each
event that may end it; the report says handled = all - unhandled (`build.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model.json_types import JsonObject, JsonValue


@dataclass
class ErrorChain:
    """The error a run counted last, as it travels up through the spans it fails: where it began (its category,
    type, message), the tool spans it failed, whether its writer marked it handled, and whether it escaped."""

    kind: str
    message: str
    category: str
    marked_handled: bool = False  # `error.handled: true` where it began
    tools: list[str] = field(default_factory=list)  # tool spans it failed, where it began and on its way out
    escaped: bool = False

    def escapes(self, kind: str, message: str) -> bool:
        """Whether this error is the one (`kind`, `message`) escaping the app, and so unhandled; at most once."""
        if self.escaped or self.marked_handled or (self.kind, self.message) != (kind, message):
            return False
        self.escaped = True
        return True


def escapes_through(event_type: str, status: str, attrs: Optional[JsonObject]) -> bool:
    """Whether an error leaves the app through this event: an `error_occurred` the tracer wrote for an exception
    nothing caught (`attrs.unhandled: true`), or a `run_end` that ended the run failed. The caller names the error
    as it counts it: (type, message).

    >>> escapes_through("run_end", "failed", None), escapes_through("error_occurred", "failed", {"unhandled": 1})
    (True, False)
    """
    if event_type == "error_occurred":
        return attrs is not None and attrs.get("unhandled") is True
    return event_type == "run_end" and status == "failed"


def marked_handled(error: JsonValue) -> bool:
    """Whether a failed span's writer said the run went on with its failure (`error.handled: true`)."""
    return error is not None and getattr(error, "handled", None) is True
