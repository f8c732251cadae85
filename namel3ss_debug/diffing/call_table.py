"""A run's calls as columns: 78 bytes a call.

A diff holds every call of both runs at once (alignment needs the whole sequences); as objects, the calls
of two 1 GiB runs (718,000 each) took a diff to 877 MB. Here each field is an array (numbers, codes of
interned texts, fingerprints as 64-bit integers); `table[i]` makes the `CompactCall` of call i when it is
asked for, and the hot loops (`operations`, `output_key`) read the columns without making one.

`kept(table)` and `restored(kept)` are the table as the result cache keeps it: its arrays as bytes, checked
whole as they come back.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from operator import countOf, itemgetter
from typing import Callable, Iterator, Mapping, Optional, overload

import msgspec

from ..model.calls import CallRecord
from ..model.arrays import bounds, parents_before
from ..model.text_keys import Names
from ..store.columns import Column, packed, unpacked

_INTS = ("seq", "place_offset")  # array("q")
_COUNTS = ("number", "depth")  # array("I"): a call number, a nesting depth
_CODES = ("component", "name", "operation", "status")  # array("I"): indexes into `texts`
_COLUMNS = (*_INTS, *_COUNTS, *_CODES, "parent", "place_file", "duration", "inputs", "outputs", "has_inputs",
            "has_outputs", "start_file")
_NO_HASH = 0
# has_inputs: the call's start had no inputs; `inputs` is their fingerprint; `inputs` is the start line's byte
# offset in `files[start_file]`, where they are read again when asked for (`previews.inputs_fingerprint`)
NO_INPUTS, INPUTS_HASHED, INPUTS_AT_START = 0, 1, 2
UNCLOSED = "unclosed"  # the status of a call whose end was never read


@dataclass(frozen=True, slots=True)
class CompactCall(CallRecord):
    """One call of a `CallTable`, made when it is asked for: no event, only where it is, how it ended and
    fingerprints (`testing.Call`, by contrast, holds a span's two events). `operation` (`tool:search`,
    `agent_turn:researcher`) is what alignment compares."""

    index: int  # position in the run's call sequence
    seq: int  # of the start event
    component: str
    name: str
    operation: str
    number: int  # the call number among events of this component and name, from 1
    depth: int  # 0 for a root span
    parent: int  # index of the enclosing call, -1 for a root
    status: str = UNCLOSED
    duration_ms: Optional[float] = None
    inputs_hash: Optional[bytes] = None  # None: recorded without inputs, or with `inputs_place`
    outputs_hash: Optional[bytes] = None  # None: recorded without outputs (nor error)
    preview: Optional[str] = None  # LLM and tool calls of a run that cannot be read again
    place: Optional[tuple[str, int]] = None  # the end event's file and byte offset, for the others
    inputs_place: Optional[tuple[str, int]] = None  # of a run read again: the start event's file and byte offset


class CallTable:
    """The calls of one run, in the order their spans started (tree order once the recorder is done); a sequence
    of `CompactCall`s."""

    # The columns (`_COLUMNS`): __init__ sets some by name, so each is declared here with its type.
    seq: array[int]  # _INTS: "q"
    place_offset: array[int]
    number: array[int]  # _COUNTS: "I"
    depth: array[int]
    component: array[int]  # _CODES: "I", indexes into `texts`
    name: array[int]
    operation: array[int]
    status: array[int]
    parent: array[int]  # "i"
    place_file: array[int]  # "i"
    duration: array[float]  # "d"
    inputs: array[int]  # "Q"
    outputs: array[int]  # "Q"
    has_inputs: array[int]  # "B"
    has_outputs: array[int]  # "B"
    start_file: array[int]  # "i"

    def __init__(self) -> None:
        for name in _INTS:
            setattr(self, name, array("q"))
        for name in (*_COUNTS, *_CODES):
            setattr(self, name, array("I"))
        self.parent = array("i")  # index of the enclosing call, -1 for a root
        self.place_file = array("i")  # code in `files`, -1 when the call keeps no place
        self.duration = array("d")  # NaN when the call has none
        self.inputs, self.outputs = array("Q"), array("Q")  # fingerprints as integers (inputs: see has_inputs)
        self.has_inputs, self.has_outputs = array("B"), array("B")  # has_inputs: NO_INPUTS, INPUTS_HASHED...
        self.start_file = array("i")  # code in `files` of the start's line when INPUTS_AT_START, else -1
        self.texts = Names()  # components, names, operations, statuses
        self.files = Names()
        self.previews: dict[int, str] = {}

    # -- building (CallRecorder) -------------------------------------------------------------------

    def codes(self, component: str, name: str, operation: str) -> tuple[int, int, int]:
        """The codes of a call's component, name and operation, for `adder()`."""
        return self.texts.code(component), self.texts.code(name), self.texts.code(operation)

    def adder(self) -> Callable[[int, tuple[int, int, int], int, int, int, Optional[bytes],
                                 Optional[tuple[str, int]]], int]:
        """`add(seq, codes, number, parent, depth, inputs_hash, inputs_place) -> index`: a call that has started
        (`codes` from `codes()`; its end comes through `ender()`), with the fingerprint of its inputs or, in a
        run read again, where its start's line is (neither: no inputs); each column's `append` bound once for a
        loop that adds many."""
        seq, component, name, operation = self.seq.append, self.component.append, self.name.append, \
            self.operation.append
        number_, depth_, parent_, status = self.number.append, self.depth.append, self.parent.append, \
            self.status.append
        duration, inputs, has_inputs = self.duration.append, self.inputs.append, self.has_inputs.append
        outputs, has_outputs = self.outputs.append, self.has_outputs.append
        place_file, place_offset, start_file = self.place_file.append, self.place_offset.append, self.start_file.append
        unclosed, calls, nan, files = self.texts.code(UNCLOSED), self.seq, math.nan, self.files

        def add(at: int, codes: tuple[int, int, int], number: int, parent: int, depth: int,
                inputs_hash: Optional[bytes], inputs_place: Optional[tuple[str, int]] = None) -> int:
            index = len(calls)
            seq(at)
            component(codes[0])
            name(codes[1])
            operation(codes[2])
            number_(number)
            depth_(depth)
            parent_(parent)
            status(unclosed)
            duration(nan)
            if inputs_place is not None:
                inputs(inputs_place[1])
                has_inputs(INPUTS_AT_START)
                start_file(files.code(inputs_place[0]))
            elif inputs_hash is not None:
                inputs(int.from_bytes(inputs_hash, "little"))
                has_inputs(INPUTS_HASHED)
                start_file(-1)
            else:
                inputs(_NO_HASH)
                has_inputs(NO_INPUTS)
                start_file(-1)
            outputs(_NO_HASH)
            has_outputs(0)
            place_file(-1)
            place_offset(0)
            return index

        return add

    def ender(self) -> Callable[[int, str, Optional[float], Optional[bytes], Optional[str],
                                Optional[tuple[str, int]]], None]:
        """`end(index, status, duration, outputs_hash, preview, place)`: how call `index` ended (once a call: its
        span's end is read once), each column bound once for a loop that ends many."""
        status_, duration_, outputs, has_outputs = (self.status.__setitem__, self.duration.__setitem__,
                                                    self.outputs.__setitem__, self.has_outputs.__setitem__)
        place_file, place_offset = self.place_file.__setitem__, self.place_offset.__setitem__
        previews, texts, files, nan = self.previews, self.texts, self.files, math.nan
        statuses: dict[str, int] = {}  # a status -> its code: a run has a handful

        def end(index: int, status: str, duration: Optional[float], outputs_hash: Optional[bytes],
                preview: Optional[str], place: Optional[tuple[str, int]]) -> None:
            code = statuses.get(status)
            if code is None:
                code = statuses[status] = texts.code(status)
            status_(index, code)
            duration_(index, nan if duration is None else duration)
            if outputs_hash is not None:
                outputs(index, int.from_bytes(outputs_hash, "little"))
                has_outputs(index, 1)
            if preview is not None:
                previews[index] = preview
            if place is not None:
                place_file(index, files.code(place[0]))
                place_offset(index, place[1])

        return end

    # -- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.seq)

    @overload
    def __getitem__(self, index: int) -> CompactCall: ...

    @overload
    def __getitem__(self, index: slice) -> list[CompactCall]: ...

    def __getitem__(self, index: int | slice) -> CompactCall | list[CompactCall]:
        if isinstance(index, slice):
            return [self._call(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("call index out of range")
        return self._call(index)

    def __iter__(self) -> Iterator[CompactCall]:
        return (self._call(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """The same calls, field by field (however their texts were numbered)."""
        return isinstance(other, CallTable) and len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # unhashable: a table changes while a run is read

    def reordered(self, order: array) -> CallTable:
        """The same calls in `order` (each old index once), their parents and previews numbered anew; the texts
        and files are shared with this table, which is not to be added to afterwards."""
        position = array("i", bytes(4 * len(order)))
        for new, old in enumerate(order):
            position[old] = new
        table, take = CallTable(), (itemgetter(*order) if len(order) > 1 else lambda column: tuple(column))
        for name in _COLUMNS:
            column = getattr(self, name)
            setattr(table, name, array(column.typecode, take(column)))
        table.parent = array("i", [position[parent] if parent >= 0 else -1 for parent in table.parent])
        table.texts, table.files = self.texts, self.files
        table.previews = {position[index]: text for index, text in self.previews.items()}
        return table

    def operations(self) -> list[str]:
        """Each call's operation (`tool:search`), in order: what alignment compares."""
        texts = self.texts.texts
        return [texts[code] for code in self.operation]

    def component_of(self, index: int) -> str:
        return self.texts.texts[self.component[index]]

    def output_key(self, index: int) -> tuple[Optional[int], str]:
        """(the output's fingerprint, None without one; the status): what tells two outputs apart."""
        return (self.outputs[index] if self.has_outputs[index] else None), self.texts.texts[self.status[index]]

    def _call(self, i: int) -> CompactCall:
        texts, files, duration, file, inputs = (self.texts.texts, self.files.texts, self.duration[i],
                                                self.place_file[i], self.has_inputs[i])
        return CompactCall(i, self.seq[i], texts[self.component[i]], texts[self.name[i]], texts[self.operation[i]],
                           self.number[i], self.depth[i], self.parent[i], texts[self.status[i]],
                           None if math.isnan(duration) else duration,
                           _digest(self.inputs[i]) if inputs == INPUTS_HASHED else None,
                           _digest(self.outputs[i]) if self.has_outputs[i] else None,
                           self.previews.get(i), (files[file], self.place_offset[i]) if file >= 0 else None,
                           (files[self.start_file[i]], self.inputs[i]) if inputs == INPUTS_AT_START else None)


class KeptCalls(msgspec.Struct, frozen=True):
    """A `CallTable` as the result cache keeps it."""

    texts: list[str]
    files: list[str]
    previews: dict[int, str]
    arrays: dict[str, tuple[str, memoryview]]  # column -> (typecode, its bytes: read in place from the cache file)


def kept(table: CallTable) -> KeptCalls:
    return KeptCalls(table.texts.texts, table.files.texts, table.previews,
                     {name: packed(getattr(table, name)) for name in _COLUMNS})


def restored(kept_calls: KeptCalls) -> Optional[CallTable]:
    """The table again; None when what was kept is not whole (every column as long as the others, every
    code a text, every parent an earlier call, every place a file)."""
    try:
        columns = {name: unpacked(*kept_calls.arrays[name]) for name in _COLUMNS}
    except (KeyError, ValueError):
        return None
    if not _whole(columns, len(kept_calls.texts), len(kept_calls.files)):
        return None
    return _table(columns, kept_calls.texts, kept_calls.files, kept_calls.previews)


def _table(columns: Mapping[str, Column], texts: list[str], files: list[str], previews: dict[int, str]) -> CallTable:
    table = CallTable()
    for name, values in columns.items():
        setattr(table, name, values)
    table.texts, table.files, table.previews = Names.of(texts), Names.of(files), dict(previews)
    return table


def _whole(columns: Mapping[str, Column], texts: int, files: int) -> bool:
    calls = len(columns["seq"])
    if any(len(values) != calls for values in columns.values()):
        return False
    if not calls:
        return True
    ranges = [*((name, 0, texts - 1) for name in _CODES), ("place_file", -1, files - 1),
              ("start_file", -1, files - 1), ("has_inputs", NO_INPUTS, INPUTS_AT_START), ("parent", -1, calls - 1)]
    for name, least, greatest in ranges:
        found = bounds(columns[name])  # never None: the columns are not empty
        if found is not None and (found[0] < least or found[1] > greatest):
            return False
    starts = columns["start_file"]
    return countOf(columns["has_inputs"], INPUTS_AT_START) == calls - countOf(starts, -1) and \
        parents_before(columns["parent"])


def _digest(value: int) -> bytes:
    return value.to_bytes(8, "little")
