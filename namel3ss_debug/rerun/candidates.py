"""A call the recording has no result for: the nearest recorded calls, each with why it did not match.

Nearness counts what a recorded call shares with the missed one: component, name, the span it runs
under, its occurrence there and its inputs; ties go to the call nearest in the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.calls import CallRecord
from ..model.json_types import Foreign, JsonValue
from ..recording.call_paths import step_label
from ..recording.calls import RecordedCall, Recording

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
    table = recording.table
    scored = sorted(((_score(recording, call, live), -abs(call.number - live.number), -call.start, call)
                     for call in recording.calls), key=lambda item: item[:3], reverse=True)
    return tuple(Candidate(call.key, recording.where(call), table.text(call.path),
                           tuple(_reasons(recording, call, live, served, by_inputs)))
                 for _, _, _, call in scored[:count])


def _score(recording: Recording, call: RecordedCall, live: LiveCall) -> int:
    table = recording.table
    score = 4 * (call.component == live.component) + 4 * (call.name == live.name)
    score += 2 * (table.parent(call.path) == table.parent(live.path))
    score += (call.label == live.label and table.entries[call.path][2] == table.entries[live.path][2])
    if call.component == live.component and call.name == live.name:
        score += 2 * (recording.fingerprint(call) == live.fingerprint)
    return score


def _reasons(recording: Recording, call: RecordedCall, live: LiveCall, served: set[int],
             by_inputs: bool) -> list[str]:
    table = recording.table
    reasons: list[str] = []
    if call.component != live.component:
        reasons.append(f"component: recorded {call.component}, this call {live.component}")
    if call.name != live.name:
        reasons.append(f"name: recorded {call.name}, this call {live.name}")
    if table.parent(call.path) != table.parent(live.path):
        reasons.append(f"place: recorded under {table.text(table.parent(call.path))}, "
                       f"this call under {table.text(table.parent(live.path))}")
    elif call.label == live.label and not by_inputs:
        recorded_n, live_n = table.entries[call.path][2], table.entries[live.path][2]
        if recorded_n != live_n:
            reasons.append(f"occurrence: recorded as {call.label}#{recorded_n} there; this call is "
                           f"{call.label}#{live_n}, and the recording has no #{live_n}")
    if recording.fingerprint(call) != live.fingerprint:
        reasons.append(f"inputs: {input_difference(recording.inputs(call), live.inputs)}")
    if call.start in served:
        reasons.append("already answered another call of the rerun")
    if call.end is None:
        reasons.append("the recording never saw it end")
    return reasons or ["matches, but was not chosen"]


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
    if isinstance(recorded, list) and isinstance(live, list) and len(recorded) == len(live):
        for index, (a, b) in enumerate(zip(recorded, live)):
            if a != b:
                return input_difference(a, b, f"{path}[{index}]", words)
    if isinstance(recorded, str) and isinstance(live, str):
        return f"{path or 'value'}: {text_difference(recorded, live, words)}"
    return f"{path or 'value'}: {words[0]} {short_repr(recorded)}, {words[1]} {short_repr(live)}"


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
