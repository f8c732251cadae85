"""The span tree of a run: start and end events paired by span id, instants as leaves, parents linked.

Built from event dicts in seq order; a file marker (`segment_start`) is left out. Nothing in a trace is
trusted: a span that never ended is kept and marked `unclosed`, an end without a start still makes a node,
a second start or end of the same span becomes a leaf of its own, a parent that is missing (filtered out,
lost) makes its children roots, and parent links that loop are cut, so the result is always a forest.

    tree = build_tree(events)
    for root in tree.roots: print(root.component, root.name, root.duration_ms, root.total_tokens)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..model.events import FILE_MARKER_EVENT_TYPES, is_end, is_start
from ..model.json_types import JsonEvent
from .fields import micros, number, span_key, text_of, tokens_of

Key = tuple[str, str]


@dataclass(frozen=True)
class SpanNode:
    """One span (a start/end pair) or one instant event, with its children in start order.

    `status` is the end's (the instant's) status; an unclosed span keeps its start's. `duration_ms`
    is the recorded one (monotonic clock), else the end's ts minus the start's. `tokens` is the span's
    own usage; `total_tokens` adds its descendants'.
    """

    run_id: str
    span_id: str
    parent_id: str | None
    component: str
    name: str
    kind: str  # "span" or "instant"
    status: str
    start: JsonEvent | None
    end: JsonEvent | None
    duration_ms: float | None
    tokens: int | None
    total_tokens: int | None
    children: tuple["SpanNode", ...] = ()

    @property
    def unclosed(self) -> bool:
        return self.kind == "span" and self.end is None

    @property
    def first(self) -> JsonEvent:
        """The event that opened the node (the end, for an end without a start)."""
        first = self.start if self.start is not None else self.end
        assert first is not None  # a node is made of its start, its end or both
        return first

    @property
    def seq(self) -> int:
        seq: int = self.first["seq"]  # an event the reader made: its seq is a whole number
        return seq

    @property
    def failed(self) -> bool:
        return self.status == "failed" or any(bool(e.get("error")) for e in (self.start, self.end) if e)

    def walk(self) -> Iterator[tuple[int, "SpanNode"]]:
        """`(depth, node)` for this node and every descendant, depth first, in start order."""
        stack: list[tuple[int, SpanNode]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, child) for child in reversed(node.children))


@dataclass(frozen=True)
class SpanTree:
    """The forest of a run (or of several runs), and its nodes by `(run_id, span_id)`."""

    roots: tuple[SpanNode, ...]
    by_key: dict[Key, SpanNode] = field(repr=False)

    def find(self, span_id: str, run_id: str | None = None) -> SpanNode | None:
        """The node of a span id (in `run_id`, or in the first run that has it)."""
        if run_id is not None:
            return self.by_key.get((run_id, span_id))
        return next((node for (_, span), node in self.by_key.items() if span == span_id), None)

    def walk(self) -> Iterator[tuple[int, SpanNode]]:
        for root in self.roots:
            yield from root.walk()

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())


class _Draft:
    """A node while events still arrive."""

    __slots__ = ("key", "parent", "start", "end", "kind", "children")

    def __init__(self, key: Key, parent: Key | None, event: JsonEvent, kind: str):
        self.key, self.parent, self.kind = key, parent, kind
        self.start = event if kind != "orphan_end" else None
        self.end = event if kind == "orphan_end" else None
        self.children: list[_Draft] = []


def build_tree(events: Iterable[JsonEvent]) -> SpanTree:
    """The span forest of `events`, taken run by run (in order of first appearance), each in seq order.
    A segment's `segment_start` (a file marker) is no node of it."""
    events = [event for event in events if text_of(event.get("event_type")) not in FILE_MARKER_EVENT_TYPES]
    runs: dict[str, int] = {}
    for event in events:
        runs.setdefault(text_of(event.get("run_id")), len(runs))
    ordered = sorted(events, key=lambda e: (runs[text_of(e.get("run_id"))], e["seq"]))
    drafts, addressable = _drafts(ordered)
    roots = _link(drafts, addressable)
    frozen: dict[int, SpanNode] = {}
    built = tuple(_freeze(root, frozen) for root in roots)
    by_key = {draft.key: frozen[id(draft)] for draft in addressable.values()}
    return SpanTree(built, by_key)


