"""The recorded run beside its rerun: which events are the same, and where the two first part.

Events are paired by place, not by position in the file: a span by its path (`paths.py`) and its
start or end, an instant event by its parent's path, type, name and occurrence there; a rerun's span among
siblings of its label by what it was asked (`asked_places.py`). So a rerun whose asyncio tasks start or
interleave differently (recorded answers come back at once, without the model's latency) still pairs each event
with its twin. Two paired events are the same when what they say is the same: type, status, inputs, outputs,
error type and message, usage, model and attributes. Times, durations, ids, memory, threads, how a rerun
answered a call (`attrs.replay`), where a request went (the host and port of ours, an OpenTelemetry span's
`server.address`, `server.port` and its URL's host: `_WHERE_ATTRIBUTES`), and the volatile attributes
(`_VOLATILE_ATTRS`: per-run ids and clock readings, ours and an OpenTelemetry span's) are not compared. An
attribute that names another span by its id (`attrs.llm_span_id`, the LLM call that asked for a tool) is compared
as that span's place: span ids are numbered in the order spans start, which the scheduler of concurrent tasks
changes from run to run.

The first divergence is the first event, in each run's own order, that has no twin or a different one:
the rule `diff` uses too (`model/divergence.py`), with events paired by place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping, TypeAlias

import orjson

from ..model.divergence import ByKey, first_parting
from ..model.events import RUN_LINK_ATTRS, is_startup
from ..model.json_types import JsonEvent, JsonValue
from ..recording.timeline import END, START, Timeline
from ..rerun.candidates import input_difference
from ..recording.call_paths import ROOT, PathCounter, PathTable, step_label
from .asked_places import AskedPlaces
from ..rerun.requests import REQUEST_COMPONENTS

_SKIPPED = frozenset({"run_start", "run_end", "segment_start"})
# What differs between any two runs of the same app, never compared (the one list of it):
# - our attrs: how a rerun answered a call, the namel3ss runtime's own run id, measurements of a response (a
#   served body is the same JSON, written compact, served at once), and a tool's call id (what pairs a tool
#   with its twin, not what it did; a framework that makes its own ids numbers them in the scheduler's order);
# - the attributes an OpenTelemetry span came with (`attrs.otel_attributes`) whose last word names an id, a
#   time or a duration (`volatile_attribute`): `gen_ai.agent.id`, `gen_ai.event.start_time`,
#   `event_loop.cycle_id`, `gen_ai.server.time_to_first_token`, trace and span ids. Ids are minted per run and
#   times read from the clock; neither says what the app did.
_VOLATILE_ATTRS = frozenset({"replay", "replay_of", "response_bytes", "ttft_ms", "tool_call_id", *RUN_LINK_ATTRS})
_VOLATILE_WORDS = frozenset({"id", "time", "timestamp", "duration", "latency"})
# The OpenTelemetry attributes that name where a call went (the server it was sent to, by name, address or port),
# never compared: a rerun against another stub, proxy or region makes the same call (Semantic Kernel's chat spans
# carry `server.address`). A URL attribute is compared without its host, as our own `attrs.http.url` is.
_WHERE_ATTRIBUTES = frozenset({"server.address", "server.port", "network.peer.address", "network.peer.port",
                               "net.peer.name", "net.peer.port", "net.peer.ip", "http.host", "url.domain"})
_URL_ATTRIBUTES = frozenset({"url.full", "http.url"})
# Attrs that hold the id of another span of the run: compared as where that span sits (its path), and
# left out when the run has no such span (an id forgotten, or of another run).
_SPAN_REFERENCES = ("llm_span_id",)
_KIND_WORD = {START: "start", END: "end"}
EMPTY: tuple[JsonValue, ...] = ("", None, [], {})  # an output field holding one of these says nothing
# Any: an event's place, read by its length: (path, START or END) for a span's ends, (path, type, name, n) for
# an instant
Place: TypeAlias = Any
# A rerun's span of these takes the place of the recorded call it was matched to (`attrs.replay_of`): a request
# by what it asks, a tool by the id the model gave it (`answerer.py`), whatever order they started in.
_ANSWERED_COMPONENTS = (*REQUEST_COMPONENTS, "tool")


@dataclass(frozen=True)
class ComparedEvent:
    """One event of one run, as the report names it."""

    seq: int
    where: str
    event_type: str
    place: str  # `agent:researcher#1 > llm:writer#1 end`


@dataclass(frozen=True)
class EventDivergence:
    """Where the recording and the rerun first part, event by event (diff's `Divergence` is where two call
    sequences part, with the calls around it)."""

    old: ComparedEvent | None
    new: ComparedEvent | None
    what: str


@dataclass(frozen=True)
class Comparison:
    same: int
    different: int
    only_old: int
    only_new: int
    first: EventDivergence | None


@dataclass
class _Side:
    timeline: Timeline
    events: ByKey[Place]  # each event's place, position and digest, in the run's order
    table: PathTable
    places: dict[str, str] = field(default_factory=dict)  # span id -> its path as text, for `_SPAN_REFERENCES`


def compare(old: Timeline, new: Timeline, table: PathTable | None = None) -> Comparison:
    table = table or PathTable()
    asked = AskedPlaces(table)
    a = _side(old, table, asked)
    b = _side(new, table, asked, _paths_by_call(old, a))
    old_digests, new_digests = a.events.digests, b.events.digests
    same = sum(1 for key, (_, digest) in new_digests.items()
               if key in old_digests and old_digests[key][1] == digest)
    different = sum(1 for key in new_digests if key in old_digests) - same
    only_old = sum(1 for key in old_digests if key not in new_digests)
    only_new = sum(1 for key in new_digests if key not in old_digests)
    return Comparison(same, different, only_old, only_new, _first(a, b))


def _paths_by_call(timeline: Timeline, side: _Side) -> dict[str, int]:
    """Each recorded span's path by its call key (`llm:openai.chat#3`), as a rerun's `replay_of` names it."""
    paths: dict[str, int] = {}
    for key, i in side.events.order:
        if len(key) == 2 and key[1] == START:
            paths[timeline.key(i)] = key[0]
    return paths


def _answered_from(timeline: Timeline, start: int, recorded: dict[str, int]) -> int | None:
    """The recorded path of the call a rerun's span was answered from (`attrs.replay_of` on its end)."""
    end = timeline.partner(start)
    if end is None:
        return None
    attrs = timeline.event(end).get("attrs")
    twin = attrs.get("replay_of") if isinstance(attrs, dict) else None
    return recorded.get(twin) if isinstance(twin, str) else None


