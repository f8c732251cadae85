"""A recorded run as Chrome trace-event JSON, the timeline ui.perfetto.dev and chrome://tracing open.

    >>> with open("run.perfetto.json", "wb") as out:
    ...     slices = write_perfetto(events, out)

Each span (a start/end pair) is one complete event (`ph: "X"`, `ts`/`dur` in microseconds) named
`component:name`, with `cat` the component and the LLM's model, tokens and cost, the status and the error in
`args`. Instant events (memory operations, markers, `error_occurred`) are `ph: "i"` on their parent's track;
a failed span is coloured `cname: "terrible"` (chrome://tracing) and gets an instant `error: <type>` at its
end (Perfetto ignores `cname`).

Tracks. Perfetto and chrome://tracing nest the slices of one track by time alone, so a track must hold only
slices that nest as the spans do. A span goes on the track of its `pid`, `thread` and asyncio `task` (from
its start event, else its parent's: the run itself sits on the track of the first span that names a thread).
Slices are laid out in start order; a span that would overlap, on its track, a slice that is not one of its
ancestors (two concurrent tasks with no `task` field, a generator span that outlives its caller) goes to the
next lane of that thread, `MainThread (2)`, so nothing is ever drawn inside a span it does not belong to.
A child that overruns its parent on the same track by at most `CLOCK_SLACK_US` (the start is a wall clock,
the duration a monotonic one), or starts at most that long after the parent's end, is cut into its parent;
beyond that it moves to another lane. The layout is linear in spans: a span tries the lanes of its nearest
ancestors (`NEAR_ANCESTORS`), then the first lane that is free by then, then a new one; whether one span is
another's ancestor is two comparisons of their places in the tree's walk.

Pure: events in, JSON bytes out, no clock read; one run per call (span ids are a run's own).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from namel3ss_debug._version import __version__
from namel3ss_debug.model.deep import clip_deep
from namel3ss_debug.model.events import is_end, is_start, kind
from namel3ss_debug.model.text_keys import text_key

from .perfetto_time import LAST_US, Clock, TimeProblems, placeable
from .perfetto_time import duration_us as to_micros

CLOCK_SLACK_US = 1000  # how far a child may overrun its parent on one track and still be drawn inside it
ERROR_COLOUR = "terrible"  # chrome://tracing's reserved red
BRIEF_CHARS = 120  # an instant's texts are cut here: the file is a timeline, not a copy of the trace
SKIPPED_EVENT_TYPES = frozenset({"segment_start"})  # file bookkeeping, not something the app did
NEAR_ANCESTORS = 8  # the ancestors whose lanes a span tries before a free one: a constant, so linear


@dataclass(eq=False, slots=True)
class _Span:
    key: str  # the span id
    seq: int
    component: str
    name: str
    start: int
    end: int | None = None
    parent: _Span | None = None
    depth: int = 0
    where: tuple[Any, Any, Any] = (None, None, None)  # (pid, thread, task) as the start event names them
    track: tuple[Any, Any, Any] = (None, None, None)
    lane: _Lane | None = None
    args: dict[str, Any] = field(default_factory=dict)
    error: Any = None
    enter: int = 0  # its place in a walk of the span tree, and the last place under it: see _ancestor
    leave: int = 0


@dataclass(eq=False, slots=True)
class _Lane:
    tid: int
    title: str
    pid: Any
    stack: list[_Span] = field(default_factory=list)
    index: int = 0  # among its track's lanes
    bottom: int = 0  # how many slices have been the bottom of its stack: tells a stale entry in _Track's heaps


def write_perfetto(events: Iterable[Mapping[str, Any]], out: BinaryIO,
                   warn: Callable[[str], None] | None = None) -> int:
    """Write the trace-event JSON document of one run's v1 events to `out`; return the slices written
    (one per span: start/end pairs, unclosed starts, ends whose start is missing). `warn` hears of the
    events whose times the timeline cannot hold (`perfetto_time.py`)."""
    trace = _build(events)
    if warn is not None:
        trace.problems.report(warn)
    out.write(b'{"traceEvents":[\n')
    for number, item in enumerate(trace.items):  # item by item: the whole text never sits in memory
        out.write(b",\n" + _dumps(item) if number else _dumps(item))
    out.write(b"\n],\n" + _dumps({"displayTimeUnit": "ms", "otherData": trace.other})[1:])
    return trace.slices


@dataclass
class _Trace:
    items: list[dict[str, Any]]
    slices: int
    other: dict[str, Any]
    problems: TimeProblems


def _build(events: Iterable[Mapping[str, Any]]) -> _Trace:
    run = _Reading()
    for event in events:
        run.read(event)
    spans = run.finish()
    _walk(spans)
    lanes = _Layout(run.pid)
    ordered = sorted(spans, key=lambda span: (span.start, span.depth, span.seq))
    for span in ordered:
        lanes.place(span)
    items = lanes.metadata(run.title)
    items += [_slice(span) for span in ordered]
    items += [marker for span in ordered if span.error is not None for marker in [_failure(span)]]
    items += [_placed(instant, run, lanes) for instant in run.instants]
    other = {"run_id": run.run_id, "exporter": f"namel3ss-debug {__version__}", "spans": len(ordered)}
    return _Trace(items, len(ordered), other, run.problems)


class _Reading:
    """One pass over the events: spans by id, instant events, the run's pid, name and last time."""

    def __init__(self) -> None:
        self.open: dict[Any, _Span] = {}
        self.spans: list[_Span] = []
        self.instants: list[tuple[dict[str, Any], Any, tuple[Any, Any, Any]]] = []
        self.clock = Clock()
        self.last = 0
        self.pid: Any = None
        self.run_id: Any = None
        self.title = "run"
        self.problems = TimeProblems()

    def read(self, event: Mapping[str, Any]) -> None:
        ts = self.clock.micros(event.get("ts"))
        if ts is None or not placeable(ts):
            self.problems.note("no_time" if ts is None else "outside", event)
            return
        self.last = max(self.last, ts)
        event_type = event.get("event_type")
        event_type = event_type if isinstance(event_type, str) else ""
        if self.pid is None and _is_pid(event.get("pid")):
            self.pid = event.get("pid")
        if event_type == "run_start":
            self.run_id, self.title = event.get("run_id"), f"{event.get('name')} {event.get('run_id')}"
        if is_start(event_type):
            self._start(event, event_type, ts)
        elif is_end(event_type):
            self._end(event, event_type, ts)
        elif event_type not in SKIPPED_EVENT_TYPES:
            self.instants.append(_instant(event, ts))

    def _start(self, event: Mapping[str, Any], event_type: str, ts: int) -> None:
        span = _Span(text_key(event.get("span_id")), _int(event.get("seq")), text_key(event.get("component")),
                     text_key(event.get("name")), ts)
        span.parent = self.open.get(text_key(event.get("parent_id")))
        pid = event.get("pid")
        span.where = (pid if _is_pid(pid) else None, _label(event.get("thread")), _label(event.get("task")))
        span.args = {"kind": kind(event_type), "span_id": span.key, "parent_id": event.get("parent_id")}
        _take(span.args, event)
        self.open[span.key] = span
        self.spans.append(span)

    def _end(self, event: Mapping[str, Any], event_type: str, ts: int) -> None:
        span = self.open.get(text_key(event.get("span_id")))
        duration = event.get("duration_ms")
        duration_us = to_micros(duration)
        if duration is not None and duration_us is None:
            self.problems.note("no_duration", event)
        if span is None or span.end is not None:  # its start is missing: place it back from its duration
            span = _Span(text_key(event.get("span_id")), _int(event.get("seq")), text_key(event.get("component")),
                         text_key(event.get("name")), max(0, ts - (duration_us or 0)))
            span.parent = self.open.get(text_key(event.get("parent_id")))
            span.args = {"kind": kind(event_type), "span_id": span.key,
                         "parent_id": event.get("parent_id"), "start_missing": True}
            self.spans.append(span)
        span.end = span.start + duration_us if duration_us is not None else max(ts, span.start)
        if span.end > LAST_US:
            span.end = LAST_US
            self.problems.note("cut", event)
        span.args["status"] = event.get("status")
        if duration_us is not None:
            span.args["duration_ms"] = duration
        _take(span.args, event)
        if event.get("status") == "failed" or event.get("error"):
            span.error = event.get("error") or {"type": "failed"}
            span.args["error"] = _error(span.error)

    def finish(self) -> list[_Span]:
        """The spans, each with an end (an unclosed one ends with the run's last event), a track and a depth,
        a child never starting before its parent."""
        pid = self.pid if self.pid is not None else 1
        first = next((span.where for span in self.spans if span.where[1] is not None), (None, None, None))
        default = (first[0] if first[0] is not None else pid, first[1], first[2])
        for span in self.spans:  # in creation order: a parent is settled before its children
            parent = span.parent
            if span.end is None:
                span.end, span.args["unclosed"] = max(self.last, span.start), True
            if parent is not None:
                span.depth = parent.depth + 1
                span.start = min(max(span.start, parent.start), span.end)
            own_pid, thread, task = span.where
            if thread is not None or task is not None:
                span.track = (own_pid if own_pid is not None else parent.track[0] if parent else pid, thread, task)
            else:
                span.track = parent.track if parent is not None else default
        return self.spans


