"""A run's call sequence: one `CompactCall` per span, in tree order (each span's calls after it, siblings in the
order they started: the order spans started, unless concurrent agents interleaved; see `tree_order.py`).

A call is a span (but the run's start-up, which is no work of the app's and which runs recorded before the tracer
wrote it lack): a `started` event and the next event with its span id. Instant events (memory
operations, markers, errors) are not calls, but they are counted in call numbers, so that a call's
`component:name#N` is the one `replay` uses for `break` and `goto` (see docs/replay.md, "Call numbers").

Built in one streaming pass (`CallRecorder.add` per event): no event is kept. What a diff needs of
each call stays, in the columns of a `CallTable`: where it is (seq, depth, parent), how it ended (status,
duration), and fingerprints of its inputs and outputs (8-byte hashes). To show where two outputs differ,
an LLM or tool call also keeps where its end event is (file and byte offset), and the few outputs shown
are read again from there (`previews.py`); a run that cannot be read again (standard input, `.gz`, a
mapped format) keeps the first `PREVIEW_KEPT` characters of the output instead. Inputs are compared only
for those few calls (whether a changed output had changed inputs), so in a run that can be read again a
call keeps where its start event is, and its inputs are fingerprinted from there when asked for: a third of
the recorder's time went on fingerprinting every call's inputs (0.24 µs an event of a 200 MB run).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional, Sequence

import orjson

from ..analysis.fields import is_duration
from ..analysis.stats import op_label
from ..model.digest import blake2b
from ..model.events import STARTUP_NAME, is_start, is_startup
from ..model.events import kind as span_kind
from ..model.span_ids import OpenSpans
from ..model.text_keys import RunChoice, text_key
from ..store.lines import decode_line
from ..store.records import EventRecord
from .call_table import CallTable, CompactCall
from .tree_order import tree_ordered

# The hash of a value's canonical JSON, in the diff cache's key: a side kept with fingerprints of another hash
# (an install that had `fold64`, in C) is read again rather than compared.
FINGERPRINTS = "blake2b-8"
ORDER = "tree"  # the order of a side's calls (`tree_order.py`), in the diff cache's key: sides kept in start
# order, before it, are read again

PREVIEW_KEPT = 1000
COMPARED_COMPONENTS = frozenset({"llm", "tool"})  # calls whose outputs are compared
_SPACES = re.compile(r"\s+")
_UNSEEN = object()


@dataclass(frozen=True)
class CallSequence:
    """The calls of one run (the first run read) and the events of any other run the input held."""

    run_id: Optional[str]
    calls: CallTable
    other_runs: dict[str, int]
    events: int

    def parent_of(self, call: CompactCall) -> Optional[CompactCall]:
        return self.calls[call.parent] if call.parent >= 0 else None


class CallRecorder:
    """Feed it a run's events in file order (`add` a dict, or `add_block` the typed records of a block);
    `finish()` gives the `CallSequence`."""

    def __init__(self) -> None:
        self._table = CallTable()
        self._add_call, self._end_call = self._table.adder(), self._table.ender()
        self._kinds: dict[str, Any] = {}  # a start event's type -> the span kind it names (None: not a start type)
        self.other_runs: dict[str, int] = {}
        self._runs = RunChoice(None, self.other_runs)
        self.events = 0
        self._spans: OpenSpans[int] = OpenSpans()  # span id -> call index
        self._numbers: dict[tuple[str, str], int] = {}
        # (component, name, kind) -> the table's codes of the call's component, name and operation
        self._operations: dict[tuple[str, str, Optional[str]], tuple[int, int, int]] = {}

    def add(self, event: dict[str, Any], place: Optional[tuple[str, int]] = None) -> None:
        """One event, in file order; `place` (file, byte offset) when the file can be read there again."""
        if not self._runs.keeps(text_key(event.get("run_id"))):
            return
        self.events += 1
        span_id, status = event.get("span_id"), event.get("status")
        if status == "started":
            event_type = event.get("event_type")
            if is_startup(event_type, event.get("component"), event.get("name")):
                return  # the run's start-up is no call (and runs recorded before it was written have none)
            kind = span_kind(event_type) if isinstance(event_type, str) and is_start(event_type) else None
            inputs = "inputs" in event
            self._start(event["seq"], text_key(event.get("component")), text_key(event.get("name")), kind,
                        event.get("parent_id"), span_id,
                        fingerprint(event["inputs"]) if inputs and place is None else None,
                        place if inputs else None)
            return
        index = self._spans.end(span_id)
        if index is not None:
            duration = event.get("duration_ms")
            self._end(index, event.get("status"), float(duration) if is_duration(duration) else None,
                      outcome(event), place)
        else:
            self._number(text_key(event.get("component")), text_key(event.get("name")))

    def add_block(self, records: Iterable[EventRecord], path: Optional[str] = None,
                  offsets: Optional[Callable[[], Sequence[int]]] = None) -> None:
        """The records of a block the typed decoder read whole (`LineBlock.decoded`), in file order: the calls
        `add` makes of their dicts, from the records' fields and raw inputs and outputs. `offsets` (called at
        most once, when an LLM or tool call's output is first met) gives each record's byte offset in `path`,
        when the file can be read there again.

        The hot loop of `diff`: `add`'s steps inlined, the table's columns set through `table.adder()` and
        `table.ender()`.
        """
        table, spans, numbers, operations = self._table, self._spans, self._numbers, self._operations
        open_spans, closed, remembered = spans.open, spans.closed, spans.remembered
        add_call, end_call, depths, component_of = self._add_call, self._end_call, table.depth, table.component_of
        runs, wanted, kinds = self._runs, self._runs.wanted, self._kinds
        places: Optional[Sequence[int]] = None
        events = 0
        for position, record in enumerate(records):
            if record.run_id != wanted:
                if not runs.keeps(record.run_id):
                    continue
                wanted = runs.wanted
            events += 1
            component, name = record.component, record.name
            if record.status == "started":
                event_type = record.event_type
                if name == STARTUP_NAME and event_type == "app_load_start" and component == "app":
                    continue  # the run's start-up: no call (`add`)
                kind = kinds.get(event_type, _UNSEEN)
                if kind is _UNSEEN:
                    kind = self._kind_of(event_type)
                codes = operations.get((component, name, kind))
                if codes is None:
                    codes = self._codes(component, name, kind)
                parent_id = record.parent_id
                if parent_id is None:
                    parent = None
                else:
                    parent = open_spans.get(parent_id)
                    if parent is None:
                        parent = closed.get(parent_id)
                number = numbers[(component, name)] = numbers.get((component, name), 0) + 1
                inputs, inputs_hash, inputs_place = record.inputs, None, None
                if inputs and path is not None and offsets is not None:
                    if places is None:
                        places = offsets()
                    inputs_place = (path, places[position])
                elif inputs:
                    inputs_hash = raw_fingerprint(inputs)
                open_spans[record.span_id] = add_call(
                    record.seq, codes, number, -1 if parent is None else parent,
                    0 if parent is None else depths[parent] + 1, inputs_hash, inputs_place)
                continue
            span_id = record.span_id
            index = open_spans.pop(span_id, None)
            if index is None:
                numbers[(component, name)] = numbers.get((component, name), 0) + 1
                continue
            closed[span_id] = index
            if len(closed) > remembered:
                closed.popitem(last=False)
            failed = record.error is not None and record.status == "failed"
            if not failed and not record.outputs:
                end_call(index, record.status, record.duration_ms, None, None, None)
                continue
            shown, place = component_of(index) in COMPARED_COMPONENTS, None
            if shown and path is not None and offsets is not None:
                if places is None:
                    places = offsets()
                place = (path, places[position])
            ended = self._end_value(record, shown and place is None)
            if ended is None:
                end_call(index, record.status, record.duration_ms, None, None, None)
            else:
                end_call(index, record.status, record.duration_ms, ended[0], ended[1], place)
        self.events += events

    def _kind_of(self, event_type: str) -> Optional[str]:
        """The span kind a start event's type names (None for a type that does not start a span), kept."""
        kind = self._kinds[event_type] = span_kind(event_type) if is_start(event_type) else None
        return kind

    def _codes(self, component: str, name: str, kind: Optional[str]) -> tuple[int, int, int]:
        """The table's codes of an operation's component, name and label, kept."""
        codes = self._operations[(component, name, kind)] = self._table.codes(component, name,
                                                                             op_label(component, name, kind))
        return codes

    def _end_value(self, record: EventRecord, with_preview: bool) -> Optional[tuple[bytes, Optional[str]]]:
        """The fingerprint of what an end gave back (a failure's error, else its outputs), and with `with_preview`
        its preview. None: no outputs (they were null)."""
        error = record.error
        if error is not None and record.status == "failed":
            result: Any = {"error": {"type": error.type, "message": error.message}}
        else:
            result = decode_line(bytes(record.outputs))
            if result is None:
                return None
        return fingerprint(result), (preview(result) if with_preview else None)

    def finish(self) -> CallSequence:
        """The calls read, in tree order (`tree_order.py`: a run whose agents interleaved is reordered)."""
        return CallSequence(self._runs.wanted, tree_ordered(self._table), self.other_runs, self.events)

    def _start(self, seq: int, component: str, name: str, kind: Optional[str], parent_id: Any, span_id: Any,
               inputs_hash: Optional[bytes], inputs_place: Optional[tuple[str, int]]) -> None:
        codes = self._operations.get((component, name, kind)) or self._codes(component, name, kind)
        parent = self._spans.parent(parent_id)
        index = self._add_call(seq, codes, self._number(component, name), -1 if parent is None else parent,
                               0 if parent is None else self._table.depth[parent] + 1, inputs_hash, inputs_place)
        self._spans.start(span_id, index)

    def _end(self, index: int, status: Any, duration: Optional[float], result: Any,
             place: Optional[tuple[str, int]]) -> None:
        shown = result is not None and self._table.component_of(index) in COMPARED_COMPONENTS
        self._end_call(index, text_key(status), duration, None if result is None else fingerprint(result),
                       preview(result) if shown and place is None else None, place if shown else None)

    def _number(self, component: str, name: str) -> int:
        number = self._numbers[(component, name)] = self._numbers.get((component, name), 0) + 1
        return number


