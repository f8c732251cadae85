"""Pairing a span's end with its start, and a child with its parent, while a run is read in file order.

Only the spans open at the time are kept, plus the last few thousand closed (a child event may be written
just after its parent ended, from another thread), so memory follows nesting, not the run's length.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Optional, TypeVar

from .text_keys import text_key

RECENTLY_CLOSED = 4096

Value = TypeVar("Value")


class OpenSpans(Generic[Value]):
    """What a reader keeps of each span (a number, an index) under its id, while the span is open."""

    def __init__(self, remembered: int = RECENTLY_CLOSED):
        self.open: dict[str, Value] = {}
        self.closed: OrderedDict[str, Value] = OrderedDict()
        self.remembered = remembered

    def start(self, span_id: object, value: Value) -> None:
        self.open[text_key(span_id)] = value

    def end(self, span_id: object) -> Optional[Value]:
        """The value of the open span this event ends, or None when no such span is open (an instant)."""
        key = text_key(span_id)
        value = self.open.pop(key, None)
        if value is not None:
            self.closed[key] = value
            if len(self.closed) > self.remembered:
                self.closed.popitem(last=False)
        return value

    def parent(self, parent_id: object) -> Optional[Value]:
        """The value of the span a `parent_id` names: open, or closed only just now; None for a root or an orphan."""
        if parent_id is None:
            return None
        key = text_key(parent_id)
        value = self.open.get(key)
        return value if value is not None else self.closed.get(key)