def _walk(spans: list[_Span]) -> None:
    """Number each span in a depth-first walk of the tree (`enter`) with the last number under it (`leave`)."""
    children: dict[int, list[_Span]] = {}
    roots = []
    for span in spans:
        if span.parent is None:
            roots.append(span)
        else:
            children.setdefault(id(span.parent), []).append(span)
    counter = 0
    for root in roots:
        stack: list[tuple[_Span, bool]] = [(root, False)]
        while stack:
            span, done = stack.pop()
            if done:
                span.leave = counter
                continue
            counter += 1
            span.enter = counter
            stack.append((span, True))
            stack.extend((child, False) for child in reversed(children.get(id(span), ())))


@dataclass(eq=False, slots=True)
class _Track:
    """One track's lanes, with the lanes busy (by the end of their bottom slice) and free (by index) as heaps."""

    lanes: list[_Lane] = field(default_factory=list)
    busy: list[tuple[int, int, int]] = field(default_factory=list)  # (bottom's end, lane index, bottom count)
    free: list[tuple[int, int]] = field(default_factory=list)  # (lane index, bottom count)

    def first_free(self, start: int) -> _Lane | None:
        """The free lane of lowest index once the slices that ended before `start` are gone."""
        while self.busy and self.busy[0][0] < start:
            _, index, bottom = heapq.heappop(self.busy)
            heapq.heappush(self.free, (index, bottom))
        while self.free:
            index, bottom = self.free[0]
            lane = self.lanes[index]
            if lane.bottom == bottom:
                return lane
            heapq.heappop(self.free)  # the lane has had a new bottom since: its busy entry stands for it
        return None

    def placed(self, lane: _Lane, span: _Span) -> None:
        if lane.stack[0] is span:  # a new bottom: a new entry, the old ones stale
            lane.bottom += 1
            heapq.heappush(self.busy, (span.end or 0, lane.index, lane.bottom))


