"""The filter stage: components, event types, minimum duration and sampling, keeping the tree whole.

Unlike the other processors this one is stateful and may return several events (or none) for one:
- a span that is filtered out disappears, and its children are re-parented to its nearest kept ancestor;
- with `min_duration_ms`, a start event is held until its end shows the span was long enough (failed
  spans are always kept); a held start is released early when a child or instant event needs it;
- with `sample_rate` < 1, each top-level span is kept or dropped whole, with all its descendants (the run's
  start-up span is always kept).
Event types filter single events: `--event-type llm_call_end` keeps the end events of LLM spans (without
their starts). Structural events (`run_start`, `run_end`, `segment_start`, `error_occurred`) are always kept.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import orjson

from ..model.events import STRUCTURAL_EVENT_TYPES, is_end, is_start, is_startup
from .serialize import dumps

Event = dict[str, Any]


class CaptureFilter:
    """What a run writes: the tracer's filter of the events it captures (`analysis.event_filter.EventFilter`
    is the other kind: a query over events already written)."""

    def __init__(
        self,
        *,
        root_id: str,
        components: Iterable[str] = (),
        event_types: Iterable[str] = (),
        min_duration_ms: float = 0.0,
        sample_rate: float = 1.0,
        rng: Callable[[], float] | None = None,
    ):
        self.root_id = root_id
        self.components = frozenset(components)
        self.event_types = frozenset(event_types)
        self.min_duration_ms = min_duration_ms
        self.sample_rate = sample_rate
        if rng is None:
            import random  # noqa: PLC0415 - only sampling needs it

            rng = random.random
        self._rng = rng
        self._dropped: dict[str, str | None] = {}  # dropped span -> its parent
        self._unsampled: set[str] = set()
        self._held: dict[str, Event] = {}  # span -> its start event, waiting for its duration
        self._start_type_dropped: set[str] = set()  # spans whose start only was filtered by event type

    @property
    def is_active(self) -> bool:
        return bool(self.components or self.event_types or self.min_duration_ms > 0 or self.sample_rate < 1)

    def __call__(self, event: Event) -> list[Event]:
        event_type = event.get("event_type", "")
        structural = event_type in STRUCTURAL_EVENT_TYPES
        event["parent_id"] = self._resolve(event.get("parent_id"), through_unsampled=structural)
        if structural:
            return self._release(event["parent_id"]) + [event]
        if is_start(event_type):
            return self._on_start(event)
        if is_end(event_type):
            return self._on_end(event)
        return self._on_instant(event)

    def drain(self) -> list[Event]:
        """Release every held start (spans still open when the run ends)."""
        held, self._held = list(self._held.values()), {}
        return held

    def _wanted(self, event: Event) -> bool:
        return self._component_wanted(event) and self._type_wanted(event)

    def _component_wanted(self, event: Event) -> bool:
        return not self.components or event.get("component") in self.components

    def _type_wanted(self, event: Event) -> bool:
        return not self.event_types or event.get("event_type") in self.event_types

    def _on_start(self, event: Event) -> list[Event]:
        span_id, parent = event["span_id"], event["parent_id"]
        # the run's start-up is no unit of work to sample: every run keeps it, so readers tell start-up from work
        startup = parent == self.root_id and is_startup(event["event_type"], event.get("component"), event.get("name"))
        if not (startup or self._sampled(span_id, parent)) or not self._wanted(event):
            self._dropped[span_id] = parent
            if self._component_wanted(event) and span_id not in self._unsampled:
                self._start_type_dropped.add(span_id)  # event types filter single events: its end may be wanted
            return []
        if self.min_duration_ms > 0:
            # Held as JSON data: inputs the call goes on to change (a message list) are kept as they were.
            self._held[span_id] = orjson.loads(dumps(event))
            return []
        return self._release(parent) + [event]

    def _on_end(self, event: Event) -> list[Event]:
        span_id = event["span_id"]
        self._unsampled.discard(span_id)
        if self._dropped.pop(span_id, 0) != 0:
            if span_id in self._start_type_dropped:
                self._start_type_dropped.discard(span_id)
                return self._release(event["parent_id"]) + [event] if self._type_wanted(event) else []
            return []
        start = self._held.pop(span_id, None)
        if start is None:
            return [event] if self._wanted(event) else []
        if event.get("status") != "failed" and (event.get("duration_ms") or 0) < self.min_duration_ms:
            self._adopt_children(span_id, start["parent_id"])
            return []
        event["parent_id"] = start["parent_id"]  # it may have been adopted while held
        return self._release(start["parent_id"]) + [start, event]

    def _on_instant(self, event: Event) -> list[Event]:
        if event["parent_id"] in self._unsampled or not self._wanted(event):
            return []
        return self._release(event["parent_id"]) + [event]

    def _adopt_children(self, span_id: str, parent: str | None) -> None:
        """Held spans that outlive a dropped parent (detached tasks, threads) move to its parent."""
        for held in self._held.values():
            if held["parent_id"] == span_id:
                held["parent_id"] = parent

    def _sampled(self, span_id: str, parent: str | None) -> bool:
        if parent in self._unsampled or (parent == self.root_id and self._rng() >= self.sample_rate):
            self._unsampled.add(span_id)
            return False
        return True

    def _resolve(self, parent: str | None, *, through_unsampled: bool = False) -> str | None:
        while parent in self._dropped and (through_unsampled or parent not in self._unsampled):
            parent = self._dropped[parent]
        return parent

    def _release(self, parent: str | None) -> list[Event]:
        """Held ancestors of an event about to be written, outermost first."""
        chain: list[Event] = []
        while parent in self._held:
            start = self._held.pop(parent)
            chain.append(start)
            parent = start["parent_id"]
        chain.reverse()
        return chain
