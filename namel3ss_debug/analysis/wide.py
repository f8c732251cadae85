"""Wide trees cut to what a reader can take in, in one pass: of a node's children (spans and instants, a run's
roots counting as the children of the run), the first, the last and up to a number of failed ones are kept
with everything under them; the others are counted, per parent, and left out.

Why these: a span with a million children is a loop (retries, pages, turns); its first children show how it
began, its last how it ended, and a failed one (a child that failed or has a failure under it) is what a
debugging user looks for, so failures are kept before any ordinary child in the middle. How many: `TERMINAL`
(10 first, 10 last, 10 failed) fits a screen and never cuts an ordinary fan-out (an agent's dozen tool calls);
`PAGE` (20,000, 2,000, 2,000) keeps the report within the 100,000 spans its page is built for
(bench/report_open.py: the bench's run of 12,500 requests under its root loses none), a few MB at most for
a span with a million children.

    cap = WidthCap(TERMINAL)
    for event in events:
        cap.feed(event)
    kept, cuts = cap.finish()  # kept: the events kept, in the order fed; cuts: `Cut` by parent key

Memory holds the kept events, the children still open past the first ones (up to `Widths.open` per parent,
which may yet fail; older ones are cut past it), and the keys of cut spans that are still open, so that their
later events are counted where they were cut instead of becoming roots. A trace's events come between their
parent's start and end; an event of a cut span that comes after its end is counted as a root of its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..model.events import FILE_MARKER_EVENT_TYPES, is_end, is_start
from ..model.json_types import JsonEvent, JsonValue
from .fields import is_failure, span_key, text_of

Key = tuple[str, "str | None"]  # (run_id, span_id); a run's roots are the children of (run_id, None)


@dataclass(frozen=True)
class Widths:
    """How many children of a node are kept: the first, the last, the failed (beyond the first); `open`: how
    many children past the first may be open at once, waiting to be kept or cut."""

    first: int
    last: int
    failed: int
    open: int = 1000


TERMINAL = Widths(10, 10, 10)  # `inspect --tree`
PAGE = Widths(20_000, 2_000, 2_000, 4_000)  # `report`, `view`


@dataclass
class Cut:
    """What was left out under one parent: its children not kept, the nodes under them too, the failed ones."""

    children: int = 0
    nodes: int = 0  # the children left out and every node under them
    failed: int = 0  # children left out that failed or had a failure under them
    first_seq: int | None = None  # the seq of the first child left out (the "N more" line goes there)


class _Group:
    """A child past the first ones and everything under it, held until it is kept or cut."""

    __slots__ = ("parent", "events", "keys", "nodes", "failed", "seq")

    def __init__(self, parent: _Node, seq: JsonValue):
        self.parent = parent
        self.events: list[tuple[int, JsonEvent]] = []
        self.keys: list[Key] = []
        self.nodes, self.failed, self.seq = 0, False, seq

    @property
    def outer(self) -> _Group | None:
        """The group its parent is held in now (None: kept)."""
        return self.parent.group


class _Node:
    __slots__ = ("key", "group", "opened", "ended", "children", "ring", "open", "pinned")

    def __init__(self, key: Key, group: _Group | None, opened: _Group | None, ended: bool):
        self.key, self.group, self.opened, self.ended = key, group, opened, ended
        self.children = self.pinned = 0
        self.ring: deque[_Group] = deque()  # ended children past the first, not kept for failing: the last LAST
        self.open: dict[_Group, None] = {}  # children past the first that have not ended, oldest first


class WidthCap:
    """Feed it a run's events (or several runs'), in the order read; `finish` says what is kept."""

    def __init__(self, widths: Widths):
        self.widths = widths
        self.kept: list[tuple[int, JsonEvent]] = []
        self.nodes: dict[Key, _Node] = {}
        self.cut_open: dict[Key, Cut] = {}  # cut spans not ended: their later events count where they were cut
        self.cuts: dict[Key, Cut] = {}
        self.fed = 0

    def feed(self, event: JsonEvent) -> None:
        position = self.fed
        self.fed += 1
        if event.get("event_type") in FILE_MARKER_EVENT_TYPES:
            self.kept.append((position, event))
            return
        run = text_of(event.get("run_id"))
        key: Key = span_key(event) or (run, f"#{event.get('seq')}")
        event_type = text_of(event.get("event_type"))
        node = self.nodes.get(key)
        if node is not None:
            self._hold(node.group, position, event)
            if node.group is not None and is_failure(event):
                node.group.failed = True
            if is_end(event_type):
                self._ended(node)
            return
        cut = self.cut_open.get(key)
        if cut is not None:  # a later event of a span cut while open
            if is_end(event_type):
                del self.cut_open[key]
            return
        self._begin(key, span_key(event, "parent_id") or (run, None), position, event, not is_start(event_type))

    def _begin(self, key: Key, parent_key: Key, position: int, event: JsonEvent, ended: bool) -> None:
        """The first event of a node: kept with its parent, opening a group of its own, or counted as cut."""
        parent = self.nodes.get(parent_key)
        if parent is None:
            cut = self.cut_open.get(parent_key)
            if cut is not None:  # under a span cut while open
                cut.nodes += 1
                if not ended:
                    self.cut_open[key] = cut
                return
            root = (key[0], None)  # a run's roots, and the spans whose parent is not in it (roots too)
            parent = self.nodes.get(root) or self.nodes.setdefault(root, _Node(root, None, None, True))
        parent.children += 1
        if parent.children <= self.widths.first:
            group, opened = parent.group, None
        else:
            group = opened = _Group(parent, event.get("seq"))
            parent.open[group] = None
        node = self.nodes[key] = _Node(key, group, opened, ended)
        self._hold(group, position, event)
        self._count(group, key)
        if group is not None and is_failure(event):
            group.failed = True
        if opened is not None and len(parent.open) > self.widths.open:
            self._cut(next(iter(parent.open)))
        if ended:
            self._ended(node)

    def _hold(self, group: _Group | None, position: int, event: JsonEvent) -> None:
        (group.events if group is not None else self.kept).append((position, event))

    def _count(self, group: _Group | None, key: Key) -> None:
        if group is not None:
            group.keys.append(key)
        while group is not None:
            group.nodes += 1
            group = group.outer

    def _ended(self, node: _Node) -> None:
        """A node ended: its children are all in (a trace nests them), so its ring is final, and if it opened
        a group, the group is kept for failing, or goes into its parent's ring."""
        node.ended = True
        self._merge_ring(node)
        if node.opened is not None and node.opened.parent.open.pop(node.opened, 0) is None:
            self._settle(node.opened)

    def _merge_ring(self, node: _Node) -> None:
        while node.ring:
            self._merge(node.ring.popleft(), node.group)

    def _settle(self, group: _Group) -> None:
        parent = group.parent
        if group.failed and group.outer is not None:
            group.outer.failed = True
        if group.failed and parent.pinned < self.widths.failed:
            parent.pinned += 1
            self._merge(group, parent.group)
            return
        parent.ring.append(group)
        if len(parent.ring) > self.widths.last:
            self._cut(parent.ring.popleft())

    def _merge(self, group: _Group, into: _Group | None) -> None:
        """A group kept: its events join its outer group's (or the kept ones), its nodes go with them."""
        self._hold_all(into, group.events)
        for key in group.keys:
            node = self.nodes.get(key)
            if node is not None and node.group is group:
                node.group = into
        if into is not None:
            into.keys.extend(group.keys)

    def _hold_all(self, into: _Group | None, events: list[tuple[int, JsonEvent]]) -> None:
        (into.events if into is not None else self.kept).extend(events)

    def _cut(self, group: _Group) -> None:
        """A group left out: counted under its parent; its nodes forgotten, those still open remembered as cut."""
        parent = group.parent
        parent.open.pop(group, None)
        cut = self.cuts.setdefault(parent.key, Cut())
        cut.children += 1
        cut.nodes += group.nodes
        cut.failed += group.failed
        if isinstance(group.seq, int) and (cut.first_seq is None or group.seq < cut.first_seq):
            cut.first_seq = group.seq
        self._forget(group, cut)

    def _forget(self, group: _Group, cut: Cut) -> None:
        pending = [group]
        while pending:
            for key in pending.pop().keys:
                node = self.nodes.pop(key, None)
                if node is None:
                    continue
                self.cuts.pop(key, None)  # counted in `cut` already
                if not node.ended:
                    self.cut_open[key] = cut
                pending.extend(node.ring)
                pending.extend(node.open)

    def finish(self) -> tuple[list[JsonEvent], dict[Key, Cut]]:
        """The events kept, in the order fed, and what was cut under each parent (by its key). Spans that never
        ended are settled here, the deepest first."""
        for key in reversed(list(self.nodes)):
            node = self.nodes.get(key)
            if node is None:
                continue
            for group in list(node.open):
                if node.open.pop(group, 0) is None:
                    self._settle(group)
            self._merge_ring(node)
        self.kept.sort(key=lambda item: item[0])
        return [event for _, event in self.kept], self.cuts