class _Layout:
    """Tracks (one per pid, thread and task) split into lanes, each lane a stack of the slices open on it."""

    def __init__(self, pid: Any):
        self.pid = pid if pid is not None else 1
        self.tracks: dict[Any, _Track] = {}
        self.all: list[_Lane] = []

    def place(self, span: _Span) -> None:
        track = self.tracks.setdefault(span.track, _Track())
        lane = next((lane for lane in self._near(span) if _fits(lane, span)), None)
        if lane is None:
            lane = track.first_free(span.start)
            if lane is None or not _fits(lane, span):
                lane = self._new(span.track, len(track.lanes))
                track.lanes.append(lane)
                _fits(lane, span)
        lane.stack.append(span)
        span.lane = lane
        track.placed(lane, span)

    def _near(self, span: _Span) -> list[_Lane]:
        """The lanes of its nearest ancestors on its track, nearest first."""
        lanes: list[_Lane] = []
        node = span.parent
        for _ in range(NEAR_ANCESTORS):
            if node is None:
                break
            if node.track == span.track and node.lane is not None and node.lane not in lanes:
                lanes.append(node.lane)
            node = node.parent
        return lanes

    def lane_of(self, where: tuple[Any, Any, Any], parent: _Span | None) -> _Lane:
        if parent is not None and parent.lane is not None:
            return parent.lane
        key = (where[0] if where[0] is not None else self.pid, where[1], where[2])
        track = self.tracks.setdefault(key, _Track())
        if not track.lanes:
            track.lanes.append(self._new(key, 0))
        return track.lanes[0]

    def _new(self, track: Any, index: int) -> _Lane:
        pid, thread, task = track
        title = " / ".join(str(part) for part in (thread, task) if part is not None) or "run"
        lane = _Lane(len(self.all) + 1, title + (f" ({index + 1})" if index else ""),
                     pid if pid is not None else self.pid, index=index)
        self.all.append(lane)
        return lane

    def metadata(self, title: str) -> list[dict[str, Any]]:
        pids = dict.fromkeys([self.pid] + [lane.pid for lane in self.all])
        items = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "ts": 0, "args": {"name": title}}
                 for pid in pids]
        for lane in self.all:
            base = {"ph": "M", "pid": lane.pid, "tid": lane.tid, "ts": 0}
            items.append({**base, "name": "thread_name", "args": {"name": lane.title}})
            items.append({**base, "name": "thread_sort_index", "args": {"sort_index": lane.tid}})
        return items


