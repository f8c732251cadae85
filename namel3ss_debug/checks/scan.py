"""The event-level half of `check`: one look at each event (a record, with its file and line) for what the report
does not hold: occurrences of specs, orders, and the events responsible for each figure a rule limits; and a
look for secrets at the events whose line the pre-scan flags (`look_for_secret`).

What a rule asks of an event depends only on its type, component and name, so it is worked out once per
operation (`CheckPlan`) and each event pays only for the rules it concerns. Memory stays bounded: each rule keeps at
most `MAX_EVENTS` events and a count. An event's `EventRef` (its `file:line`) is made only when a rule keeps the
event.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from ..model.events import is_end, is_start
from ..model.events import kind as span_kind
from ..store.line_blocks import LineBlock
from ..store.reader import Located
from ..store.records import EventRecord
from .results import MAX_EVENTS, EventRef, ms_text, usd_text
from .rules import CALL_COMPONENTS, Rule
from .specs import EventSpec, is_occurrence_type, parse_spec

if TYPE_CHECKING:  # the finder loads the tracer's redactor: only a check of forbid_secrets imports it
    from .secrets import SecretFinder

MAX_PLACES = 10_000  # error events remembered by seq, to place the report's error examples
MAX_SEEN = 1_000  # distinct component:name labels remembered, for "did you mean"
# An event where it was read: its record, file and line; or a whole event dict with its place (`Located`).
Place = Any


@dataclass
class Found:
    """A count and the first few events, or with `largest` the biggest few (kept as a heap)."""

    largest: bool = False
    count: int = 0
    events: list[Any] = field(default_factory=list)  # EventRef, or with `largest` (key, n, EventRef) items

    def add(self, place: Place, detail: Optional[str] = None) -> None:
        self.count += 1
        if len(self.events) < MAX_EVENTS:
            self.events.append(place_ref(place, detail))

    def add_largest(self, key: float, place: Place, detail: Callable[[], str]) -> None:
        """Count the event; keep it while it is among the biggest by `key` (`detail` is asked for only then)."""
        self.count += 1
        if len(self.events) < MAX_EVENTS:
            heapq.heappush(self.events, (key, self.count, place_ref(place, detail())))
        elif key >= self.events[0][0]:  # a tie goes to the later event: (key, count) orders them
            heapq.heapreplace(self.events, (key, self.count, place_ref(place, detail())))

    def refs(self) -> list[EventRef]:
        if self.largest:
            return [ref for _, _, ref in sorted(self.events, reverse=True)]
        return list(self.events)


class Order:
    """Progress through one `require_order` rule: the events matched so far, in order."""

    def __init__(self, specs: tuple[str, ...]):
        self.specs = [parse_spec(text)[0] for text in specs]
        self.matched: list[EventRef] = []

    def see(self, covered: list[bool], place: Place) -> None:
        """One occurrence (a span's start or an instant event) of an operation; `covered`: which of the specs
        it is an occurrence of."""
        at = len(self.matched)
        if at < len(covered) and covered[at]:
            self.matched.append(place_ref(place))


@dataclass
class CheckPlan:
    """What the rules ask of an event of one type, component and name."""

    occurrence: bool  # a span's start or an instant event
    end: bool  # a span's end (not the run's)
    run_end: bool
    label: str
    specs: list[Found]  # the require/forbid specs it is an occurrence of
    orders: list[tuple[Order, list[bool]]]  # each order, and which of its specs it is an occurrence of
    latency: list[tuple[float, Found]]  # (limit, found) of the latency rules that cover it, for its end
    calls: Optional[tuple[float, Found]]  # its component's call limit, for its start
    failures: Optional[Found]  # max_component_errors of its component
    llm: bool  # an LLM call's end: a candidate for the biggest calls
    labelled: bool = False  # its label was offered to `seen` (once: `seen` only grows)
    busy: bool = True  # an occurrence of it has something to do: its label to offer, or a spec, order or limit


class EventScan:
    """Feed it every event of one run (`see`), then read what each rule needs from its fields."""

    def __init__(self, rules: list[Rule], secrets: Optional[SecretFinder] = None):
        self.rules = rules
        self.places: dict[int, tuple[str, str]] = {}  # seq -> (file:line, event type), for events with errors
        # spec text -> (spec, occurrences); an `error:...` spec is judged from the report, its Found stays empty
        self.specs = {rule.target_text: (parse_spec(rule.target_text)[0], Found()) for rule in rules
                      if rule.key in ("require", "forbid")}
        # target -> the order followed from its first spec
        self.orders = {rule.target_text: Order(rule.limit) for rule in rules if rule.key == "require_order"}
        self.latency = {(rule.key, rule.target_text): (parse_spec(rule.target_text)[0], rule.limit, Found(largest=True))
                        for rule in rules if rule.key in ("max_p95", "max_p99", "max_latency")}
        self.failed_by_component = {rule.target_text: Found() for rule in rules if rule.key == "max_component_errors"}
        # component -> (limit, calls counted and the first ones past the limit)
        self.call_limits = {CALL_COMPONENTS[rule.key]: (rule.limit, Found()) for rule in rules
                            if rule.key in CALL_COMPONENTS}
        self.biggest_llm_calls = Found(largest=True)
        self.secrets = secrets
        self.secret_events = Found()
        # Whether any rule reads the events' fields (`see`): with forbid_secrets alone, none does.
        self.reads_fields = any(rule.key != "forbid_secrets" for rule in rules)
        self.seen: dict[str, None] = {}  # component:name labels in the order met
        self.events = 0  # events seen
        self.last_place: Optional[Place] = None
        self.run_end_place: Optional[Place] = None  # the first run_end: the run's end, whatever follows it
        self._plans: dict[tuple[str, str, str], CheckPlan] = {}
        self._pick = secrets.line_scanner() if secrets is not None else None

    @property
    def last(self) -> Optional[EventRef]:
        """The run's end (or its last event), for max_duration."""
        place = self.run_end_place if self.run_end_place is not None else self.last_place
        return None if place is None else place_ref(place)

    def see_block(self, block: LineBlock, path: str, upto: Optional[int] = None) -> None:
        """Every event of a block of lines (`path`'s), or its first `upto` (where a part of a run read in parts
        stopped); with forbid_secrets, the events whose line the pre-scan flags are searched whole."""
        count = len(block) if upto is None else min(upto, len(block))
        if self.reads_fields:
            self._see_all(islice(block.numbered(), count), path)
        else:
            self.events += count
        if self._pick is not None:
            end = block.line_numbers()[count] if count < len(block) else None  # the first line not seen
            for located in block.picked(self._pick):
                if end is None or located.line < end:
                    self.look_for_secret(located)

    def see(self, record: EventRecord, path: str, line: int) -> None:
        """One event, read from `path` at `line`."""
        self._see_all(((record, line),), path)

    def _see_all(self, numbered: Iterable[tuple[EventRecord, int]], path: str) -> None:
        """Each `(record, line)` read from `path`, in order: the hot loop of `check`. An event's place is
        made only for a rule that looks at it."""
        plans, make_plan, record, line, events = self._plans, self._plan, None, 0, 0
        for record, line in numbered:
            events += 1
            plan = plans.get((record.event_type, record.component, record.name))
            if plan is None:
                plan = make_plan(record.event_type, record.component, record.name)
            if record.error is not None or record.status == "failed":
                self._failure(record, (record, path, line), plan)
            if plan.occurrence:
                if plan.busy:
                    self._occurrence(record, (record, path, line), plan)
            elif plan.end:
                if plan.latency or plan.llm:
                    self._span_end(record, (record, path, line), plan)
            elif plan.run_end and self.run_end_place is None:
                self.run_end_place = (record, path, line)
        self.events += events
        if record is not None:
            self.last_place = (record, path, line)

    def look_for_secret(self, located: Located) -> None:
        """A whole event (one the pre-scan flagged) searched for secrets; it is counted by `see`, not here."""
        field_name = self.secrets.find(located.event) if self.secrets is not None else None
        if field_name is not None:
            self.secret_events.add(located, f"secret-looking text in {field_name}")

    def _plan(self, event_type: str, component: str, name: str) -> CheckPlan:
        kind = span_kind(event_type)
        limited = self.call_limits.get(component) if is_start(event_type) else None
        plan = CheckPlan(is_occurrence_type(event_type), is_end(event_type) and event_type != "run_end",
                     event_type == "run_end", f"{component}:{name}",
                     [found for spec, found in self.specs.values() if _covers(spec, component, kind, name)],
                     [(order, covered) for order in self.orders.values()
                      for covered in ([spec.covers(component, kind, name) for spec in order.specs],)
                      if any(covered)],  # an order none of whose specs it is an occurrence of has no use for it
                     [(limit, found) for spec, limit, found in self.latency.values()
                      if spec.covers(component, kind, name)],
                     limited, self.failed_by_component.get(component), component == "llm")
        self._plans[(event_type, component, name)] = plan
        return plan

    def _failure(self, record: EventRecord, place: Place, plan: CheckPlan) -> None:
        if len(self.places) < MAX_PLACES:
            self.places[record.seq] = (f"{place[1]}:{place[2]}", record.event_type)
        if plan.failures is not None and record.status == "failed":
            plan.failures.add(place, _error_text(record))

    def _occurrence(self, record: EventRecord, place: Place, plan: CheckPlan) -> None:
        if not plan.labelled:
            plan.labelled = True
            plan.busy = bool(plan.specs or plan.orders or plan.calls is not None)
            if len(self.seen) < MAX_SEEN:
                self.seen[plan.label] = None
        for found in plan.specs:
            found.add(place)
        for order, covered in plan.orders:
            order.see(covered, place)
        if plan.calls is not None:
            limit, found = plan.calls
            found.count += 1
            if found.count > limit and len(found.events) < MAX_EVENTS:
                found.events.append(place_ref(place, f"call {found.count}"))

    def _span_end(self, record: EventRecord, place: Place, plan: CheckPlan) -> None:
        duration = record.duration_ms
        if duration is not None:
            for limit, found in plan.latency:
                if duration > limit:
                    found.add_largest(duration, place, lambda: ms_text(duration))
        if plan.llm:
            size = record.usage.total if record.usage is not None else 0
            cost = record.cost_usd or 0.0
            if size or cost:
                self.biggest_llm_calls.add_largest(cost * 1e9 + size, place, lambda: _usage_text(size, cost))

    def place(self, seq: int) -> tuple[Optional[str], Optional[str]]:
        """`(file:line, event type)` of an event with an error, by seq (Nones if it was not remembered)."""
        return self.places.get(seq, (None, None))


def _covers(spec: EventSpec, component: str, kind: str, name: str) -> bool:
    """An event spec's occurrences (an `error:...` spec is judged from the report: it covers no event)."""
    return not spec.is_error and spec.covers(component, kind, name)


def place_ref(place: Place, detail: Optional[str] = None) -> EventRef:
    if isinstance(place, EventRef):  # made already (a part's, `scan_parts.py`)
        return place
    if isinstance(place, Located):
        event = place.event
        return EventRef(str(event.get("run_id")), int(event.get("seq", -1)), place.where, event.get("event_type"),
                        str(event.get("component")), str(event.get("name")), detail)
    record, path, line = place
    return EventRef(record.run_id, record.seq, f"{path}:{line}", record.event_type, record.component, record.name,
                    detail)


def _error_text(record: EventRecord) -> Optional[str]:
    error = record.error
    if error is None:
        return None
    return f"{error.type or 'Error'}: {error.message or ''}".rstrip(": ")


def _usage_text(tokens: int, cost: float) -> str:
    return f"{tokens} tokens, {usd_text(cost)}" if cost else f"{tokens} tokens"
