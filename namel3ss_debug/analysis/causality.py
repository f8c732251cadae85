"""What led up to an event (usually an error): the spans around it, and what happened near it just before.

Every event of the target's run within `lookback_ms` before it is placed by its relation to the target,
found by following parent links:

- `target`, `same span` (the start of the span the target ends), `ancestor` (a span enclosing it),
- `inside` (under the target's span: a child that failed first is a likely cause),
- `sibling` (under the same parent), `nearby` (under a shared enclosing span further up),
- `elsewhere` (shares nothing below the run itself): kept only when it failed, otherwise counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..model.events import is_end, is_start
from ..model.json_types import JsonEvent
from .fields import is_failure, micros, span_key, text_of

Key = tuple[str, str]


@dataclass(frozen=True)
class CauseStep:
    event: JsonEvent
    relation: str
    before_ms: float | None  # how long before the target it happened


@dataclass(frozen=True)
class Causality:
    """The enclosing spans' start events (outermost first), then the related events in seq order, target last."""

    target: JsonEvent
    lookback_ms: float
    chain: tuple[JsonEvent, ...]
    steps: tuple[CauseStep, ...]
    hidden: int  # unrelated events in the window that did not fail


class _Scan:
    """What one pass over the run keeps: parent links, open spans, and the events inside the window."""

    def __init__(self) -> None:
        self.parent_of: dict[Key, Key | None] = {}
        self.open: dict[Key, JsonEvent] = {}
        self.window: list[JsonEvent] = []
        self.chain: list[JsonEvent] = []

    def note(self, event: JsonEvent) -> None:
        key = span_key(event)
        if key is None:
            return
        self.parent_of.setdefault(key, span_key(event, "parent_id"))
        event_type = text_of(event.get("event_type"))
        if is_start(event_type):
            self.open.setdefault(key, event)
        elif is_end(event_type):
            self.open.pop(key, None)


def causality(events: Iterable[JsonEvent], target: JsonEvent, lookback_ms: float) -> Causality:
    """Read the target's run up to the target (events in seq order), keeping the last `lookback_ms` of it."""
    run, seq, moment = target.get("run_id"), target["seq"], micros(target.get("ts"))
    since = moment - int(lookback_ms * 1000) if moment is not None else None
    scan = _Scan()
    for event in events:
        if event.get("run_id") != run:
            continue
        if event["seq"] == seq:
            scan.note(event)
            scan.chain = _chain(scan, span_key(target, "parent_id"))
            break
        scan.note(event)
        at = micros(event.get("ts"))
        if since is None or at is None or at >= since:
            scan.window.append(event)
    return _result(scan, target, lookback_ms, moment)


def _chain(scan: _Scan, parent: Key | None) -> list[JsonEvent]:
    """Start events of the open spans from the target's parent up, outermost first."""
    chain, seen = [], set()
    while parent is not None and parent not in seen:
        seen.add(parent)
        if parent in scan.open:
            chain.append(scan.open[parent])
        parent = scan.parent_of.get(parent)
    return chain[::-1]


def _result(scan: _Scan, target: JsonEvent, lookback_ms: float, moment: int | None) -> Causality:
    own = span_key(target)
    ancestors = _ancestors(scan, span_key(target, "parent_id"))
    steps, hidden = [], 0
    for event in scan.window:
        relation = _relation(scan, span_key(event), own, ancestors)
        if relation == "elsewhere" and not is_failure(event):
            hidden += 1
            continue
        steps.append(CauseStep(event, relation, _before(event, moment)))
    steps.append(CauseStep(target, "target", 0.0))
    return Causality(target, lookback_ms, tuple(scan.chain), tuple(steps), hidden)


def _ancestors(scan: _Scan, parent: Key | None) -> dict[Key, int]:
    """The target's enclosing spans and their distance up (0 = its parent)."""
    found: dict[Key, int] = {}
    while parent is not None and parent not in found:
        found[parent] = len(found)
        parent = scan.parent_of.get(parent)
    return found


def _relation(scan: _Scan, key: Key | None, own: Key | None, ancestors: dict[Key, int]) -> str:
    if key is None:
        return "elsewhere"
    if key == own:
        return "same span"
    if key in ancestors:
        return "ancestor"
    outermost = len(ancestors) - 1
    seen: set[Key] = set()
    step = scan.parent_of.get(key)
    while step is not None and step not in seen:
        if step == own:
            return "inside"
        if step in ancestors:
            distance = ancestors[step]
            return "sibling" if distance == 0 else "nearby" if distance < outermost else "elsewhere"
        seen.add(step)
        step = scan.parent_of.get(step)
    return "elsewhere"


def _before(event: JsonEvent, moment: int | None) -> float | None:
    at = micros(event.get("ts"))
    return (moment - at) / 1000 if moment is not None and at is not None else None
