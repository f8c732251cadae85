"""An event as replay commands see it: mocks applied, and a call's other event for what this one lacks.

A call is written as two events: the start holds the inputs, the end the outputs, duration, usage and
error. At either of them, `p outputs`, `display duration_ms` and a breakpoint condition read a field
the event does not have from the other one, so `b tool:search if duration_ms > 500` can stop at the
start of a slow call, before anything it did is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .expr import MISSING
from ..model.json_types import JsonEvent, JsonValue


@dataclass(frozen=True)
class EventView:
    """The event at `index` (mocked outputs in place), and the other event of its call, if any."""

    index: int
    event: JsonEvent
    partner: JsonEvent | None = None
    mock: str | None = None  # the key of the mock that replaced this call's outputs

    def resolve(self, name: str) -> JsonValue:
        """A top-level field of the event, else of its call's other event, else MISSING."""
        if name in self.event:
            return self.event[name]
        if self.partner is not None and name in self.partner:
            return self.partner[name]
        return MISSING

    def fields(self) -> list[str]:
        """Every top-level field name the view resolves, for completion."""
        names = list(self.event)
        if self.partner is not None:
            names.extend(name for name in self.partner if name not in self.event)
        return names
