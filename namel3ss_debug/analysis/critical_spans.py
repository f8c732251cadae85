"""The spans on a run's critical path, one by one (the picture marks them on its timeline).

The rule is `critical.py`'s, applied to a finished tree rather than while events stream: what a span's end
waited for is the child that ended last, then the child that ended last before that one started, and so on,
each of them in turn waiting for its own children. "Before" is decided by `seq` (the writer's order); a
span that never ended counts as ending after everything. Instants take no time and are never on the path, nor is
the run's start-up (a root's `start-up` span, `model/events.py`): the path starts where it ends, as `analyze`'s does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from ..model.events import is_startup
from .spans import SpanNode

_NEVER_ENDED = float("inf")


def critical_nodes(roots: Iterable[SpanNode]) -> set[int]:
    """`id()` of every span node on the critical path of each root span."""
    chosen: set[int] = set()
    stack = [root for root in roots if root.kind == "span"]
    while stack:
        node = stack.pop()
        chosen.add(id(node))
        stack.extend(_waited_for(node))
    return chosen


def _waited_for(node: SpanNode) -> list[SpanNode]:
    """The children whose ends `node`'s end waited for, latest first."""
    root = node.parent_id is None
    children = sorted((child for child in node.children if child.kind == "span" and not (root and startup(child))),
                      key=_end_seq)
    ends = [_end_seq(child) for child in children]
    path: list[SpanNode] = []
    stop = len(children)  # children[:stop] ended before the limit
    while stop:
        last = children[stop - 1]
        path.append(last)
        stop = min(bisect_left(ends, last.seq), stop - 1)
    return path


def startup(node: SpanNode) -> bool:
    """Whether a root's child is the run's start-up span."""
    return is_startup(node.first.get("event_type"), node.component, node.name)


def _end_seq(node: SpanNode) -> float:
    return node.end["seq"] if node.end is not None and isinstance(node.end.get("seq"), int) else _NEVER_ENDED
