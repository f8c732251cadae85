"""`inspect --span ID`, `--tree`, `--timeline`: the shape of a run, from its span tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from ...analysis.event_filter import Selector, SubtreeTracker, span_root
from ...analysis.fields import text_of
from ...analysis.spans import SpanNode, build_tree
from ...analysis.timeline import Waterfall, timeline
from ...analysis.wide import TERMINAL, Cut, Key, WidthCap
from ...model.errors import UsageError
from ...model.lineage import Lineage
from ...model.limits import shown
from ...store.reader import Located
from .inspect import InspectRequest
from .stream import EventStream


@dataclass(frozen=True)
class SpanShape:
    """A span: its own events (start and end), every event under it, and its node of the tree."""

    own: list[Located]
    inside: list[Located]
    node: SpanNode


@dataclass(frozen=True)
class TreeShape:
    """The events that pass the filters (for JSON Lines whole and streamed, with no tree), or their tree: whole
    for JSON, cut to `WidthCap`'s width for a table, with what was cut under each parent (`cuts`)."""

    items: Iterable[Located]
    roots: tuple[SpanNode, ...]
    cuts: Mapping[Key, Cut] = field(default_factory=dict)
    lineages: list[tuple[str, Lineage]] = field(default_factory=list)  # for a table: the reruns' (`EventStream`)


@dataclass(frozen=True)
class TimelineShape:
    """The events that pass the filters, and the waterfall of their spans."""

    items: list[Located]
    line: Waterfall
    lineages: list[tuple[str, Lineage]] = field(default_factory=list)  # for a table: the reruns' (`EventStream`)


def read_span(request: InspectRequest, stream: EventStream) -> SpanShape:
    """A span's start and end events, and the tree of everything under it."""
    ident = request.target
    assert ident is not None
    run, inside = _subtree(ident, stream)
    tree = build_tree(item.event for item in inside)
    node = tree.find(ident, text_of(run))
    if node is None:
        raise UsageError(f"no span with id {shown(ident)} in {stream.label}",
                         hint="span ids are in the span_id field; `inspect TRACE --tree` shows the spans")
    return SpanShape([item for item in inside if item.event.get("span_id") == ident], inside, node)


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
        stream.warn(f"--span {ident}: the id is also in {len(others)} other run(s); showing run {text_of(run)}")
    return run, inside


def read_tree(request: InspectRequest, stream: EventStream) -> TreeShape:
    """The span tree of the events that pass the filters. A table's tree keeps at most `WidthCap`'s children of
    a node (a span with a million children is drawn in a screen, in bounded memory); JSON has every node;
    JSON Lines streams the events and builds no tree."""
    if request.fmt == "jsonl":
        return TreeShape(_passing(request, stream), ())
    if request.fmt == "json":
        items = _selected(request, stream, whole=False)
        return TreeShape(items, build_tree(item.event for item in items).roots)
    cap = WidthCap(TERMINAL)
    for item in _passing(request, stream):
        cap.feed(_slim(item).event)
    events, cuts = cap.finish()
    return TreeShape((), build_tree(events).roots, cuts, stream.lineages())


def read_timeline(request: InspectRequest, stream: EventStream) -> TimelineShape:
    """The waterfall of the spans of the events that pass the filters."""
    items = _selected(request, stream, whole=request.fmt == "jsonl")
    lineages = stream.lineages() if request.fmt == "table" else []
    return TimelineShape(items, timeline(build_tree(item.event for item in items)), lineages)


# What a tree or timeline node shows of its events; the rest (inputs, outputs, attrs) is dropped as the
# events are read, so that a big trace's tree holds its spans and not their payloads.
_SHOWN = frozenset({"v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id", "parent_id",
                    "status", "duration_ms", "usage", "model", "cost_usd"})


def _selected(request: InspectRequest, stream: EventStream, whole: bool) -> list[Located]:
    """The events that pass the filters; unless `whole`, only the fields the views show."""
    kept = _passing(request, stream)
    return list(kept) if whole else [_slim(item) for item in kept]


def _passing(request: InspectRequest, stream: EventStream) -> Iterator[Located]:
    """The events that pass the filters, as they are read."""
    selector = Selector(request.criteria)
    return (item for item in stream.all() if selector.accepts(item.event))


def _slim(item: Located) -> Located:
    event = {key: value for key, value in item.event.items() if key in _SHOWN}
    error = item.event.get("error")
    if error is not None:
        event["error"] = {key: error[key] for key in ("type", "message") if key in error} \
            if isinstance(error, dict) else error
    return Located(event, item.path, item.line, item.offset)