def _side(timeline: Timeline, table: PathTable, asked: AskedPlaces, recorded: dict[str, int] | None = None) -> _Side:
    """One run's events by place. The recording's spans are numbered in the order they started, and noted with
    what each was asked (`asked`); a rerun's (`recorded`: the recording's paths by call key) by what they were
    asked (`asked_places.py`), so agents started together pair with their twins whatever order they started in.
    A rerun's request or tool matched to a recorded call takes the place of that call: requests are matched by
    what they ask and tools by their call id."""
    counter = PathCounter(table)
    span_paths: dict[int, int] = {}
    instants: dict[tuple[int, str, str], int] = {}
    side = _Side(timeline, ByKey(), table)
    for i in range(len(timeline)):
        event_type, kind = timeline.event_type(i), timeline.kind[i]
        if event_type in _SKIPPED:
            if kind == START:
                span_paths[timeline.span[i]] = ROOT
            continue
        if is_startup(event_type, timeline.component(i), timeline.name(i)):
            continue  # the run's start-up: no doing of the app's, and recordings made before it was written lack it
        event = timeline.event(i)
        if kind == START:
            span = timeline.span[i]
            label = step_label(timeline.component(i), event_type.removesuffix("_start"), timeline.name(i))
            parent, inputs = span_paths.get(timeline.span_parent[span], ROOT), _asked(event)
            if recorded is None:
                span_paths[span] = counter.child(parent, label)
                asked.recorded(parent, label, inputs)
            else:
                span_paths[span] = asked.child(parent, label, inputs)
            if recorded and timeline.component(i) in _ANSWERED_COMPONENTS:
                span_paths[span] = _answered_from(timeline, i, recorded) or span_paths[span]
            if isinstance(event.get("span_id"), str):
                side.places[event["span_id"]] = table.text(span_paths[span])
            key: Place = (span_paths[span], START)
        elif kind == END:
            key = (span_paths.get(timeline.span[i], ROOT), END)
        else:
            slot = (span_paths.get(timeline.span[i], ROOT), event_type, timeline.name(i))
            instants[slot] = instants.get(slot, 0) + 1
            key = (*slot, instants[slot])
        side.events.add(key, i, _digest(event, side.places))
    return side


