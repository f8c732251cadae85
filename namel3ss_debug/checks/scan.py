"""The event-level half of `check`: one look at each event (with its `file:line`) for what the report does not
hold: occurrences of specs, orders, and the events responsible for each figure a rule limits; and a look
for secrets at the events whose line the pre-scan flags (`look_for_secret`).

Memory stays bounded: each rule keeps at most `MAX_EVENTS` events and a count. An event's `EventRef` (its
`file:line`) is made only when a rule keeps the event.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..analysis.fields import tokens_of
from ..model.events import is_end, is_start
from ..model.events import kind as span_kind
from ..store.reader import Located
from .results import MAX_EVENTS, EventRef, ms_text, usd_text
from .rules import CALL_COMPONENTS, Rule
from .specs import is_occurrence, label, parse_spec

if TYPE_CHECKING:  # the finder loads the tracer's redactor: only a check of forbid_secrets imports it
    from .secrets import SecretFinder

_MAX_PLACES = 10_000  # error events remembered by seq, to place the report's error examples
_MAX_SEEN = 1_000  # distinct component:name labels remembered, for "did you mean"


@dataclass
class Found:
    """A count and the first few events, or with `largest` the biggest few (kept as a heap)."""

    largest: bool = False
    count: int = 0
    events: list[Any] = field(default_factory=list)  # EventRef, or with `largest` (key, n, EventRef) items

    def add(self, located: Located, detail: Optional[str] = None) -> None:
        self.count += 1
        if len(self.events) < MAX_EVENTS:
            self.events.append(_ref(located, detail))

    def add_largest(self, key: float, located: Located, detail: Callable[[], str]) -> None:
        """Count the event; keep it while it is among the biggest by `key` (`detail` is asked for only then)."""
        self.count += 1
        if len(self.events) < MAX_EVENTS:
            heapq.heappush(self.events, (key, self.count, _ref(located, detail())))
        elif (key, self.count) > self.events[0][:2]:
            heapq.heapreplace(self.events, (key, self.count, _ref(located, detail())))

    def refs(self) -> list[EventRef]:
        if self.largest:
            return [ref for _, _, ref in sorted(self.events, reverse=True)]
        return list(self.events)


class Order:
    """Progress through one `require_order` rule: the events matched so far, in order."""

    def __init__(self, specs: tuple[str, ...]):
        self.specs = [parse_spec(text)[0] for text in specs]
        self.matched: list[EventRef] = []

    def see(self, component: object, kind: str, name: str, located: Located) -> None:
        """One occurrence (a span's start or an instant event)."""
        if len(self.matched) < len(self.specs) and self.specs[len(self.matched)].covers(component, kind, name):
            self.matched.append(_ref(located))


class EventScan:
    """Feed it every event of one run (`see`), then read what each rule needs from its fields."""

    def __init__(self, rules: list[Rule], secrets: Optional[SecretFinder] = None):
        self.places: dict[int, tuple[str, str]] = {}  # seq -> (file:line, event type), for events with errors
        # spec text -> (spec, occurrences); an `error:...` spec is judged from the report, its Found stays empty
        self.specs = {rule.target: (parse_spec(rule.target)[0], Found()) for rule in rules
                      if rule.key in ("require", "forbid")}
        self._event_specs = [(spec, found) for spec, found in self.specs.values() if not spec.is_error]
        self.orders = {rule.target: Order(rule.limit) for rule in rules if rule.key == "require_order"}
        self.latency = {(rule.key, rule.target): (parse_spec(rule.target)[0], rule.limit, Found(largest=True))
                        for rule in rules if rule.key in ("max_p95", "max_p99", "max_latency")}
        self.failed_by_component = {rule.target: Found() for rule in rules if rule.key == "max_component_errors"}
        # component -> (limit, calls counted and the first ones past the limit)
        self.call_limits = {CALL_COMPONENTS[rule.key]: (rule.limit, Found()) for rule in rules
                            if rule.key in CALL_COMPONENTS}
        self.biggest_llm_calls = Found(largest=True)
        self.secrets = secrets
        self.secret_events = Found()
        # Whether any rule reads the events' fields (`see`): with forbid_secrets alone, none does.
        self.reads_fields = any(rule.key != "forbid_secrets" for rule in rules)
        self.seen: set[str] = set()
        self.events = 0  # events seen
        self._last: Optional[Located] = None

    @property
    def last(self) -> Optional[EventRef]:
        """The run's end (or its last event), for max_duration."""
        return None if self._last is None else _ref(self._last)

    def see(self, located: Located) -> None:
        self.events += 1
        event = located.event
        event_type = str(event.get("event_type", ""))
        kind = span_kind(event_type)
        if event.get("error") is not None or event.get("status") == "failed":
            self._failure(event, located)
        if is_occurrence(event):
            self._occurrence(event, event_type, kind, located)
        elif is_end(event_type) and event_type != "run_end":
            self._span_end(event, kind, located)
        if self._last is None or self._last.event.get("event_type") != "run_end":
            self._last = located

    def look_for_secret(self, located: Located) -> None:
        """A whole event (one the pre-scan flagged) searched for secrets; it is counted by `see`, not here."""
        field_name = self.secrets.find(located.event) if self.secrets is not None else None
        if field_name is not None:
            self.secret_events.add(located, f"secret-looking text in {field_name}")

    def _failure(self, event: dict[str, Any], located: Located) -> None:
        if len(self.places) < _MAX_PLACES:
            self.places[int(event.get("seq", -1))] = (located.where, event.get("event_type") or "")
        found = self.failed_by_component.get(str(event.get("component")))
        if found is not None and event.get("status") == "failed":
            found.add(located, _error_text(event))

    def _occurrence(self, event: dict[str, Any], event_type: str, kind: str, located: Located) -> None:
        component, name = event.get("component"), str(event.get("name"))
        if len(self.seen) < _MAX_SEEN:
            self.seen.add(label(event))
        for spec, found in self._event_specs:
            if spec.covers(component, kind, name):
                found.add(located)
        for order in self.orders.values():
            order.see(component, kind, name, located)
        limited = self.call_limits.get(str(component)) if self.call_limits and is_start(event_type) else None
        if limited is not None:
            limit, found = limited
            found.count += 1
            if found.count > limit and len(found.events) < MAX_EVENTS:
                found.events.append(_ref(located, f"call {found.count}"))

    def _span_end(self, event: dict[str, Any], kind: str, located: Located) -> None:
        duration = event.get("duration_ms")
        if isinstance(duration, (int, float)):
            for spec, limit, found in self.latency.values():
                if duration > limit and spec.covers(event.get("component"), kind, str(event.get("name"))):
                    found.add_largest(duration, located, lambda: ms_text(duration))
        if event.get("component") == "llm":
            size = tokens_of(event) or 0
            cost = event.get("cost_usd") if isinstance(event.get("cost_usd"), (int, float)) else 0.0
            if size or cost:
                self.biggest_llm_calls.add_largest(cost * 1e9 + size, located, lambda: _usage_text(size, cost))

    def place(self, seq: int) -> tuple[Optional[str], Optional[str]]:
        """`(file:line, event type)` of an event with an error, by seq (Nones if it was not remembered)."""
        return self.places.get(seq, (None, None))


def _ref(located: Located, detail: Optional[str] = None) -> EventRef:
    event = located.event
    return EventRef(str(event.get("run_id")), int(event.get("seq", -1)), located.where, event.get("event_type"),
                    str(event.get("component")), str(event.get("name")), detail)


def _error_text(event: dict[str, Any]) -> Optional[str]:
    error = event.get("error")
    if isinstance(error, dict):
        return f"{error.get('type') or 'Error'}: {error.get('message') or ''}".rstrip(": ")
    return str(error) if error is not None else None


def _usage_text(tokens: int, cost: float) -> str:
    return f"{tokens} tokens, {usd_text(cost)}" if cost else f"{tokens} tokens"
