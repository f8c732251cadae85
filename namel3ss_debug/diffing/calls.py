"""A run's call sequence: one `CompactCall` per span, in tree order (each span's calls after it, siblings in the
order they started: the order spans started, unless concurrent agents interleaved; see `tree_order.py`).

A call is a span (but the run's start-up, which is no work of the app's and which runs recorded before the tracer
wrote it lack): a `started` event and the next event with its span id. Instant events (memory
operations, markers, errors) are not calls, but they are counted in call numbers, so that a call's
`component:name#N` is the one `replay` uses for `break` and `goto` (see docs/replay.md, "Call numbers").

Built in one streaming pass (`CallRecorder.add` per event, or `add_block` per block): no event is kept. What a
diff needs of each call stays, in the columns of a `CallTable`: where it is (seq, depth, parent), how it ended
(status, duration), and fingerprints (8-byte hashes) of its inputs and, for an LLM or tool call (the calls whose
outputs are compared), of its outputs, each distinct text of outputs hashed once (`HASHES_KEPT`). A block's calls
go to the table as rows, all at once. To show where two outputs differ, an LLM or tool call also keeps where its
end event is (file and byte offset), and the few outputs shown are read again from there (`previews.py`); a run
that cannot be read again (standard input, `.gz`, a mapped format) keeps the first `PREVIEW_KEPT` characters of
the output instead. Inputs are compared only for those few calls (whether a changed output had changed inputs),
so in a run that can be read again a call keeps where its start event is, and its inputs are fingerprinted from
there when asked for: a third of the recorder's time went on fingerprinting every call's inputs (0.24 µs an
event of a 200 MB run).
"""

from __future__ import annotations

import json
import math
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
from ..store.line_blocks import LineBlock
from ..store.lines import decode_line
from ..store.records import EventRecord
from .call_table import (
    INPUTS_AT_START,
    INPUTS_HASHED,
    NO_HASH,
    NO_INPUTS,
    CallTable,
    CompactCall,
    Ended,
    Started,
    hash_number,
)
from .tree_order import tree_ordered

# The hash of a value's canonical JSON and the outputs given one, in the diff cache's key: a side kept with
# fingerprints of another hash (an install that had `fold64`, in C), or of every call's outputs, is read again.
FINGERPRINTS = "blake2b-8, llm and tool outputs"
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


OpenCall = tuple[int, int, bool]  # an open span's call: its index, its depth, whether its outputs are compared
HANDED_EVERY = 4096  # rows `add` gathers before the table takes them (`add_block` hands over a block's at its end)
# Outputs hashed once per distinct text: tools and models give the same answer again and again (bench/trace_gen.py's
# run: 1,343 distinct texts among 15,630 LLM and tool outputs), and a hash of a text known is a lookup, not a decode,
# a canonical encode and a BLAKE2b (8 µs of an output of 340 bytes). At most 4,096 texts of up to 4 KiB: 16 MiB.
HASHES_KEPT = 4096
HASHED_TEXT_KEPT = 4096


