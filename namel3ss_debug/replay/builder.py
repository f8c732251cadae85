"""Building a run's timeline (`timeline.py`): events added in file order, each placed in the span tree.

`TimelineBuilder.add` takes one event's fields (events read as dicts: standard input, `.gz` files, mapped
formats, tests); `add_records` takes a block of typed records in one loop (plain files, `load.FileReading`).
Tests hold the two to the same timeline on random runs.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from ..analysis.fields import is_duration
from ..model.span_ids import OpenSpans
from ..model.text_keys import RunChoice, text_key
from ..store.records import EventRecord
from .timeline import END, INSTANT, NO_SPAN, START, MemoryStore, Timeline

_MAX_DEPTH = 0xFFFFFFFF  # a depth past an array("I") item is kept at its largest

try:
    from . import _builder as _compiled  # type: ignore[attr-defined,import-not-found,unused-ignore]  # a C extension: no types
    _compiled.bind(EventRecord)
except ImportError:  # no compiler at install time: `add_records_py`
    _compiled = None
# built, but for records whose fields it cannot find (a msgspec that keeps them otherwise): the reference
except (TypeError, AttributeError):
    _compiled = None
ACCELERATED = _compiled is not None


class TimelineBuilder:
    """Adds events in file order, pairing starts with ends through the spans open at the time.

    An event's codes (type, component, name, status) are worked out once per distinct four: a run has a
    few hundred operations and a million events."""

    def __init__(self, timeline: Timeline, unresolved: set[str] | None = None):
        """`unresolved`, when given, collects the parent ids that name no span seen here (a second half's:
        they may name a span of the first)."""
        self.timeline = timeline
        self.spans: OpenSpans[int] = OpenSpans()  # span id -> span number
        self.unresolved = unresolved
        self._codes: dict[tuple[Any, Any, Any, Any], tuple[int, int, int, int]] = {}
        t = timeline
        self._appends = (t.seq.append, t.type_code.append, t.component_code.append, t.name_code.append,
                         t.status_code.append, t.duration.append, t.kind.append, t.depth.append, t.span.append,
                         t.call.append)

    def add(self, seq: int, event_type: Any, component: Any, name: Any, span_id: Any, parent_id: Any,
            status: Any, duration_ms: Any = None) -> None:
        """One event. Inlined (no call a step): it runs once for each of a run's million events."""
        t = self.timeline
        if t._sorted and t.seq and seq < t.seq[-1]:
            t._sorted = False
        try:
            codes = self._codes.get((event_type, component, name, status))
        except TypeError:  # a list where a text belongs (a broken writer): coded as its repr, each time
            codes = None
        if codes is None:
            codes = self._code(event_type, component, name, status)
        type_code, component_code, name_code, status_code = codes
        seqs, types, components, names, statuses, durations, kinds, depths, spans, calls = self._appends
        seqs(seq)
        types(type_code)
        components(component_code)
        names(name_code)
        statuses(status_code)
        durations(duration_ms if duration_ms is not None and is_duration(duration_ms) else math.nan)
        if status != "started":
            number = self.spans.end(span_id)
            if number is not None:  # the end of a span: at its start's depth, with its call number
                t.span_end[number] = len(t.seq) - 1
                start = t.span_start[number]
                kinds(END)
                depths(t.depth[start])
                spans(number)
                calls(t.call[start])
                return
        found = self.spans.parent(parent_id)
        if found is None and parent_id is not None and self.unresolved is not None:
            self.unresolved.add(text_key(parent_id))
        parent = NO_SPAN if found is None else found
        depths(0 if parent == NO_SPAN else min(t.depth[t.span_start[parent]] + 1, _MAX_DEPTH))
        counts = t.calls
        count = counts[(component_code, name_code)] = counts.get((component_code, name_code), 0) + 1
        calls(count)
        if status != "started":  # an instant: one deeper than its parent span, which it is placed in
            kinds(INSTANT)
            spans(parent)
            return
        number = len(t.span_start)
        t.span_parent.append(parent)
        t.span_start.append(len(t.seq) - 1)
        t.span_end.append(-1)
        self.spans.start(span_id, number)
        kinds(START)
        spans(number)

    def add_records(self, records: Sequence[EventRecord], runs: RunChoice) -> list[int] | None:
        """The records of a block the typed decoder read whole, in file order, but those of a run other than
        the one `runs` keeps (counted there): the events `add` makes of them. Returns the positions in
        `records` of those added when some were left out, else None (all were).

        In C where the optional extension was built (`_builder.c`, about 3x faster), else `add_records_py`;
        the two work on the same state and give the same timeline (tests compare them on random runs)."""
        if _compiled is not None:
            kept = _compiled.add_records(self, records, runs)
            if kept is not NotImplemented:
                return kept  # type: ignore[no-any-return,unused-ignore]  # what the C extension returns
        return self.add_records_py(records, runs)

    def add_records_py(self, records: Iterable[EventRecord], runs: RunChoice) -> list[int] | None:
        """`add_records` in Python, the reference: `add`'s steps inlined in one loop, for the texts and
        durations the decoder has checked."""
        t = self.timeline
        seqs, types, components, names, statuses, durations, kinds, depths, spans, calls = self._appends
        codes_of, make_codes, counts = self._codes, self._code, t.calls
        open_spans, closed, remembered = self.spans.open, self.spans.closed, self.spans.remembered
        depth, call, span_start, span_end = t.depth, t.call, t.span_start, t.span_end
        parent_add, start_add, end_add = t.span_parent.append, t.span_start.append, t.span_end.append
        unresolved, nan = self.unresolved, math.nan
        in_order, last = t._sorted, (t.seq[-1] if t.seq else None)
        position, wanted, kept = len(t.seq), runs.wanted, None
        for index, record in enumerate(records):
            if record.run_id != wanted:
                if not runs.keeps(record.run_id):
                    if kept is None:
                        kept = list(range(index))
                    continue
                wanted = runs.wanted
            if kept is not None:
                kept.append(index)
            seq, status = record.seq, record.status
            if in_order and last is not None and seq < last:
                in_order = False
            last = seq
            codes = codes_of.get((record.event_type, record.component, record.name, status))
            if codes is None:
                codes = make_codes(record.event_type, record.component, record.name, status)
            seqs(seq)
            types(codes[0])
            components(codes[1])
            names(codes[2])
            statuses(codes[3])
            duration = record.duration_ms
            durations(nan if duration is None else duration)
            if status != "started":
                span_id = record.span_id
                number = open_spans.pop(span_id, None)
                if number is not None:  # the end of a span: at its start's depth, with its call number
                    closed[span_id] = number
                    if len(closed) > remembered:
                        closed.popitem(last=False)
                    span_end[number] = position
                    start = span_start[number]
                    kinds(END)
                    depths(depth[start])
                    spans(number)
                    calls(call[start])
                    position += 1
                    continue
            parent_id = record.parent_id
            if parent_id is None:
                parent = NO_SPAN
            else:
                found = open_spans.get(parent_id)
                if found is None:
                    found = closed.get(parent_id)
                    if found is None and unresolved is not None:
                        unresolved.add(parent_id)
                parent = NO_SPAN if found is None else found
            depths(0 if parent == NO_SPAN else min(depth[span_start[parent]] + 1, _MAX_DEPTH))
            key = (codes[1], codes[2])
            count = counts[key] = counts.get(key, 0) + 1
            calls(count)
            if status != "started":  # an instant: one deeper than its parent span, which it is placed in
                kinds(INSTANT)
                spans(parent)
            else:
                number = len(span_start)
                parent_add(parent)
                start_add(position)
                end_add(-1)
                open_spans[record.span_id] = number
                kinds(START)
                spans(number)
            position += 1
        t._sorted = in_order
        return kept

    def _code(self, event_type: Any, component: Any, name: Any, status: Any) -> tuple[int, int, int, int]:
        t = self.timeline
        codes = (t.types.code(event_type), t.components.code(component), t.names.code(name), t.statuses.code(status))
        if all(type(text) is str for text in (event_type, component, name, status)):
            self._codes[(event_type, component, name, status)] = codes  # not 1 or True: both equal 1.0
        return codes


def timeline_of(events: list[dict[str, Any]], label: str = "<events>") -> Timeline:
    """A timeline of events held in memory (tests, and small traces read whole)."""
    store = MemoryStore()
    timeline = Timeline(store, label, events[0].get("run_id") if events else None)
    builder = TimelineBuilder(timeline)
    for number, event in enumerate(events, 1):
        store.add(event, f"{label}:{number}")
        add_event(builder, event)
    return timeline


def add_event(builder: TimelineBuilder, event: dict[str, Any]) -> None:
    builder.add(event["seq"], event.get("event_type"), event.get("component"), event.get("name"),
                event.get("span_id"), event.get("parent_id"), event.get("status"), event.get("duration_ms"))
