"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree, as JSON or JSON Lines
(its tables are in tables.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.inspect import inspect_json as js
from .writing import write_events

if TYPE_CHECKING:
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
    if sink.fmt == "jsonl":
        write_events(sink, "tree", tree.items)
    else:
        sink.write(js.dumps(js.document("tree", **js.tree_body(tree.roots, request.limit))) + b"\n")


def show_timeline(viewed: Viewed, sink: Sink) -> None:
    request, shape = viewed
    if sink.fmt == "jsonl":
        write_events(sink, "timeline", shape.items)
    else:
        sink.write(js.dumps(js.document("timeline", **js.timeline_body(shape.line, request.limit))) + b"\n")
