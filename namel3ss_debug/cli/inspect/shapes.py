"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree."""

from __future__ import annotations

from ...ops.inspect.inspect import InspectRequest
from ...ops.inspect.shapes import SpanShape, TimelineShape, TreeShape
from ...render.inspect import to_json as js
from ...render.inspect.event import event_view
from ...render.inspect.timeline import timeline_view
from ...render.inspect.tree import tree_view
from .output import Sink, write_events


def show_span(request: InspectRequest, span: SpanShape, sink: Sink) -> None:
    """A span's start and end events, and the tree of everything under it."""
    if sink.fmt == "jsonl":
        write_events(sink, "span", span.inside)
    elif sink.fmt == "json":
        write_events(sink, "span", span.own, **js.tree_body((span.node,), request.limit))
    else:
        for item in span.own:
            sink.print(event_view(item, full=request.full))
            sink.print("")
        sink.print(tree_view((span.node,), request.limit))


def show_tree(request: InspectRequest, tree: TreeShape, sink: Sink) -> None:
    if sink.fmt == "jsonl":
        write_events(sink, "tree", tree.items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("tree", **js.tree_body(tree.roots, request.limit))) + b"\n")
    else:
        sink.print(tree_view(tree.roots, request.limit))


def show_timeline(request: InspectRequest, shape: TimelineShape, sink: Sink) -> None:
    if sink.fmt == "jsonl":
        write_events(sink, "timeline", shape.items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("timeline", **js.timeline_body(shape.line, request.limit))) + b"\n")
    else:
        sink.print(timeline_view(shape.line, sink.width, request.limit))
