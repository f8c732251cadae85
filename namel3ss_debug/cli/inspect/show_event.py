"""`inspect --event N|ID`: one event in full (or every event of a span id), as JSON or JSON Lines (its table is
in tables.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .writing import write_events

if TYPE_CHECKING:
    from ..output import Sink
    from .writing import Viewed


def show_event(viewed: Viewed, sink: Sink) -> None:
    write_events(sink, "event", viewed.record.items)
