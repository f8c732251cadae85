"""A call the recording has no result for: the nearest recorded calls, each with why it did not match.

Only calls of the missed call's kind (its component) are offered: a model call is never answered by a tool's
result. Nearness counts what a recorded call shares with the missed one: name, the span it runs under, its
occurrence there and its inputs; ties go to the call nearest in the run. Each reason says only what the recording
holds: an occurrence that differs names the recording's call of the missed call's number there, or elsewhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..model.calls import CallRecord
from ..model.json_types import Foreign, JsonValue
from ..recording.call_paths import step_label
from ..recording.calls import RecordedCall, Recording
from ..recording.mocks import MockKey

MAX_SHOWN = 60


@dataclass(frozen=True)
class LiveCall(CallRecord):
    """A call of the rerun, as the matcher sees it: its inputs and their fingerprint, where a recorded call
    (`RecordedCall`) has its places in the recorded timeline."""

    component: str
    name: str
    prefix: str  # its event types' prefix: `llm_call` for llm_call_start/end
    path: int
    number: int  # its N among the rerun's calls of this component and name
    inputs: Foreign
    fingerprint: bytes

    @property
    def label(self) -> str:
        return step_label(self.component, self.prefix, self.name)


@dataclass(frozen=True)
class Candidate:
    """A recorded call near a missed one: its key, where it is in the recording, its path, and why it did not
    match."""

    key: str
    where: str
    path: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Miss:
    """A call with no recorded result, and the nearest recorded calls."""

    call: str
    path: str
    inputs: Foreign
    why: str
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)


def nearest(recording: Recording, live: LiveCall, served: set[int], by_inputs: bool,
            count: int = 3) -> tuple[Candidate, ...]:
    """Up to `count` recorded calls of `live`'s component, nearest first, each with why it did not match; none
    when the recording has no call of that component."""
    table = recording.table
    scored = sorted(((_score(recording, call, live), -abs(call.number - live.number), -call.start, call)
                     for call in recording.calls if call.component == live.component),
                    key=lambda item: item[:3], reverse=True)
    return tuple(Candidate(call.key, recording.where(call), table.text(call.path),
                           tuple(_reasons(recording, call, live, served, by_inputs)))
                 for _, _, _, call in scored[:count])


def _score(recording: Recording, call: RecordedCall, live: LiveCall) -> int:
    table = recording.table
    score = 4 * (call.name == live.name)
    score += 2 * (table.parent(call.path) == table.parent(live.path))
    score += (call.label == live.label and table.entries[call.path][2] == table.entries[live.path][2])
    if call.name == live.name:
        score += 2 * (recording.fingerprint(call) == live.fingerprint)
    return score


def _reasons(recording: Recording, call: RecordedCall, live: LiveCall, served: set[int],
             by_inputs: bool) -> list[str]:
    table = recording.table
    reasons: list[str] = []
    if call.name != live.name:
        reasons.append(f"name: recorded {call.name}, this call {live.name}")
    if table.parent(call.path) != table.parent(live.path):
        reasons.append(f"place: recorded under {table.text(table.parent(call.path))}, "
                       f"this call under {table.text(table.parent(live.path))}")
    elif call.label == live.label and not by_inputs and table.entries[call.path][2] != table.entries[live.path][2]:
        reasons.append(_occurrence(recording, call, live, served))
    if recording.fingerprint(call) != live.fingerprint:
        reasons.append(f"inputs: {input_difference(recording.inputs(call), live.inputs)}")
    if call.start in served:
        reasons.append("already answered another call of the rerun")
    if call.end is None:
        reasons.append("the recording never saw it end")
    return reasons or ["matches, but was not chosen"]


def _occurrence(recording: Recording, call: RecordedCall, live: LiveCall, served: set[int]) -> str:
    """Why a call at the same place but another occurrence there is not the missed call, and what the recording
    has at the missed call's occurrence: its call there (answered already, or asked otherwise), or none there and
    its call of the missed call's key elsewhere, or no such call at all."""
    table = recording.table
    number = table.entries[live.path][2]
    said = f"occurrence: recorded as {call.label}#{table.entries[call.path][2]} there; this call is #{number} there"
    twin = recording.by_path.get(live.path)  # the rerun's paths are interned in the recording's table
    if twin is not None:
        if twin.start in served:
            return f"{said}, and the recording's #{number} there ({twin.key}) answered another call already"
        if recording.fingerprint(twin) != live.fingerprint:
            return f"{said}, and the recording's #{number} there ({twin.key}) asks something else"
        return f"{said}, and the recording's #{number} there is {twin.key}"
    same_key = next((other for other in recording.by_operation.get((live.component, live.name), ())
                     if other.number == live.number), None)
    if same_key is None:
        return f"{said}, and the recording has no {live.key}"
    if table.parent(same_key.path) == table.parent(live.path):  # the run's count and the place's differ
        return f"{said}, and the recording has none there (its {same_key.key} is its " \
               f"#{table.entries[same_key.path][2]} there)"
    return f"{said}, and the recording has none there (its {same_key.key} is under " \
           f"{table.text(table.parent(same_key.path))})"


UNHOOKED_SOURCES = ("wire", "opentelemetry")  # a tool span made from these only watches: its body runs again


