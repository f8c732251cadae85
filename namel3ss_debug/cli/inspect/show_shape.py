"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree.

Rich's views load only for a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.inspect import inspect_json as js
from .writing import write_events

if TYPE_CHECKING:
    from ..output import Sink
    from ...ops.inspect.inspect import InspectRequest
    from ...ops.inspect.read_shape import SpanShape, TimelineShape, TreeShape


def show_span(request: InspectRequest, span: SpanShape, sink: Sink) -> None:
    """A span's start and end events, and the tree of everything under it."""
    if sink.fmt == "jsonl":
        write_events(sink, "span", span.inside)
    elif sink.fmt == "json":
        write_events(sink, "span", span.own, **js.tree_body((span.node,), request.limit))
    else:
        from ...render.inspect.event import event_view  # noqa: PLC0415 - Rich only for a table
        from ...render.inspect.tree import tree_view  # noqa: PLC0415 - Rich only for a table

        for item in span.own:
            sink.print(event_view(item, full=request.full))
            sink.print("")
        sink.print(tree_view((span.node,), request.limit), soft_wrap=True)


def show_tree(request: InspectRequest, tree: TreeShape, sink: Sink) -> None:
    if sink.fmt == "jsonl":
        write_events(sink, "tree", tree.items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("tree", **js.tree_body(tree.roots, request.limit))) + b"\n")
    else:
        from ...render.inspect.lineage import lineage_view  # noqa: PLC0415 - Rich only for a table
        from ...render.inspect.tree import tree_view  # noqa: PLC0415 - Rich only for a table

        if tree.lineages:
            sink.print(lineage_view(tree.lineages), soft_wrap=True)
        sink.print(tree_view(tree.roots, request.limit, tree.cuts), soft_wrap=True)


def show_timeline(request: InspectRequest, shape: TimelineShape, sink: Sink) -> None:
    if sink.fmt == "jsonl":
        write_events(sink, "timeline", shape.items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("timeline", **js.timeline_body(shape.line, request.limit))) + b"\n")
    else:
        from ...render.inspect.lineage import lineage_view  # noqa: PLC0415 - Rich only for a table
        from ...render.inspect.timeline import timeline_view  # noqa: PLC0415 - Rich only for a table

        if shape.lineages:
            sink.print(lineage_view(shape.lineages), soft_wrap=True)
        sink.print(timeline_view(shape.line, sink.width, request.limit))
