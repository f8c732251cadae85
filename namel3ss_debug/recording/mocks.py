"""Mock responses: "what if this call had returned X", shown in place of what the recording says.

A key names the calls a mock replaces: `component:name` (every call), `component:name#N` (the N-th,
from 1) or an event type (`llm_call_end`, `memory_operation`: every event of it). A mock is the call's
result: where the recording has the decorators' form `{"return": value}`, the mock takes the place of
`value`; elsewhere it replaces `outputs` whole. A mocked call that failed returned the mock instead:
it shows as `completed`, without its error. The events after the first mocked one were recorded before
the mock existed: they are marked as possibly diverged.

Like vcrpy's matchers, a key that matches nothing says why and lists the nearest recorded keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.calls import CallAddress, CallNumberError
from ..model.errors import UsageError
from ..model.json_types import JsonEvent, JsonValue
from .misses import nearest_recorded, no_such_call
from .timeline import END, INSTANT, START, Timeline

# A mock names a call more strictly than a breakpoint: no space in the component, no `#` in the name.
_CALL = re.compile(r"^[^:#\s]+:[^#]+?(?:#[0-9]+)?$")
_TYPE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MockError(UsageError):
    """A mock that cannot be set: a bad key or value, or a key that matches no recorded event."""


@dataclass(frozen=True)
class MockKey:
    """What a mock replaces: a call (`component`, `name`, `number` or every call) or an event type."""

    text: str
    component: str | None = None
    name: str | None = None
    number: int | None = None
    event_type: str | None = None


@dataclass(frozen=True)
class Mock:
    """A mock and where it came from (`--mock`, a file, the console), for `mock` to list."""

    key: MockKey
    value: JsonValue
    origin: str


def parse_key(text: str) -> MockKey:
    """`llm:planner#2`, `tool:search`, `llm_call_end`; anything else is a MockError."""
    text = text.strip()
    if _CALL.match(text):
        try:
            return MockKey(text, *CallAddress.parse(text))
        except CallNumberError:  # #0: the pattern lets no other bad number by
            raise MockError(f"mock key {text}: calls are numbered from 1", hint=f"e.g. {text[:-2]}#1") from None
    if _TYPE.match(text):
        if text.endswith("_start"):
            raise MockError(f"mock key {text}: a mock replaces a result, which the end event holds",
                            hint=f"use {text[:-len('_start')]}_end")
        return MockKey(text, event_type=text)
    raise MockError(f"mock key {text!r} is not component:name, component:name#N or an event type",
                    hint="e.g. llm:planner#1 or tool:search")


class MockTable:
    """The mocks of a session and the positions of the events each replaces."""

    def __init__(self, timeline: Timeline):
        self.timeline = timeline
        self.mocks: dict[str, Mock] = {}
        self._positions: dict[str, list[int]] = {}
        self._at: dict[int, str] = {}  # position of a replaced event (an end or an instant) -> key
        self._first: int | None = None

    def set(self, mock: Mock) -> list[int]:
        """Adds (or replaces) a mock; the positions it replaces. A key matching nothing is a MockError.

        Where two mocks name the same event, the one set last applies; clearing it brings the other back.
        """
        positions = self.matches(mock.key)
        if not positions:
            raise MockError(self._miss(mock.key))
        self.mocks.pop(mock.key.text, None)
        self.mocks[mock.key.text] = mock
        self._positions[mock.key.text] = positions
        self._place()
        return positions

    def clear(self, key: str | None = None) -> int:
        """Removes one mock (by its key) or all of them; how many were removed."""
        keys = list(self.mocks) if key is None else [key] if key in self.mocks else []
        for name in keys:
            del self.mocks[name], self._positions[name]
        self._place()
        return len(keys)

    def _place(self) -> None:
        self._at = {position: key for key in self.mocks for position in self._positions[key]}
        self._first = min(self._at) if self._at else None

    def key_at(self, index: int) -> str | None:
        """The key of the mock replacing the event at `index`, or None."""
        return self._at.get(index)

    def first(self) -> int | None:
        """The position of the first replaced event: everything after it may have diverged."""
        return self._first

    def count(self, key: str) -> int:
        """How many events this mock replaces now (fewer when a later mock names some of them)."""
        return sum(1 for name in self._at.values() if name == key)

    def matches(self, key: MockKey) -> list[int]:
        """Positions of the results `key` names: end events of its calls, or instant events."""
        t = self.timeline
        if key.event_type is not None:
            code = t.types.find(key.event_type)
            return [] if code is None else [i for i in range(len(t)) if t.type_code[i] == code
                                            and t.kind[i] != START]
        component, name = t.components.find(key.component or ""), t.names.find(key.name or "")
        if component is None or name is None:
            return []
        return [i for i in range(len(t)) if t.component_code[i] == component and t.name_code[i] == name
                and t.kind[i] in (END, INSTANT) and (key.number is None or t.call[i] == key.number)]

    def _miss(self, key: MockKey) -> str:
        """Why nothing matched, with the nearest recorded keys."""
        t = self.timeline
        if key.event_type is not None:
            present = [text for text in t.types.texts if not text.endswith("_start")]
            return _with_nearest(f"no recorded event has type {key.event_type}", key.event_type, present)
        count = t.call_count(key.component or "", key.name or "")
        call = CallAddress(key.component or "", key.name or "")
        if count:
            ends = f"{call.numbered(1)}" if count == 1 else f"{call.numbered(1)} .. {call.numbered(count)}"
            return f"{no_such_call(str(call), count, key.number)} ({ends})"
        recorded = [f"{component}:{name}" for component, name, _ in t.recorded_calls()]
        return _with_nearest(f"no recorded call matches {key.text}", str(call), recorded)

    def apply(self, index: int, event: JsonEvent) -> JsonEvent:
        """The event with its mock's value in place of the recorded result (the event itself if none)."""
        key = self._at.get(index)
        if key is None:
            return event
        return mocked_event(event, self.mocks[key].value)


def mocked_event(event: JsonEvent, value: JsonValue) -> JsonEvent:
    """A copy of the event whose result is `value` (see the module docstring for where it goes).

    A failed call that is mocked returned `value` instead: it is `completed`, without its error.
    """
    outputs = event.get("outputs")
    if isinstance(outputs, dict) and "return" in outputs:
        replaced: JsonValue = {**outputs, "return": value}
    else:
        replaced = value
    copy = {key: item for key, item in event.items() if key not in ("outputs", "error")}
    copy["outputs"] = replaced
    if copy.get("status") == "failed":
        copy["status"] = "completed"
    return copy


def _with_nearest(message: str, wanted: str, candidates: list[str]) -> str:
    nearest = nearest_recorded(wanted, candidates)
    if not nearest:
        nearest = sorted(set(candidates))[:3]
    return f"{message}; nearest recorded: {', '.join(nearest)}" if nearest else message
