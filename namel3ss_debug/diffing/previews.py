"""What a diff shows of the few changed outputs it lists: a call's output as text, and whether its inputs
changed; each kept, or read again.

A call of a run that can be read again keeps only where its start and end events are; its output and its
inputs' fingerprint are read from there when (and only when) it is among the changed outputs shown, so a
diff of big runs neither holds every LLM answer in memory nor fingerprints every prompt.
"""

from __future__ import annotations

from ..store.lines import event_at
from .call_table import CompactCall
from .calls import fingerprint, outcome, preview


def preview_of(call: CompactCall) -> str:
    """The call's output as diff shows it; "" when it has none or its file no longer holds it."""
    if call.preview is not None:
        return call.preview
    if call.place is None:
        return ""
    event = event_at(*call.place)
    result = outcome(event) if isinstance(event, dict) else None
    return "" if result is None else preview(result)


def inputs_fingerprint(call: CompactCall) -> bytes | None:
    """The fingerprint of the call's inputs; None when it was recorded without inputs, or its start event is no
    longer where it was (the line there is not the event of the call's seq)."""
    if call.inputs_place is None:
        return call.inputs_hash
    event = event_at(*call.inputs_place)
    if not isinstance(event, dict) or event.get("seq") != call.seq or "inputs" not in event:
        return None
    return fingerprint(event["inputs"])
