"""Which events `inspect` shows: one predicate per filter option, applied to events in run order.

`Selector` sees every event of the input in order, so that `--agent` can follow parent links down
from an agent's span (children always start after their parent), and `--since`/`--until` offsets
can be resolved against each run's own start.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Callable, Iterable, Iterator

from .fields import is_failure, run_start_ts, span_key, text_of
from .window import Bound
from ..model.json_types import JsonEvent, JsonValue

RootTest = Callable[[JsonEvent], bool]  # whether an event opens a subtree `SubtreeTracker` follows


@dataclass(frozen=True)
class EventFilter:
    """The filter options; empty ones let everything through.

    `names` and `types` are shell patterns (`search*`, `llm_call_*`); `grep` is matched, ignoring
    case, against every key and value of the event, however deep.
    """

    components: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset()
    errors_only: bool = False
    agent: str | None = None
    grep: str | None = None
    since: Bound | None = None
    until: Bound | None = None

    def fields_match(self, event: JsonEvent) -> bool:
        """Everything but the agent and the time window, which depend on the events before."""
        if self.components and event.get("component") not in self.components:
            return False
        if self.names and not _any_pattern(self.names, text_of(event.get("name"))):
            return False
        if self.types and not _any_pattern(self.types, text_of(event.get("event_type"))):
            return False
        if self.statuses and event.get("status") not in self.statuses:
            return False
        if self.errors_only and not is_failure(event):
            return False
        return self.grep is None or contains_text(event, self.grep.lower())


def _any_pattern(patterns: tuple[str, ...], value: str) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns)


def contains_text(value: JsonValue, needle: str) -> bool:
    """Whether lower-cased `needle` occurs in any key or scalar of `value` (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and needle in text_of(item).lower():
            return True
    return False


class SubtreeTracker:
    """Follows parent links down from the spans `is_root` picks: is this event inside one of them?

    Feed it every event in seq order; a span whose parent is inside is inside too.
    """

    def __init__(self, is_root: RootTest):
        self.is_root = is_root
        self.inside: set[tuple[str, str]] = set()

    def feed(self, event: JsonEvent) -> bool:
        key = span_key(event)
        if key is not None and key in self.inside:
            return True
        parent = span_key(event, "parent_id")
        if self.is_root(event) or (parent is not None and parent in self.inside):
            if key is not None:
                self.inside.add(key)
            return True
        return False


def agent_root(agent: str) -> RootTest:
    """A root test for `--agent`: the agent's own spans, and events that name it in `attrs.agent`."""
    def is_root(event: JsonEvent) -> bool:
        if event.get("component") == "agent" and event.get("name") == agent:
            return True
        attrs = event.get("attrs")
        return isinstance(attrs, dict) and attrs.get("agent") == agent
    return is_root


def span_root(span_id: str) -> RootTest:
    """A root test for `--span`: the span with this id (in any run)."""
    return lambda event: bool(event.get("span_id") == span_id)


class Selector:
    """Applies an EventFilter to events in run order, keeping what it must remember between them."""

    def __init__(self, criteria: EventFilter):
        self.criteria = criteria
        self.tracker = SubtreeTracker(agent_root(criteria.agent)) if criteria.agent is not None else None
        self.windows: dict[str, tuple[str | None, str | None]] = {}

    def select(self, events: Iterable[JsonEvent]) -> Iterator[JsonEvent]:
        """The events that pass, in the order given."""
        for event in events:
            if self.accepts(event):
                yield event

    def accepts(self, event: JsonEvent) -> bool:
        inside = self.tracker.feed(event) if self.tracker is not None else True
        window = self._window(event)
        return inside and _in_window(event, window) and self.criteria.fields_match(event)

    def _window(self, event: JsonEvent) -> tuple[str | None, str | None]:
        """The time window of the event's run, resolved when its first event is seen."""
        run = text_of(event.get("run_id"))
        window = self.windows.get(run)
        if window is None:
            start = run_start_ts(event)
            since, until = self.criteria.since, self.criteria.until
            window = (since.resolve(start) if since else None, until.resolve(start) if until else None)
            self.windows[run] = window
        return window


def _in_window(event: JsonEvent, window: tuple[str | None, str | None]) -> bool:
    """`since <= ts < until`, comparing the tracer's fixed-width UTC text; no usable ts is outside."""
    since, until = window
    if since is None and until is None:
        return True
    ts = event.get("ts")
    if not isinstance(ts, str):
        return False
    return (since is None or ts >= since) and (until is None or ts < until)
