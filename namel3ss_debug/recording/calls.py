"""The recorded run a rerun answers from: every call by its path, its inputs and its result.

Built from the replay timeline (`recording/load.py`), so it reads what `replay` reads (files, segments,
stdin, `.gz`, the legacy formats) and keeps only compact arrays in memory: a call's events are read
again from the trace when the rerun reaches it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import orjson

from ..model.calls import CallRecord
from ..model.json_types import JsonEvent, JsonValue
from .timeline import START, Timeline
from ..transport.stream_rebuild import with_frames
from .call_paths import ROOT, PathCounter, PathTable, step_label


@dataclass(frozen=True)
class RecordedCall(CallRecord):
    """One recorded span: where it started in the timeline, where it ended, and its path (a rerun's
    call, `candidates.LiveCall`, has its inputs instead of places in a timeline)."""

    start: int
    end: int | None
    path: int
    component: str
    name: str
    label: str
    number: int  # the N of `component:name#N`, counted across the run as `replay` counts


def fingerprint(inputs: object) -> bytes:
    """A digest of inputs as JSON with sorted keys: equal inputs, equal fingerprints."""
    try:
        data = orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except Exception:
        data = repr(inputs).encode("utf-8", "backslashreplace")
    return hashlib.blake2b(data, digest_size=16).digest()


class Recording:
    """The calls of one recorded run, indexed by path and by operation. With `steady` (`steady.py`), calls are
    fingerprinted by their inputs with its volatile values masked, the rerun's own calls too (`fingerprint_of`)."""

    def __init__(self, timeline: Timeline, table: PathTable,
                 steady: Callable[[JsonValue], JsonValue] | None = None):
        self.timeline = timeline
        self.table = table
        self.steady = steady
        self.calls: list[RecordedCall] = []
        self.by_path: dict[int, RecordedCall] = {}
        self.by_operation: dict[tuple[str, str], list[RecordedCall]] = {}
        self._fingerprints: dict[int, bytes] = {}
        self._asked: dict[tuple[str, str], list[RecordedCall]] | None = None
        self._index()

    def _index(self) -> None:
        t = self.timeline
        counter = PathCounter(self.table)
        span_paths: dict[int, int] = {}
        for i in range(len(t)):
            if t.kind[i] != START:
                continue
            event_type = t.event_type(i)
            span = t.span[i]
            if event_type == "run_start":
                span_paths[span] = ROOT
                continue
            component, name = t.component(i), t.name(i)
            label = step_label(component, event_type.removesuffix("_start"), name)
            path = counter.child(span_paths.get(t.span_parent[span], ROOT), label)
            span_paths[span] = path
            call = RecordedCall(i, t.partner(i), path, component, name, label, t.call[i])
            self.calls.append(call)
            self.by_path[path] = call
            self.by_operation.setdefault((component, name), []).append(call)

    def asked_tools(self, asker: str, call_id: str) -> list[RecordedCall]:
        """The recorded tool calls that answered the tool call `call_id` of the LLM call whose span id was
        `asker` (`attrs.tool_call_id` and `attrs.llm_span_id` of their start), in the order they started.
        Indexed on the first question: only the tools' start events are read again."""
        if self._asked is None:
            self._asked = {}
            for call in self.calls:
                attrs = self.timeline.event(call.start).get("attrs") if call.component == "tool" else None
                if not isinstance(attrs, dict):
                    continue
                key = (attrs.get("llm_span_id"), attrs.get("tool_call_id"))
                if isinstance(key[0], str) and isinstance(key[1], str) and key[1]:
                    self._asked.setdefault(key, []).append(call)  # type: ignore[arg-type]
        return self._asked.get((asker, call_id), [])

    def start_event(self) -> JsonEvent:
        return self.timeline.run_start() or {}

    def end_event(self) -> JsonEvent | None:
        return run_end(self.timeline)

    def inputs(self, call: RecordedCall) -> JsonValue:
        return self.timeline.event(call.start).get("inputs")

    def fingerprint(self, call: RecordedCall) -> bytes:
        found = self._fingerprints.get(call.start)
        if found is None:
            found = self._fingerprints[call.start] = self.fingerprint_of(self.inputs(call))
        return found

    def fingerprint_of(self, inputs: object) -> bytes:
        """The fingerprint of a call's inputs (recorded, or a rerun's), as this recording matches them."""
        return fingerprint(self.steady(inputs) if self.steady is not None else inputs)

    def result(self, call: RecordedCall) -> JsonEvent | None:
        """The call's end event, or None when the recording never saw it end; a streamed answer a golden file
        kept without its frames has them again (`transport/stream_rebuild.py`)."""
        return with_frames(self.timeline.event(call.end)) if call.end is not None else None

    def where(self, call: RecordedCall) -> str:
        return self.timeline.where(call.start)


def run_end(timeline: Timeline | None) -> JsonEvent | None:
    """A run's `run_end` event (its last, looked for from the end), or None."""
    if timeline is None:
        return None
    for index in range(len(timeline) - 1, -1, -1):
        if timeline.event_type(index) == "run_end":
            return timeline.event(index)
    return None