def runs_again(recording: Recording, call: RecordedCall) -> bool:
    """Whether a rerun runs this tool's body again rather than answering it: no hook of ours holds it (it was
    seen on the wire, or through OpenTelemetry), so no mock can answer it."""
    if call.component != "tool":
        return False
    events = [recording.timeline.event(call.start)] + ([] if call.end is None else [recording.result(call) or {}])
    return any(isinstance(event.get("attrs"), dict) and event["attrs"].get("source") in UNHOOKED_SOURCES
               for event in events)


def mock_instead(recording: Recording, key: MockKey) -> tuple[tuple[str, ...], bool]:
    """What a mock that answered no call of a rerun could name instead, and whether that is the request its call
    sent: the `http` children of the calls `key` names (an OpenTelemetry `llm` span whose request answers it),
    else up to three other recorded calls of its component a mock can answer, nearest by name, then number (a
    tool that runs again is never offered). None for an event type's key, or when the recording has no such call."""
    if key.component is None or key.name is None:
        return (), False
    named = _named(recording, key)
    paths = {call.path for call in named}
    requests = [call for call in recording.calls if call.component == "http" and recording.table.parent(call.path)
                in paths]
    if requests:
        return tuple(call.key for call in requests), True
    number, name, starts = key.number or 1, key.name, {call.start for call in named}
    others = [call for call in recording.calls if call.component == key.component and call.start not in starts
              and not runs_again(recording, call)]
    ranked = sorted(others, key=lambda call: (call.name != name, -difflib.SequenceMatcher(None, call.name,
                                                                                          name).ratio(),
                                              abs(call.number - number), call.start))
    return tuple(call.key for call in ranked[:3]), False


def _named(recording: Recording, key: MockKey) -> list[RecordedCall]:
    return [call for call in recording.by_operation.get((key.component or "", key.name or ""), ())
            if key.number is None or call.number == key.number]


def unmockable(recording: Recording, key: MockKey) -> tuple[str, str | None] | None:
    """Where a mock names tools that all run again in a rerun: how they were seen (`on the wire`, `through
    OpenTelemetry`) and the LLM call a mock can answer instead, the first to end after the first of them (the one
    whose request carried its result, or the next); None when the key names a call a mock can answer, or none."""
    named = _named(recording, key)
    if not named or not all(runs_again(recording, call) for call in named):
        return None
    attrs = recording.timeline.event(named[0].start).get("attrs")
    seen = "on the wire" if isinstance(attrs, dict) and attrs.get("source") == "wire" else "through OpenTelemetry"
    after = named[0].end if named[0].end is not None else named[0].start
    reader = next((call for call in recording.calls if call.component == "llm" and call.end is not None
                   and call.end > after), None)
    return seen, reader.key if reader is not None else None


def input_difference(recorded: JsonValue, live: Foreign, path: str = "",
                     words: tuple[str, str] = ("recorded", "this call")) -> str:
    """The first place where two values differ: `query: recorded 'a', this call 'b'`."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        for key in list(recorded) + [k for k in live if k not in recorded]:
            where = f"{path}.{key}" if path else str(key)
            if key not in live:
                return f"{where}: only {words[0]}"
            if key not in recorded:
                return f"{where}: only {words[1]}"
            if recorded[key] != live[key]:
                return input_difference(recorded[key], live[key], where, words)
    if isinstance(recorded, list) and isinstance(live, list):
        for index, (a, b) in enumerate(zip(recorded, live)):
            if a != b:
                return input_difference(a, b, f"{path}[{index}]", words)
        if len(recorded) != len(live):  # one list goes on where the other ends: show where, not both starts
            return _extra_items(recorded, live, path, words)
    if isinstance(recorded, str) and isinstance(live, str):
        return f"{path or 'value'}: {text_difference(recorded, live, words)}"
    return f"{path or 'value'}: {words[0]} {short_repr(recorded)}, {words[1]} {short_repr(live)}"


def _extra_items(recorded: list[JsonValue], live: list[Foreign], path: str, words: tuple[str, str]) -> str:
    """Two lists equal as far as the shorter goes: how many items only one has, from where, and the first."""
    longer, word = (recorded, words[0]) if len(recorded) > len(live) else (live, words[1])
    at, extra = min(len(recorded), len(live)), abs(len(recorded) - len(live))
    items = "1 item" if extra == 1 else f"{extra} items"
    return f"{path or 'value'}: {items} only {word}, from [{at}]: {short_repr(longer[at])}"


def text_difference(a: str, b: str, words: tuple[str, str], context: int = 24) -> str:
    """Two strings shown where they part, not from their common start: `at character 812: recorded
    '...nonce 3f9a] ok', rerun '...nonce 77c1] ok'`."""
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if at <= context:
        return f"{words[0]} {short_repr(a)}, {words[1]} {short_repr(b)}"
    start = at - context
    return (f"at character {at + 1}: {words[0]} '...{_window(a, start)}', "
            f"{words[1]} '...{_window(b, start)}'")


def _window(text: str, start: int, size: int = MAX_SHOWN - 8) -> str:
    part = repr(text[start:start + size])[1:-1]
    return part + ("..." if start + size < len(text) else "")


def short_repr(value: object, limit: int = MAX_SHOWN) -> str:
    """`repr(value)`, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
