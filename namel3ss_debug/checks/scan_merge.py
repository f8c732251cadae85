"""A big run checked on two cores: the second half's EventScan folded into the first half's.

The second half is scanned by another process from a quiet point (`ops/split/cut.py`), beside the
second half of the report (`analysis/merge.py`). What a scan keeps joins up exactly:
- a count and the first few events: the counts add up, and the first half's events come first;
- the biggest few: the two heaps, the second half's events numbered after the first half's;
- an order: the second half followed it from every spec, so the first half's progress picks the one to go on;
- the error places, the labels for "did you mean", and the run's last event, in the order they were met.
A call limit keeps the calls past it: the second half keeps its first few calls, numbered from its own first,
which is enough unless the limit falls further into the second half than that. Then `absorb` refuses
(`NotMergeable`) and the caller scans the second half again, as one scan would have gone on.
"""

from __future__ import annotations

import heapq

import msgspec

from ..analysis.merge import NotMergeable
from .results import MAX_EVENTS
from .scan import MAX_PLACES, MAX_SEEN, EventScan, Found


def absorb(first: EventScan, second: EventScan) -> None:
    """Fold `second` (a `second_half` scan of the rest of the run) into `first`; NotMergeable leaves `first`
    as it was."""
    for component, (limit, found) in first.call_limits.items():
        _calls_known(limit, found, second.call_limits[component][1])
    first.events += second.events
    for target, (_, found) in first.specs.items():
        _first_few(found, second.specs[target][1])
    for key, (_, _, found) in first.latency.items():
        _biggest(found, second.latency[key][2])
    for component, found in first.failed_by_component.items():
        _first_few(found, second.failed_by_component[component])
    for component, (limit, found) in first.call_limits.items():
        _calls(limit, found, second.call_limits[component][1])
    _biggest(first.biggest_llm_calls, second.biggest_llm_calls)
    _first_few(first.secret_events, second.secret_events)
    for target, (order,) in first.orders.items():
        if len(order.matched) < len(order.specs):
            order.matched.extend(second.orders[target][len(order.matched)].matched)
    for seq, where in second.place_log:
        if len(first.places) < MAX_PLACES:
            first.places[seq] = where
    for label in second.seen:
        if len(first.seen) < MAX_SEEN:
            first.seen[label] = None
    if first._run_end is None:
        first._run_end = second._run_end
    if second._last is not None:
        first._last = second._last


def _first_few(found: Found, theirs: Found) -> None:
    found.events.extend(theirs.events[:MAX_EVENTS - len(found.events)])
    found.count += theirs.count


def _biggest(found: Found, theirs: Found) -> None:
    """The biggest few of both halves; ties go to the earlier event, as in one pass (its numbers run on)."""
    items = found.events + [(key, number + found.count, ref) for key, number, ref in theirs.events]
    found.events = heapq.nlargest(MAX_EVENTS, items, key=lambda item: item[:2])
    heapq.heapify(found.events)
    found.count += theirs.count


def _calls_known(limit: float, found: Found, theirs: Found) -> None:
    """Whether the second half kept the calls past the limit that one pass would list; NotMergeable if not."""
    skip = int(min(max(limit - found.count, 0), theirs.count))  # its calls still within the limit
    wanted = min(theirs.count, skip + MAX_EVENTS - len(found.events))
    if theirs.count > skip and wanted > len(theirs.events):
        raise NotMergeable(f"the calls past the limit of {limit:g} are further into the second half than it kept")


def _calls(limit: float, found: Found, theirs: Found) -> None:
    """The calls past the limit: the second half's, numbered after the first half's (its own first is 1)."""
    before = found.count
    for number, ref in enumerate(theirs.events, before + 1):
        if number > limit and len(found.events) < MAX_EVENTS:
            found.events.append(msgspec.structs.replace(ref, detail=f"call {number}"))
    found.count += theirs.count
