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
from itertools import repeat
from operator import countOf, itemgetter
from typing import Callable, Iterable, Iterator, Mapping, Optional, Sequence, overload

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
NO_HASH = 0
# has_inputs: the call's start had no inputs; `inputs` is their fingerprint; `inputs` is the start line's byte
# offset in `files[start_file]`, where they are read again when asked for (`previews.inputs_fingerprint`)
NO_INPUTS, INPUTS_HASHED, INPUTS_AT_START = 0, 1, 2
UNCLOSED = "unclosed"  # the status of a call whose end was never read
ROOT_PARENT = -2  # a part's parent of a call under the run's root, a call before its cut (`call_parts.py`)

# How the recorder hands a call over (`add_started`, `add_ended`), a block's calls at once: a start as
# (seq, component, name, operation, number, parent, depth, inputs, has_inputs, start_file), its texts as
# `codes()` gives them; an end as (index, status's code, duration or NaN, outputs' fingerprint (`hash_number`),
# has_outputs, place_file (-1: no place), place_offset).
Started = tuple[int, int, int, int, int, int, int, int, int, int]
Ended = tuple[int, int, float, int, int, int, int]
_STARTED = ("seq", "component", "name", "operation", "number", "parent", "depth", "inputs", "has_inputs",
            "start_file")


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
    outputs_hash: Optional[bytes] = None  # None: recorded without outputs (nor error), or not an LLM or tool call
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
        """The codes of a call's component, name and operation, for a `Started` row."""
        return self.texts.code(component), self.texts.code(name), self.texts.code(operation)

    def add_started(self, rows: Sequence[Started]) -> None:
        """Calls that have started, after those added before (each row in `Started`'s order, `codes()` giving its
        codes): each unclosed, without outputs, until `add_ended` says how it ended."""
        for name, values in zip(_STARTED, zip(*rows)):
            getattr(self, name).extend(values)
        count = len(rows)
        self.status.extend(repeat(self.texts.code(UNCLOSED), count))
        self.duration.extend(repeat(math.nan, count))
        self.outputs.extend(repeat(NO_HASH, count))
        self.has_outputs.extend(repeat(0, count))
        self.place_file.extend(repeat(-1, count))
        self.place_offset.extend(repeat(0, count))

    def add_ended(self, rows: Iterable[Ended]) -> None:
        """How calls ended (each row in `Ended`'s order; a call ends once, after `add_started` took it)."""
        status, duration, outputs, has_outputs = self.status, self.duration, self.outputs, self.has_outputs
        place_file, place_offset = self.place_file, self.place_offset
        for index, code, took, output, has_output, file, offset in rows:
            status[index] = code
            duration[index] = took
            if has_output:
                outputs[index] = output
                has_outputs[index] = 1
            if file >= 0:
                place_file[index] = file
                place_offset[index] = offset

    def append(self, part: CallTable, root: int, before: Callable[[str, str], int]) -> None:
        """A part's calls after these (`call_parts.py`: the calls of a run's span read by a worker, which keep their
        places, not previews): its codes made this table's, its parents moved on by the calls here (`ROOT_PARENT`:
        `root`), and its call numbers counted on from `before(component, name)`, the calls of that operation here."""
        base, texts = len(self), array("I", [self.texts.code(text) for text in part.texts.texts])
        files = [self.files.code(path) for path in part.files.texts]
        for name in ("seq", "place_offset", "depth", "duration", "inputs", "outputs", "has_inputs", "has_outputs"):
            getattr(self, name).extend(getattr(part, name))
        for name in _CODES:
            getattr(self, name).extend([texts[code] for code in getattr(part, name)])
        self.parent.extend([root if parent == ROOT_PARENT else parent + base if parent >= 0 else parent
                            for parent in part.parent])
        self.place_file.extend([files[code] if code >= 0 else code for code in part.place_file])
        self.start_file.extend([files[code] if code >= 0 else code for code in part.start_file])
        counted: dict[tuple[int, int], int] = {}
        names = part.texts.texts
        for component, called, number in zip(part.component, part.name, part.number):
            offset = counted.get((component, called))
            if offset is None:
                offset = counted[component, called] = before(names[component], names[called])
            self.number.append(number + offset)

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

    def reordered(self, order: array[int]) -> CallTable:
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

    def statuses(self) -> list[str]:
        """Each call's status (`completed`, `failed`), in order: where alignment looks for an outcome that changed."""
        texts = self.texts.texts
        return [texts[code] for code in self.status]

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


def hash_number(digest: bytes) -> int:
    """An 8-byte fingerprint as the integer a column holds (`_digest` gives it back)."""
    return int.from_bytes(digest, "little")


def _digest(value: int) -> bytes:
    return value.to_bytes(8, "little")
