"""The event-level half of `check`: one look at each event (with its `file:line`) for what the report does not
hold: occurrences of specs, orders, secrets, and the events responsible for each figure a rule limits.

Memory stays bounded: each rule keeps at most `MAX_EVENTS` events and a count.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Optional

from ..store.reader import Located
from .results import MAX_EVENTS, EventRef, ms_text, usd_text
from .rules import Rule
from .secrets import SecretFinder
from .specs import EventSpec, is_error_spec, is_occurrence, kind_of, label, parse_spec

_MAX_PLACES = 10_000  # error events remembered by seq, to place the report's error examples
_MAX_SEEN = 1_000  # distinct component:name labels remembered, for "did you mean"


@dataclass
class Found:
    """A count and the first (or, with `largest`, the biggest) few events."""

    count: int = 0
    events: list[Any] = field(default_factory=list)  # EventRef, or (key, n, EventRef) heap items

    def add(self, ref: EventRef) -> None:
        self.count += 1
        if len(self.events) < MAX_EVENTS:
            self.events.append(ref)

    def add_largest(self, key: float, ref: EventRef) -> None:
        self.count += 1
        item = (key, self.count, ref)
        if len(self.events) < MAX_EVENTS:
            heapq.heappush(self.events, item)
        elif item > self.events[0]:
            heapq.heapreplace(self.events, item)

    def refs(self) -> list[EventRef]:
        if self.events and isinstance(self.events[0], tuple):
            return [ref for _, _, ref in sorted(self.events, reverse=True)]
        return list(self.events)


class Order:
    """Progress through one `require_order` rule: the events matched so far, in order."""

    def __init__(self, specs: tuple[str, ...]):
        self.specs = [parse_spec(text)[0] for text in specs]
        self.matched: list[EventRef] = []

    def see(self, event: dict[str, Any], ref: EventRef) -> None:
        if len(self.matched) < len(self.specs) and self.specs[len(self.matched)].matches(event):
            self.matched.append(ref)


class EventScan:
    """Feed it every event of one run (`see`), then read what each rule needs from its fields."""

    def __init__(self, rules: list[Rule], secrets: Optional[SecretFinder] = None):
        self.rules = rules
        self.places: dict[int, tuple[str, str]] = {}  # seq -> (file:line, event type), for events with errors
        self.specs = {rule.target: (parse_spec(rule.target)[0], Found()) for rule in rules
                      if rule.key in ("require", "forbid") and not is_error_spec(rule.target)}
        self.orders = {rule.target: Order(rule.limit) for rule in rules if rule.key == "require_order"}
        self.latency = {(rule.key, rule.target): (parse_spec(rule.target)[0], rule.limit, Found()) for rule in rules
                        if rule.key in ("max_p95", "max_p99", "max_latency")}
        self.failed_by_component = {rule.target: Found() for rule in rules if rule.key == "max_component_errors"}
        self.call_limits = {rule.key: (rule.limit, Found()) for rule in rules
                            if rule.key in ("max_llm_calls", "max_tool_calls")}
        self.biggest_llm_calls = Found()
        self.secrets = secrets
        self.secret_events = Found()
        self.seen: set[str] = set()
        self.last: Optional[EventRef] = None  # the run's end (or its last event), for max_duration

    def see(self, located: Located) -> None:
        event = located.event
        ref = _ref(located)
        if event.get("error") is not None or event.get("status") == "failed":
            self._failure(event, ref, located.where)
        if is_occurrence(event):
            self._occurrence(event, ref)
        elif str(event.get("event_type", "")).endswith("_end") and event.get("event_type") != "run_end":
            self._span_end(event, ref)
        if self.secrets is not None:
            field_name = self.secrets.find(event)
            if field_name is not None:
                self.secret_events.add(_with(ref, f"secret-looking text in {field_name}"))
        if self.last is None or self.last.event_type != "run_end":
            self.last = ref

    def _failure(self, event: dict[str, Any], ref: EventRef, where: str) -> None:
        if len(self.places) < _MAX_PLACES:
            self.places[ref.seq] = (where, ref.event_type or "")
        found = self.failed_by_component.get(str(event.get("component")))
        if found is not None and event.get("status") == "failed":
            found.add(_with(ref, _error_text(event)))

    def _occurrence(self, event: dict[str, Any], ref: EventRef) -> None:
        if len(self.seen) < _MAX_SEEN:
            self.seen.add(label(event))
        for spec, found in self.specs.values():
            if spec.matches(event):
                found.add(ref)
        for order in self.orders.values():
            order.see(event, ref)
        component = event.get("component")
        if str(event.get("event_type", "")).endswith("_start"):
            for key, (limit, found) in self.call_limits.items():
                if component == key[len("max_"):-len("_calls")]:
                    found.count += 1
                    if found.count > limit and len(found.events) < MAX_EVENTS:
                        found.events.append(_with(ref, f"call {found.count}"))

    def _span_end(self, event: dict[str, Any], ref: EventRef) -> None:
        duration = event.get("duration_ms")
        if isinstance(duration, (int, float)):
            for spec, limit, found in self.latency.values():
                if duration > limit and _span_matches(spec, event):
                    found.add_largest(duration, _with(ref, ms_text(duration)))
        if event.get("component") == "llm":
            size = _tokens(event)
            cost = event.get("cost_usd") if isinstance(event.get("cost_usd"), (int, float)) else 0.0
            if size or cost:
                self.biggest_llm_calls.add_largest(cost * 1e9 + size, _with(ref, _usage_text(size, cost)))

    def place(self, seq: int) -> tuple[Optional[str], Optional[str]]:
        """`(file:line, event type)` of an event with an error, by seq (Nones if it was not remembered)."""
        return self.places.get(seq, (None, None))


def _span_matches(spec: EventSpec, event: dict[str, Any]) -> bool:
    if event.get("component") != spec.head and kind_of(event) != spec.head:
        return False
    return spec.name is None or fnmatchcase(str(event.get("name")), spec.name)


def _ref(located: Located) -> EventRef:
    event = located.event
    return EventRef(str(event.get("run_id")), int(event.get("seq", -1)), located.where, event.get("event_type"),
                    str(event.get("component")), str(event.get("name")))


def _with(ref: EventRef, detail: str) -> EventRef:
    return EventRef(ref.run_id, ref.seq, ref.where, ref.event_type, ref.component, ref.name, detail)


def _error_text(event: dict[str, Any]) -> Optional[str]:
    error = event.get("error")
    if isinstance(error, dict):
        return f"{error.get('type') or 'Error'}: {error.get('message') or ''}".rstrip(": ")
    return str(error) if error is not None else None


def _tokens(event: dict[str, Any]) -> int:
    usage = event.get("usage")
    if not isinstance(usage, dict):
        return 0
    total = usage.get("total_tokens")
    if isinstance(total, int):
        return total
    return sum(value for key in ("input_tokens", "output_tokens")
               if isinstance(value := usage.get(key), int))


def _usage_text(tokens: int, cost: float) -> str:
    return f"{tokens} tokens, {usd_text(cost)}" if cost else f"{tokens} tokens"
