"""The output of a call as text, for the few changed outputs a diff shows: kept, or read again.

A call of a run that can be read again keeps only where its end event is; its output is read from there
when (and only when) it is among the changed outputs shown, so a diff of big runs does not hold every
LLM answer in memory.
"""

from __future__ import annotations

from ..store.lines import event_at
from .call_table import CompactCall
from .calls import outcome, preview


def preview_of(call: CompactCall) -> str:
    """The call's output as diff shows it; "" when it has none or its file no longer holds it."""
    if call.preview is not None:
        return call.preview
    if call.place is None:
        return ""
    event = event_at(*call.place)
    result = outcome(event) if isinstance(event, dict) else None
    return "" if result is None else preview(result)