def outcome(end: dict[str, Any]) -> Any:
    """What a call gave back: its `outputs`, or for a failed call its error's type and message; None if neither."""
    if end.get("status") == "failed" and isinstance(end.get("error"), dict):
        error = end["error"]
        return {"error": {"type": error.get("type"), "message": error.get("message")}}
    return end.get("outputs")


def fingerprint(value: Any) -> bytes:
    """8 bytes of BLAKE2b hashed from the value as canonical JSON (keys sorted): equal values, equal
    fingerprints (the hash is `FINGERPRINTS`)."""
    return blake2b(_canonical(value), digest_size=8).digest()


def raw_fingerprint(raw: Any) -> bytes:
    """`fingerprint` of the value a JSON text (a record's raw `inputs` or `outputs`) holds."""
    return fingerprint(decode_line(bytes(raw)))


def preview(value: Any) -> str:
    """The output as one line of text: a returned string as it is, anything else as compact JSON.

    `{"return": X}` (what the tracer records for a return value) shows X; a completion's `text` comes
    first in its JSON, as the tracer writes it. At most `PREVIEW_KEPT` characters.

    >>> preview({"return": "two\\n lines"})
    'two lines'
    >>> preview({"error": {"type": "TimeoutError", "message": "late"}})
    'TimeoutError: late'
    """
    if isinstance(value, dict) and set(value) == {"return"}:
        value = value["return"]
    elif isinstance(value, dict) and set(value) == {"error"} and isinstance(value["error"], dict):
        value = f"{value['error'].get('type')}: {value['error'].get('message')}"
    text = value if isinstance(value, str) else _compact(value)
    return _SPACES.sub(" ", text[: PREVIEW_KEPT * 2]).strip()[:PREVIEW_KEPT]


def _canonical(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # nested past orjson's limit, or an integer past 64 bits
        try:
            return json.dumps(value, sort_keys=True, default=repr).encode("utf-8", "replace")
        except (ValueError, RecursionError):
            try:
                return repr(value).encode("utf-8", "replace")
            except RecursionError:  # nested past the interpreter's limit: such values all compare equal
                return b"(nested too deep to compare)"


def _compact(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        try:
            return repr(value)
        except RecursionError:
            return "(nested too deep to show)"