def _place(table: PathTable, key: Place) -> str:
    """How the report names an event's place: `agent:a#1 > llm:writer#1 end`, `agent:a#1 > mark m#2`."""
    if len(key) == 2:
        return f"{table.text(key[0])} {_KIND_WORD[key[1]]}"
    parent, event_type, name, occurrence = key
    inside = f"{table.text(parent)} > " if parent != ROOT else ""
    return f"{inside}{event_type} {name}#{occurrence}"


def content(event: JsonEvent, places: Mapping[str, str] | None = None) -> JsonEvent:
    """What an event says, without what differs between any two runs (times, ids, threads).

    `places` maps the run's span ids to where each span sits (`agent:a#1 > llm:openai.chat#2`): an
    attribute naming a span by its id says that place instead, or nothing when the span is not there.

    >>> content({"component": "tool", "attrs": {"llm_span_id": "07", "replay": "recorded"}}, {"07": "llm:chat#2"})
    {'component': 'tool', 'attrs': {'llm_span_id': 'llm:chat#2'}}
    """
    said = {name: event.get(name) for name in ("event_type", "component", "name", "status", "inputs",
                                               "outputs", "usage", "model")}
    said["outputs"] = _without_call_ids(_without_empty(said["outputs"]))
    error = event.get("error")
    if isinstance(error, dict):
        said["error"] = {"type": error.get("type"), "message": error.get("message")}
    attrs = event.get("attrs")
    if isinstance(attrs, dict):
        kept = {key: _steady(key, value) for key, value in attrs.items() if key not in _VOLATILE_ATTRS}
        for key in _SPAN_REFERENCES:
            if key in kept:
                place = _place_of(kept.pop(key), places)
                if place is not None:
                    kept[key] = place
        said["attrs"] = kept or None
    return {key: value for key, value in said.items() if value is not None}


def volatile_attribute(key: str) -> bool:
    """Whether an OpenTelemetry attribute differs between runs by nature: its last word (after the last `.`,
    cut at `_`) is `id`, `time`, `timestamp`, `duration` or `latency`.

    >>> [volatile_attribute(k) for k in ("gen_ai.agent.id", "gen_ai.event.start_time", "gen_ai.tool.name")]
    [True, True, False]
    """
    return not _VOLATILE_WORDS.isdisjoint(key.rsplit(".", 1)[-1].split("_"))


def _without_empty(outputs: JsonValue) -> JsonValue:
    """Outputs without their empty fields: an answer with `text: ""` says what one with no `text` says (an SDK
    writes the empty text of a tool-call answer, a fork's made answer or another SDK leaves it out).

    >>> _without_empty({"text": "", "tool_calls": [], "finish_reason": "stop", "n": 0})
    {'finish_reason': 'stop', 'n': 0}
    """
    if not isinstance(outputs, dict):
        return outputs
    return {key: value for key, value in outputs.items() if value not in EMPTY} or None


