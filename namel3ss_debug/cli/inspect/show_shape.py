"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree, as JSON or JSON Lines
(its tables are in tables.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from ...render.inspect import inspect_json as js
from .writing import write_events

if TYPE_CHECKING:
    from ...store.reader import Located
    from ..output import Sink
    from .writing import Viewed


def show_span(viewed: Viewed, sink: Sink) -> None:
    """A span's start and end events, and the tree of everything under it."""
    request, span = viewed
    if sink.fmt == "jsonl":
        write_events(sink, "span", span.inside)
    else:
        write_events(sink, "span", span.own, **js.tree_body((span.node,), request.limit))


def show_tree(viewed: Viewed, sink: Sink) -> None:
    request, tree = viewed
    _show_shape(sink, "tree", tree.items, lambda: js.tree_body(tree.roots, request.limit))


def show_timeline(viewed: Viewed, sink: Sink) -> None:
    request, shape = viewed
    _show_shape(sink, "timeline", shape.items, lambda: js.timeline_body(shape.line, request.limit))


def _show_shape(sink: Sink, view: str, items: Iterable[Located], body: Callable[[], dict[str, Any]]) -> None:
    """A whole run's shape: its events one a line (JSON Lines), else a document of `body()` alone (the tree's
    nodes, the timeline's bars), made only then."""
    if sink.fmt == "jsonl":
        write_events(sink, view, items)
    else:
        sink.write(js.dumps(js.document(view, **body())) + b"\n")