def _fits(lane: _Lane, span: _Span) -> bool:
    """Whether `span` can go on `lane` now: every slice still open there is one of its ancestors (after
    closing those that ended before it starts; an ancestor that ended at most CLOCK_SLACK_US before stays);
    it is then cut into its parent if need be."""
    stack = lane.stack
    while stack:
        top = stack[-1]
        assert top.end is not None  # `finish` ends every span before any is laid out
        ancestor = _ancestor(top, span)
        ended = top.end < span.start or (top.end == span.start and not ancestor)
        if not ended or (ancestor and span.start - top.end <= CLOCK_SLACK_US):
            break
        stack.pop()
    if not stack:
        return True
    top = stack[-1]
    assert span.end is not None and top.end is not None
    if not _ancestor(top, span) or span.end - top.end > CLOCK_SLACK_US:
        return False
    span.start = min(span.start, top.end)
    span.end = max(span.start, min(span.end, top.end))
    return True


def _ancestor(older: _Span, span: _Span) -> bool:
    return older.enter < span.enter <= older.leave


def _slice(span: _Span) -> dict[str, Any]:
    lane = span.lane
    assert lane is not None and span.end is not None
    item = {"ph": "X", "name": f"{span.component}:{span.name}", "cat": span.component, "ts": span.start,
            "dur": span.end - span.start, "pid": lane.pid, "tid": lane.tid,
            "args": {key: value for key, value in span.args.items() if value is not None}}
    if span.error is not None:
        item["cname"] = ERROR_COLOUR
    return item