def _drafts(events: list[JsonEvent]) -> tuple[list[_Draft], dict[Key, _Draft]]:
    """One draft per span or instant, in the order they began; `addressable` by span key."""
    drafts: list[_Draft] = []
    addressable: dict[Key, _Draft] = {}
    for event in events:
        key = span_key(event) or (text_of(event.get("run_id")), f"#{event['seq']}")
        parent = span_key(event, "parent_id")
        kind = _kind(text_of(event.get("event_type")))
        known = addressable.get(key)
        if kind == "end" and known is not None and known.kind == "span" and known.end is None:
            known.end = event
            continue
        if kind == "end":
            kind = "orphan_end"
        draft = _Draft(key, parent, event, kind)
        drafts.append(draft)
        if known is None:  # a repeated id keeps its first node as the one children find
            addressable[key] = draft
    return drafts, addressable


def _kind(event_type: str) -> str:
    if is_start(event_type):
        return "span"
    return "end" if is_end(event_type) else "instant"


def _link(drafts: list[_Draft], addressable: dict[Key, _Draft]) -> list[_Draft]:
    """Attach each draft to its parent; drafts whose parent chain loops become roots (cut at the earliest)."""
    parent_of: dict[int, _Draft] = {}
    for draft in drafts:
        parent = addressable.get(draft.parent) if draft.parent is not None else None
        if parent is not None and parent is not draft:
            parent_of[id(draft)] = parent
    roots = [draft for draft in drafts if id(draft) not in parent_of]
    reached = _reachable(roots, drafts, parent_of)
    for draft in drafts:  # still unreached: on a loop of parent links
        if id(draft) not in reached:
            del parent_of[id(draft)]
            roots.append(draft)
            reached |= _reachable([draft], drafts, parent_of)
    for draft in drafts:
        parent = parent_of.get(id(draft))
        if parent is not None:
            parent.children.append(draft)
    position = {id(draft): index for index, draft in enumerate(drafts)}
    return sorted(roots, key=lambda d: position[id(d)])


def _reachable(starts: list[_Draft], drafts: list[_Draft], parent_of: dict[int, _Draft]) -> set[int]:
    """Ids of the drafts reached from `starts` by following parent links downwards."""
    children: dict[int, list[_Draft]] = {}
    for draft in drafts:
        parent = parent_of.get(id(draft))
        if parent is not None:
            children.setdefault(id(parent), []).append(draft)
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        draft = stack.pop()
        if id(draft) in seen:
            continue
        seen.add(id(draft))
        stack.extend(children.get(id(draft), ()))
    return seen


def _freeze(root: _Draft, frozen: dict[int, SpanNode]) -> SpanNode:
    """Frozen nodes, children first (an explicit stack: a deep trace must not hit the recursion limit)."""
    stack: list[tuple[_Draft, bool]] = [(root, False)]
    while stack:
        draft, expanded = stack.pop()
        if not expanded:
            stack.append((draft, True))
            stack.extend((child, False) for child in draft.children)
            continue
        frozen[id(draft)] = _node(draft, tuple(frozen[id(child)] for child in draft.children))
    return frozen[id(root)]


def _node(draft: _Draft, children: tuple[SpanNode, ...]) -> SpanNode:
    first = draft.start if draft.start is not None else draft.end
    last = draft.end if draft.end is not None else draft.start
    assert first is not None and last is not None
    own = _tokens(draft)
    below = [child.total_tokens for child in children if child.total_tokens is not None]
    total = None if own is None and not below else (own or 0) + sum(below)
    return SpanNode(
        run_id=draft.key[0], span_id=text_of(first.get("span_id")),
        parent_id=None if first.get("parent_id") is None else text_of(first.get("parent_id")),
        component=text_of(first.get("component")), name=text_of(first.get("name")),
        kind="instant" if draft.kind == "instant" else "span", status=text_of(last.get("status")),
        start=draft.start, end=draft.end, duration_ms=_duration(draft), tokens=own, total_tokens=total,
        children=children,
    )


def _tokens(draft: _Draft) -> int | None:
    for event in (draft.end, draft.start):
        tokens = tokens_of(event) if event is not None else None
        if tokens is not None:
            return tokens
    return None


def _duration(draft: _Draft) -> float | None:
    """The end's `duration_ms`; failing that, the time between the start's and the end's ts."""
    if draft.end is None:
        return None
    recorded = number(draft.end.get("duration_ms"))
    if recorded is not None or draft.start is None:
        return recorded
    began, ended = micros(draft.start.get("ts")), micros(draft.end.get("ts"))
    return (ended - began) / 1000 if began is not None and ended is not None and ended >= began else None