class CallRecorder:
    """Feed it a run's events in file order (`add` a dict, or `add_block` the typed records of a block);
    `finish()` gives the `CallSequence`.

    Each call's start and end become a row (`call_table.Started`, `Ended`), and the table takes a block's rows at
    once (`_hand_over`), filling its columns from many rows in one step rather than an event at a time."""

    def __init__(self) -> None:
        self._table = CallTable()
        self._started: list[Started] = []
        self._ended: list[Ended] = []
        self._calls = 0  # calls met, handed over or not: the index of the next
        self._kinds: dict[str, Any] = {}  # a start event's type -> the span kind it names (None: not a start type)
        self.other_runs: dict[str, int] = {}
        self._runs = RunChoice(None, self.other_runs)
        self.events = 0
        self._spans: OpenSpans[OpenCall] = OpenSpans()  # span id -> its call
        self._numbers: dict[tuple[str, str], int] = {}
        # (component, name, kind) -> the table's codes of the call's component, name and operation, and whether
        # its outputs are compared (an LLM or tool call: only theirs are fingerprinted)
        self._operations: dict[tuple[str, str, Optional[str]], tuple[int, int, int, bool]] = {}
        self._statuses: dict[str, int] = {}  # a status -> its code: a run has a handful
        self._hashes: dict[bytes, Optional[int]] = {}  # outputs as JSON text -> `_output_hash` (`_hashed`)

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
        else:
            opened = self._spans.end(span_id)
            if opened is not None:
                duration = event.get("duration_ms")
                self._end(opened, text_key(status), float(duration) if is_duration(duration) else None,
                          outcome(event), place)
            else:
                self._number(text_key(event.get("component")), text_key(event.get("name")))
        if len(self._started) + len(self._ended) >= HANDED_EVERY:
            self._hand_over()

    def see_block(self, block: LineBlock, rereadable: bool) -> None:
        """A block's events: its records, or as dicts where the typed decoder refused a field; with their places
        when the file can be read again."""
        if not block.decoded:
            for located in block.events():
                self.add(located.event, (located.path, located.offset) if rereadable else None)
        else:
            self.add_block(block.records, block.path, block.offsets if rereadable else None)

    def add_block(self, records: Iterable[EventRecord], path: Optional[str] = None,
                  offsets: Optional[Callable[[], Sequence[int]]] = None) -> None:
        """The records of a block the typed decoder read whole (`LineBlock.decoded`), in file order: the calls
        `add` makes of their dicts, from the records' fields and raw inputs and outputs. `offsets` (called at
        most once, when a place is first kept) gives each record's byte offset in `path`, when the file can be
        read there again.

        The hot loop of `diff`: `add`'s steps inlined, each call's start and end a row handed over at the end.
        """
        spans, numbers, operations, statuses = self._spans, self._numbers, self._operations, self._statuses
        open_spans, closed, remembered = spans.open, spans.closed, spans.remembered
        started, ended, calls = self._started, self._ended, self._calls
        runs, wanted, kinds, nan = self._runs, self._runs.wanted, self._kinds, math.nan
        reread = offsets if path is not None else None  # each record's byte offset, when the file can be read again
        places: Optional[Sequence[int]] = None
        file = -1  # the code of `path` in the table's files, once a place is kept
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
                component_code, name_code, operation_code, compared = codes
                parent_id = record.parent_id
                parent = None if parent_id is None else open_spans.get(parent_id) or closed.get(parent_id)
                number = numbers[(component, name)] = numbers.get((component, name), 0) + 1
                depth = 0 if parent is None else parent[1] + 1
                inputs = record.inputs
                if not inputs:
                    held, how, start_file = NO_HASH, NO_INPUTS, -1
                elif reread is not None:
                    if places is None:
                        places, file = reread(), self._table.files.code(path)
                    held, how, start_file = places[position], INPUTS_AT_START, file
                else:
                    held, how, start_file = hash_number(raw_fingerprint(inputs)), INPUTS_HASHED, -1
                started.append((record.seq, component_code, name_code, operation_code, number,
                                -1 if parent is None else parent[0], depth, held, how, start_file))
                open_spans[record.span_id] = (calls, depth, compared)
                calls += 1
                continue
            span_id = record.span_id
            opened = open_spans.pop(span_id, None)
            if opened is None:
                numbers[(component, name)] = numbers.get((component, name), 0) + 1
                continue
            closed[span_id] = opened
            if len(closed) > remembered:
                closed.popitem(last=False)
            status = record.status
            code = statuses.get(status)
            if code is None:
                code = self._status_code(status)
            duration = record.duration_ms
            took = nan if duration is None else duration
            output = self._output_hash(record) if opened[2] else None
            if output is None:  # not compared, or no outputs
                ended.append((opened[0], code, took, NO_HASH, 0, -1, 0))
                continue
            if reread is not None:
                if places is None:
                    places, file = reread(), self._table.files.code(path)
                ended.append((opened[0], code, took, output, 1, file, places[position]))
            else:
                self._table.previews[opened[0]] = preview(self._result(record))
                ended.append((opened[0], code, took, output, 1, -1, 0))
        self._calls, self.events = calls, self.events + events
        self._hand_over()

    def finish(self) -> CallSequence:
        """The calls read, in tree order (`tree_order.py`: a run whose agents interleaved is reordered)."""
        self._hand_over()
        return CallSequence(self._runs.wanted, tree_ordered(self._table), self.other_runs, self.events)

    def _hand_over(self) -> None:
        """The rows gathered, to the table: starts first, as an end may be of a call started since the last."""
        self._table.add_started(self._started)
        self._table.add_ended(self._ended)
        self._started.clear()
        self._ended.clear()

    def _kind_of(self, event_type: str) -> Optional[str]:
        """The span kind a start event's type names (None for a type that does not start a span), kept."""
        kind = self._kinds[event_type] = span_kind(event_type) if is_start(event_type) else None
        return kind

    def _codes(self, component: str, name: str, kind: Optional[str]) -> tuple[int, int, int, bool]:
        """The table's codes of an operation's component, name and label, and whether its outputs are compared;
        kept."""
        codes = self._operations[(component, name, kind)] = (
            *self._table.codes(component, name, op_label(component, name, kind)),
            component in COMPARED_COMPONENTS)
        return codes

    def _status_code(self, status: str) -> int:
        code = self._statuses.get(status)
        if code is None:
            code = self._statuses[status] = self._table.texts.code(status)
        return code

    def _output_hash(self, record: EventRecord) -> Optional[int]:
        """The fingerprint (`hash_number`) of what an end gave back, a failure's error or else its outputs; None:
        neither (outputs null or absent). Each distinct text of outputs is hashed once (`_hashed`)."""
        error = record.error
        if error is not None and record.status == "failed":
            return hash_number(fingerprint({"error": {"type": error.type, "message": error.message}}))
        if not record.outputs:
            return None
        raw = bytes(record.outputs)
        number = self._hashes.get(raw, _UNSEEN)
        return self._hashed(raw) if number is _UNSEEN else number  # type: ignore[return-value]

    def _hashed(self, raw: bytes) -> Optional[int]:
        """`_output_hash` of outputs as JSON text, kept for the next end that gave back the same text (a short
        text, and up to `HASHES_KEPT` of them: the oldest forgotten all at once)."""
        value = decode_line(raw)
        number = None if value is None else hash_number(fingerprint(value))
        if len(raw) <= HASHED_TEXT_KEPT:
            if len(self._hashes) >= HASHES_KEPT:
                self._hashes.clear()
            self._hashes[raw] = number
        return number

    @staticmethod
    def _result(record: EventRecord) -> Any:
        """What an end gave back (a failure's error, else its outputs); None: neither (outputs null or absent)."""
        error = record.error
        if error is not None and record.status == "failed":
            return {"error": {"type": error.type, "message": error.message}}
        return decode_line(bytes(record.outputs)) if record.outputs else None

    def _start(self, seq: int, component: str, name: str, kind: Optional[str], parent_id: Any, span_id: Any,
               inputs_hash: Optional[bytes], inputs_place: Optional[tuple[str, int]]) -> None:
        component_code, name_code, operation_code, compared = \
            self._operations.get((component, name, kind)) or self._codes(component, name, kind)
        parent = self._spans.parent(parent_id)
        depth = 0 if parent is None else parent[1] + 1
        if inputs_place is not None:
            held, how, start_file = inputs_place[1], INPUTS_AT_START, self._table.files.code(inputs_place[0])
        elif inputs_hash is not None:
            held, how, start_file = hash_number(inputs_hash), INPUTS_HASHED, -1
        else:
            held, how, start_file = NO_HASH, NO_INPUTS, -1
        self._started.append((seq, component_code, name_code, operation_code, self._number(component, name),
                              -1 if parent is None else parent[0], depth, held, how, start_file))
        self._spans.start(span_id, (self._calls, depth, compared))
        self._calls += 1

    def _end(self, opened: OpenCall, status: str, duration: Optional[float], result: Any,
             place: Optional[tuple[str, int]]) -> None:
        index, _, compared = opened
        code, took = self._status_code(status), math.nan if duration is None else duration
        if not compared or result is None:
            self._ended.append((index, code, took, NO_HASH, 0, -1, 0))
        elif place is None:
            self._table.previews[index] = preview(result)
            self._ended.append((index, code, took, hash_number(fingerprint(result)), 1, -1, 0))
        else:
            self._ended.append((index, code, took, hash_number(fingerprint(result)), 1,
                                self._table.files.code(place[0]), place[1]))

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

