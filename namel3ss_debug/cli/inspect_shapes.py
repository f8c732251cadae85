"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree."""

from __future__ import annotations

from ..analysis.event_filter import Selector, SubtreeTracker, span_root
from ..analysis.fields import text_of
from ..analysis.spans import build_tree
from ..analysis.timeline import timeline
from ..model.errors import UsageError
from ..render.inspect import to_json as js
from ..render.inspect.event import event_view
from ..render.inspect.timeline import timeline_view
from ..render.inspect.tree import tree_view
from ..store.reader import Located
from .errors import warn
from .inspect_cmd import InspectRequest
from .inspect_events import EventStream
from .inspect_sink import Sink, write_events


def show_span(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """A span's start and end events, and the tree of everything under it."""
    ident = request.target
    assert ident is not None
    run, inside = _subtree(ident, stream)
    tree = build_tree(item.event for item in inside)
    node = tree.find(ident, text_of(run))
    if node is None:
        raise UsageError(f"no span with id {ident!r} in {stream.label}",
                         hint="span ids are in the span_id field; `inspect TRACE --tree` shows the spans")
    own = [item for item in inside if item.event.get("span_id") == ident]
    if sink.fmt == "jsonl":
        write_events(sink, "span", inside)
    elif sink.fmt == "json":
        write_events(sink, "span", own, **js.tree_body((node,), request.limit))
    else:
        for item in own:
            sink.print(event_view(item, full=request.full))
            sink.print("")
        sink.print(tree_view((node,), request.limit))


def _subtree(ident: str, stream: EventStream) -> tuple[object, list[Located]]:
    """The events of the span and everything under it, in the first run that has it (ids repeat across runs)."""
    tracker, run, inside, others = SubtreeTracker(span_root(ident)), None, [], set()
    for located in stream.all():
        event = located.event
        if run is not None and event.get("run_id") != run:
            if event.get("span_id") == ident:
                others.add(text_of(event.get("run_id")))
            continue
        if tracker.feed(event):
            run = event.get("run_id") if run is None else run
            inside.append(located)
    if others:
        warn(f"--span {ident}: the id is also in {len(others)} other run(s); showing run {text_of(run)}")
    return run, inside


def show_tree(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """The span tree of the events that pass the filters."""
    items = _selected(request, stream, whole=sink.fmt == "jsonl")
    tree = build_tree(item.event for item in items)
    if sink.fmt == "jsonl":
        write_events(sink, "tree", items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("tree", **js.tree_body(tree.roots, request.limit))) + b"\n")
    else:
        sink.print(tree_view(tree.roots, request.limit))


def show_timeline(request: InspectRequest, stream: EventStream, sink: Sink) -> None:
    """The waterfall of the spans of the events that pass the filters."""
    items = _selected(request, stream, whole=sink.fmt == "jsonl")
    line = timeline(build_tree(item.event for item in items))
    if sink.fmt == "jsonl":
        write_events(sink, "timeline", items)
    elif sink.fmt == "json":
        sink.write(js.dumps(js.document("timeline", **js.timeline_body(line, request.limit))) + b"\n")
    else:
        sink.print(timeline_view(line, sink.width, request.limit))


# What a tree or timeline node shows of its events; the rest (inputs, outputs, attrs) is dropped as the
# events are read, so that a big trace's tree holds its spans and not their payloads.
_SHOWN = frozenset({"v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id", "parent_id",
                    "status", "duration_ms", "usage", "model", "cost_usd"})


def _selected(request: InspectRequest, stream: EventStream, whole: bool) -> list[Located]:
    """The events that pass the filters; unless `whole`, only the fields the views show."""
    selector = Selector(request.criteria)
    kept = (item for item in stream.all() if selector.accepts(item.event))
    return list(kept) if whole else [_slim(item) for item in kept]


def _slim(item: Located) -> Located:
    event = {key: value for key, value in item.event.items() if key in _SHOWN}
    error = item.event.get("error")
    if error is not None:
        event["error"] = {key: error[key] for key in ("type", "message") if key in error} \
            if isinstance(error, dict) else error
    return Located(event, item.path, item.line, item.offset)
