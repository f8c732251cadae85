"""The overview's figures: events by type, instants by component, and how many events were analysed."""

from __future__ import annotations

from .figures import add_counts


class OverviewCollector:
    """Counts the pass's loop keeps (`Tally.feed` binds `types` to a local for the block)."""

    def __init__(self) -> None:
        self.types: dict[str, int] = {}  # event type -> events, counted or not
        self.instants: dict[str, int] = {}  # component -> its counted instant events
        self.analyzed = 0  # the events --since/--until/--component kept

    def merge(self, part: OverviewCollector) -> None:
        """`part`'s counts added to these, as one pass over both runs counts them (`analysis/merge.py`)."""
        add_counts(self.types, part.types)
        add_counts(self.instants, part.instants)
        self.analyzed += part.analyzed
