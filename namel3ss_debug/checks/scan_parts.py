"""`check`'s scan of one big run read in parts (`ops/reading/parts.py`): each part's events scanned in its worker
(`PartScan`), then joined to the asking process's scan in the part's place (`settled`, then `join`), so the scan
holds what one look at every event in order gives.

A part does not know what came before its cut, so what depends on it is kept in a form the join can finish:
- each `require_order` followed from every place in the order it could be in at the cut (`Orders`);
- each call limit's first `MAX_EVENTS` calls, whatever their number (the join numbers them on from the run's count
  and keeps those past the limit);
- the biggest events with the part's own count as tie-break (the join adds the run's count before the cut).

`settled` refuses a part whose answer the join cannot finish exactly; the asking process then scans it itself.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import msgspec

from ..store.records import EventRecord
from .results import MAX_EVENTS, EventRef
from .rules import CALL_COMPONENTS, Rule
from .scan import MAX_PLACES, MAX_SEEN, CheckPlan, EventScan, Found, Order, Place, place_ref

if TYPE_CHECKING:  # the finder loads the tracer's redactor: only a check of forbid_secrets imports it
    from .secrets import SecretFinder


@dataclass(frozen=True)
class ScanRecipe:
    """What a worker makes its part's scan from: the rules, and the workspace's redaction keys and patterns (for
    `forbid_secrets`)."""

    rules: tuple[Rule, ...]
    redact_keys: tuple[str, ...] = ()
    redact_patterns: tuple[str, ...] = ()

    def secret_finder(self) -> Optional[SecretFinder]:
        """The finder `forbid_secrets` looks with (the tracer's redactor with the workspace's keys and patterns),
        or None without that rule."""
        if not any(rule.key == "forbid_secrets" for rule in self.rules):
            return None
        from .secrets import SecretFinder  # noqa: PLC0415 - the tracer's redactor, only for forbid_secrets

        return SecretFinder(self.redact_keys, self.redact_patterns)

    def part_scan(self) -> PartScan:
        return PartScan(list(self.rules), self.secret_finder())


class Orders(Order):
    """A `require_order` followed through a part from each place it could be in at the cut: `runs[k]`, the events
    matched from its k-th spec on."""

    def __init__(self, specs: tuple[str, ...]):
        super().__init__(specs)
        self.runs: list[list[EventRef]] = [[] for _ in self.specs]

    def see(self, covered: list[bool], place: Place) -> None:
        """As `scan.Order.see`, from every start at once."""
        for start, matched in enumerate(self.runs):
            at = start + len(matched)
            if at < len(covered) and covered[at]:
                matched.append(place_ref(place))


class PartScan(EventScan):
    """The scan of a part: an `EventScan` whose orders are followed from every start (`Orders`) and whose call
    limits keep each component's first calls (a limit of 0: every call is past it)."""

    def __init__(self, rules: list[Rule], secrets: Optional[SecretFinder] = None):
        super().__init__(rules, secrets)
        orders: dict[str, Order] = {rule.target_text: Orders(rule.limit) for rule in rules
                                    if rule.key == "require_order"}
        self.orders = orders
        self.call_limits = {CALL_COMPONENTS[rule.key]: (0, Found()) for rule in rules if rule.key in CALL_COMPONENTS}
        self.placed_again = False  # an error's seq was placed twice (a broken file): its place was overwritten

    def _failure(self, record: EventRecord, place: Place, plan: CheckPlan) -> None:
        self.placed_again = self.placed_again or record.seq in self.places
        super()._failure(record, place, plan)

    def packed(self) -> PartScan:
        """The part as a worker gives it back: its first run_end and last event made refs (no record), and
        without what only its reading used (the plans, the secret finder and its line test)."""
        self.run_end_place = place_ref(self.run_end_place) if self.run_end_place is not None else None
        self.last_place = place_ref(self.last_place) if self.last_place is not None else None
        self._plans, self._pick, self.secrets = {}, None, None
        return self


def settled(scan: EventScan, part: PartScan) -> bool:
    """Whether `join` gives what one scan of the run would; else the asking process scans the part itself."""
    if part.placed_again and len(scan.places) + len(part.places) >= MAX_PLACES:
        return False  # a seq the part placed twice, at the cap: one scan keeps its first place past the cap
    for component, (_, found) in part.call_limits.items():
        limit, mine = scan.call_limits[component]
        if not _limit_settled(limit, mine, found):
            return False
    return True


def _limit_settled(limit: float, mine: Found, theirs: Found) -> bool:
    """Whether the calls past `limit` the run's scan keeps are among the part's first calls it kept."""
    room = MAX_EVENTS - len(mine.events)
    if room <= 0 or len(theirs.events) == theirs.count:
        return True
    past = [number for number in range(1, len(theirs.events) + 1) if mine.count + number > limit]
    return len(past) >= room or mine.count + theirs.count <= limit


def join(scan: EventScan, part: PartScan) -> None:
    """The part's events as if `scan` had seen them, after its own (`settled` said yes)."""
    for text, (_, found) in part.specs.items():
        _add(scan.specs[text][1], found)
    for text, orders in part.orders.items():
        assert isinstance(orders, Orders)  # a part's (`PartScan`)
        order = scan.orders[text]
        if len(order.matched) < len(order.specs):
            order.matched.extend(orders.runs[len(order.matched)])
    for key, (_, _, found) in part.latency.items():
        _add_largest(scan.latency[key][2], found)
    for component, found in part.failed_by_component.items():
        _add(scan.failed_by_component[component], found)
    for component, (_, found) in part.call_limits.items():
        _add_calls(*scan.call_limits[component], found)
    _add_largest(scan.biggest_llm_calls, part.biggest_llm_calls)
    _add(scan.secret_events, part.secret_events)
    for seq, place in part.places.items():
        if len(scan.places) < MAX_PLACES:
            scan.places[seq] = place
    for label in part.seen:  # its first MAX_SEEN: of them, as many new ones as the run's scan has room for
        if len(scan.seen) >= MAX_SEEN:
            break
        scan.seen[label] = None
    scan.events += part.events
    if scan.run_end_place is None:
        scan.run_end_place = part.run_end_place
    if part.last_place is not None:
        scan.last_place = part.last_place


def _add(mine: Found, theirs: Found) -> None:
    mine.events.extend(theirs.events[:MAX_EVENTS - len(mine.events)])
    mine.count += theirs.count


def _add_largest(mine: Found, theirs: Found) -> None:
    """The part's biggest events, ranked after the run's events before it (their count: a tie goes to the later)."""
    base = mine.count
    for key, number, ref in sorted(theirs.events, key=lambda item: item[1]):
        item = (key, base + number, ref)
        if len(mine.events) < MAX_EVENTS:
            heapq.heappush(mine.events, item)
        elif key >= mine.events[0][0]:
            heapq.heapreplace(mine.events, item)
    mine.count += theirs.count


def _add_calls(limit: float, mine: Found, theirs: Found) -> None:
    """The part's calls numbered on from the run's count, those past the limit kept as one scan keeps them."""
    for number, ref in enumerate(theirs.events, 1):
        count = mine.count + number
        if count > limit and len(mine.events) < MAX_EVENTS:
            mine.events.append(msgspec.structs.replace(ref, detail=f"call {count}"))
    mine.count += theirs.count