def _failure(span: _Span) -> dict[str, Any]:
    lane = span.lane
    assert lane is not None
    error = _error(span.error)
    return {"ph": "i", "s": "t", "name": f"error: {error.get('type', 'failed')}", "cat": "error",
            "ts": span.end, "pid": lane.pid, "tid": lane.tid, "cname": ERROR_COLOUR,
            "args": {"span": f"{span.component}:{span.name}", "span_id": span.key, "error": error}}


def _instant(event: Mapping[str, Any], ts: int) -> tuple[dict[str, Any], Any, tuple[Any, Any, Any]]:
    """The instant's item, still without `pid`/`tid` (its parent's lane is known once every span is placed),
    its parent's id and its own (pid, thread, task). Kept small: a long run has many of them."""
    component = str(event.get("component"))
    args: dict[str, Any] = {"event_type": event.get("event_type"), "span_id": event.get("span_id"),
                            "parent_id": event.get("parent_id")}
    _take(args, event)
    for key in ("inputs", "outputs", "attrs"):
        brief = _brief(event.get(key))
        if brief:
            args[key] = brief
    item: dict[str, Any] = {"ph": "i", "s": "t", "name": f"{component}:{event.get('name')}", "cat": component, "ts": ts,
            "args": {key: value for key, value in args.items() if value is not None}}
    if event.get("error") or event.get("event_type") == "error_occurred":
        item["cname"] = ERROR_COLOUR
        if event.get("error"):
            item["args"]["error"] = _error(event.get("error"))
    pid = event.get("pid")
    where = (pid if _is_pid(pid) else None, _label(event.get("thread")), _label(event.get("task")))
    return item, event.get("parent_id"), where


def _placed(instant: tuple[dict[str, Any], Any, tuple[Any, Any, Any]], run: _Reading,
            layout: _Layout) -> dict[str, Any]:
    item, parent, where = instant
    lane = layout.lane_of(where, run.open.get(parent))
    item["pid"], item["tid"] = lane.pid, lane.tid
    return item


def _brief(value: Any) -> dict[str, Any] | None:
    """The scalar fields of an instant's inputs, outputs or attrs, texts cut at BRIEF_CHARS: enough to tell
    a memory write's key from another's; the whole value is `inspect --event`'s."""
    if not isinstance(value, Mapping):
        return None
    brief: dict[str, str | int | float | None] = {}
    for key, item in value.items():
        if isinstance(item, str):
            brief[str(key)] = item if len(item) <= BRIEF_CHARS else item[:BRIEF_CHARS] + "…"
        elif item is None or isinstance(item, (int, float, bool)):
            brief[str(key)] = item
    return brief


def _take(args: dict[str, Any], event: Mapping[str, Any]) -> None:
    """The LLM's figures: model, tokens, cost."""
    if event.get("model") is not None:
        args["model"] = event.get("model")
    usage = event.get("usage")
    if isinstance(usage, Mapping):
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            if usage.get(key) is not None:
                args[key] = usage.get(key)
    if event.get("cost_usd") is not None:
        args["cost_usd"] = event.get("cost_usd")


def _error(error: Any) -> dict[str, Any]:
    if isinstance(error, Mapping):
        return {key: error.get(key) for key in ("type", "message", "category") if error.get(key) is not None}
    return {"message": str(error)}


def _dumps(item: Any) -> bytes:
    """JSON bytes; a text orjson refuses (a lone surrogate from a lenient reader) is escaped by the stdlib, and a
    value nested past what either writes (a broken file's id 1,000 lists deep) is cut with the marker first."""
    try:
        return orjson.dumps(item)
    except TypeError:
        return json.dumps(clip_deep(item), ensure_ascii=True, default=repr).encode("ascii")


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _label(value: Any) -> str | None:
    """A thread or task name as a track key (a trace from elsewhere may hold any JSON value there)."""
    return value if value is None or isinstance(value, str) else str(value)


def _is_pid(value: Any) -> bool:
    """Trace viewers take only integer process ids."""
    return isinstance(value, int) and not isinstance(value, bool)
