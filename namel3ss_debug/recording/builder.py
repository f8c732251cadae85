"""Building a run's timeline (`timeline.py`): events added in file order, each placed in the span tree.

`TimelineBuilder.add` takes one event's fields (events read as dicts: standard input, mapped formats,
tests); `add_records` takes a block of typed records (plain and `.gz` files, `load.FileReading`). Both hand
their events to one kernel, `place.py`, which places each in the span tree and makes the block's columns.
Tests hold the two to the same timeline on random runs.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

from ..analysis.fields import is_duration
from ..model.span_ids import OpenSpans
from ..model.text_keys import RunChoice, text_key
from ..model.json_types import JsonEvent, JsonValue
from ..store.records import EventRecord
from .place import Codes, Placeable, Placed, Texts, place
from .timeline import MemoryStore, Timeline


class _Event(NamedTuple):
    """An event read as a dict, with the fields `place` reads of a record."""

    event_type: JsonValue
    component: JsonValue
    name: JsonValue
    status: JsonValue
    seq: int
    duration_ms: float | None
    span_id: str
    parent_id: str | None


class TimelineBuilder:
    """Adds events in file order, pairing starts with ends through the spans open at the time (`place.py`).

    An event's codes (type, component, name, status) are worked out once per distinct four: a run has a
    few hundred operations and a million events."""

    def __init__(self, timeline: Timeline):
        self.timeline = timeline
        self.spans: OpenSpans[int] = OpenSpans()  # span id -> span number
        # four texts -> their four codes and the operation a call number counts, (component, name) codes
        self._codes: dict[Texts, Codes] = {}

    def add(self, seq: int, event_type: JsonValue, component: JsonValue, name: JsonValue, span_id: JsonValue,
            parent_id: JsonValue, status: JsonValue, duration_ms: JsonValue = None) -> None:
        """One event, its fields as read (any JSON value: a text is expected, anything else keys by its repr)."""
        duration = duration_ms if duration_ms is not None and is_duration(duration_ms) else None
        self._add([_Event(event_type, component, name, status, seq, duration, text_key(span_id),
                          None if parent_id is None else text_key(parent_id))])

    def add_records(self, records: Sequence[EventRecord], runs: RunChoice) -> list[int] | None:
        """The records of a block the typed decoder read whole, in file order, but those of a run other than
        the one `runs` keeps (counted there): the events `add` makes of them. Returns the positions in
        `records` of those added when some were left out, else None (all were)."""
        kept = _kept(records, runs)
        chosen = records if kept is None else [records[index] for index in kept]
        if chosen:
            self._add(chosen)
        return kept

    def _add(self, records: Sequence[Placeable]) -> None:
        """A block of events: placed (`place.py`), their items appended to the timeline's columns."""
        t, spans = self.timeline, self.spans
        placed = place(records, self._codes, self._code, spans.open, spans.closed, spans.remembered, t.calls,
                       t.depth, t.call, t.span_start, t.span_end)
        seq = placed[0]
        if t._sorted and ((t.seq and seq[0] < t.seq[-1]) or seq.tolist() != sorted(seq)):
            t._sorted = False
        for column, items in zip(Placed._fields, placed):
            getattr(t, column).extend(items)

    def _code(self, event_type: JsonValue, component: JsonValue, name: JsonValue, status: JsonValue) -> Codes:
        t = self.timeline
        component_code, name_code = t.components.code(component), t.names.code(name)
        codes = (t.types.code(event_type), component_code, name_code, t.statuses.code(status),
                 (component_code, name_code))
        if all(type(text) is str for text in (event_type, component, name, status)):
            self._codes[(event_type, component, name, status)] = codes  # not 1 or True: both equal 1.0
        return codes


def _kept(records: Sequence[EventRecord], runs: RunChoice) -> list[int] | None:
    """The positions in `records` of the kept run's events, or None when they all are (the common case); the
    others are counted in `runs`."""
    run_ids = {record.run_id for record in records}
    if len(run_ids) == 1 and runs.wanted in (None, *run_ids):
        runs.keeps(*run_ids)  # the first run met becomes the kept one
        return None
    kept: list[int] | None = None
    wanted = runs.wanted
    for index, record in enumerate(records):
        if record.run_id != wanted:
            if not runs.keeps(record.run_id):
                if kept is None:
                    kept = list(range(index))
                continue
            wanted = runs.wanted
        if kept is not None:
            kept.append(index)
    return kept


def timeline_of(events: list[JsonEvent], label: str = "<events>") -> Timeline:
    """A timeline of events held in memory (tests, and small traces read whole)."""
    store = MemoryStore()
    timeline = Timeline(store, label, events[0].get("run_id") if events else None)
    builder = TimelineBuilder(timeline)
    for number, event in enumerate(events, 1):
        store.add(event, f"{label}:{number}")
        add_event(builder, event)
    return timeline


def add_event(builder: TimelineBuilder, event: JsonEvent) -> None:
    builder.add(event["seq"], event.get("event_type"), event.get("component"), event.get("name"),
                event.get("span_id"), event.get("parent_id"), event.get("status"), event.get("duration_ms"))