def _without_call_ids(outputs: JsonValue) -> JsonValue:
    """An LLM answer's tool calls without their ids, which the provider (or a fork's made answer) mints anew
    for every call: what was asked for, and with which arguments, is the answer.

    >>> _without_call_ids({"tool_calls": [{"id": "call_9", "name": "get_weather", "arguments": "{}"}]})
    {'tool_calls': [{'name': 'get_weather', 'arguments': '{}'}]}
    """
    calls = outputs.get("tool_calls") if isinstance(outputs, dict) else None
    if not isinstance(outputs, dict) or not isinstance(calls, list):
        return outputs
    steady = [{key: item for key, item in call.items() if key != "id"} if isinstance(call, dict) else call
              for call in calls]
    return {**outputs, "tool_calls": steady}


def _steady(key: str, value: JsonValue) -> JsonValue:
    """An attr as compared: a request's URL without its host, an OpenTelemetry span's attributes without the
    volatile ones."""
    if key == "http":
        return _without_host(value)
    if key == "otel_attributes" and isinstance(value, dict):
        return {name: _url_path(name, item) for name, item in value.items()
                if not volatile_attribute(name) and name not in _WHERE_ATTRIBUTES} or None
    return value


def _url_path(name: str, value: JsonValue) -> JsonValue:
    """An OpenTelemetry attribute as compared: a URL (`url.full`, `http.url`) without its scheme, host and port."""
    if name not in _URL_ATTRIBUTES or not isinstance(value, str):
        return value
    kept = _without_host({"url": value})
    return kept.get("url") if isinstance(kept, dict) else value


def _place_of(span_id: JsonValue, places: Mapping[str, str] | None) -> str | None:
    return places.get(span_id) if places and isinstance(span_id, str) else None


def _without_host(http: JsonValue) -> JsonValue:
    """A request's URL without its scheme, host and port: a stub or a proxy on another port (a
    server started afresh for each run) receives the same request."""
    url = http.get("url") if isinstance(http, dict) else None
    if not isinstance(url, str) or "://" not in url:
        return http
    rest = url.split("://", 1)[1]
    return {**http, "url": rest[rest.find("/"):] if "/" in rest else "/"}


def _asked(event: JsonEvent) -> bytes:
    """What a span was asked, as a digest of its start's inputs."""
    return _hashed(event.get("inputs"))


def _digest(event: JsonEvent, places: Mapping[str, str]) -> bytes:
    return _hashed(content(event, places))


def _hashed(said: object) -> bytes:
    try:
        data = orjson.dumps(said, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except Exception:
        data = repr(said).encode("utf-8", "backslashreplace")
    return hashlib.blake2b(data, digest_size=16).digest()


def _first(old: _Side, new: _Side) -> EventDivergence | None:
    parting = first_parting(old.events, new.events)
    if parting is None:
        return None
    old_ref = _ref(old, *parting.old) if parting.old is not None else None
    new_ref = _ref(new, *parting.new) if parting.new is not None else None
    if parting.twins and parting.old is not None and parting.new is not None:
        return EventDivergence(old_ref, new_ref, _what(old, new, parting.new[0], parting.old[1], parting.new[1]))
    if new_ref is not None and old_ref is not None:
        what = f"the recorded run has {old_ref.place} here, the rerun {new_ref.place}"
    elif new_ref is not None:
        what = f"only the rerun has {new_ref.place}"
    else:
        what = f"only the recorded run has {old_ref.place}"  # type: ignore[union-attr]
    return EventDivergence(old_ref, new_ref, what)


def _ref(side: _Side, key: Place, position: int) -> ComparedEvent:
    t = side.timeline
    return ComparedEvent(t.seq[position], t.where(position), t.event_type(position), _place(side.table, key))


def _what(old: _Side, new: _Side, key: Place, old_position: int, new_position: int) -> str:
    before = content(old.timeline.event(old_position), old.places)
    after = content(new.timeline.event(new_position), new.places)
    return f"{_place(new.table, key)}: {input_difference(before, after, words=('recorded', 'rerun'))}"
