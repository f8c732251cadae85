"""Where each event of a block goes in a timeline's span tree: the kernel `TimelineBuilder` runs a block at a time.

    place(records, codes, code_of, open, closed, remembered, counts,
          depth, call, span_start, span_end) -> Placed

In, the block's events: each a record, any object with the attributes `event_type`, `component`, `name`,
`status`, `seq`, `duration_ms`, `span_id` and `parent_id`, read as they are (`seq` an int, `duration_ms` a
float or None, the ids texts, `parent_id` None for a root). In, how its four texts are coded: `codes` maps
(type, component, name, status) to a tuple of their codes then its operation (the `(component code, name
code)` its call number counts); `code_of(type, component, name, status)` gives that tuple for a four `codes`
does not hold (or cannot: a list where a text belongs), and may add it there. In, the state the timeline
keeps between blocks: the spans open (span id -> span number), the spans closed lately (an `OrderedDict`,
oldest first, at most `remembered` kept), the calls made so far of each operation (`counts`), the timeline's
`depth` and `call` columns (an event's depth and call number, `array("I")`), its spans' `span_start` and
`span_end` (positions, `array("i")`).

Out, `Placed`: the block's items of each of the timeline's event columns (`EVENT_ARRAYS`) and its new spans'
parent, start and end (`SPAN_ARRAYS`). The dicts and `span_end` (a span of an earlier block that ends in this
one) are updated in place. Nothing else is read or written.

An event whose status is not `started` ends the open span of its id (at its start's depth, with its call
number); any other event is placed under its parent (open, or closed lately), one deeper, its call counted: a
start opens a span numbered after the last, an instant belongs to its parent's span.
"""

from __future__ import annotations

import math
from array import array
from collections import OrderedDict
from typing import Callable, NamedTuple, Protocol, Sequence

from .timeline import END, INSTANT, NO_SPAN, START
from ..model.json_types import JsonValue

MAX_DEPTH = 0xFFFFFFFF  # a depth past an array("I") item is kept at its largest

Operation = tuple[int, int]
Codes = tuple[int, int, int, int, Operation]  # type, component, name and status codes, and the operation
# type, component, name, status: texts, or any JSON value in an event read as a dict
Texts = tuple[JsonValue, JsonValue, JsonValue, JsonValue]
CodeOf = Callable[[JsonValue, JsonValue, JsonValue, JsonValue], Codes]  # four texts -> their codes


class Placeable(Protocol):
    """What `place` reads of an event: a typed record (`store.records.EventRecord`), or an event read as a dict
    (`builder._Event`), whose four texts may be any JSON value."""

    @property
    def event_type(self) -> object: ...

    @property
    def component(self) -> object: ...

    @property
    def name(self) -> object: ...

    @property
    def status(self) -> object: ...

    @property
    def seq(self) -> int: ...

    @property
    def duration_ms(self) -> float | None: ...

    @property
    def span_id(self) -> str: ...

    @property
    def parent_id(self) -> str | None: ...


class Placed(NamedTuple):
    seq: array[int]  # "q", an event
    kind: array[int]  # "B"
    type_code: array[int]  # "I"
    component_code: array[int]  # "I"
    name_code: array[int]  # "I"
    status_code: array[int]  # "I"
    depth: array[int]  # "I"
    span: array[int]  # "i"
    call: array[int]  # "I"
    duration: array[float]  # "d"
    span_parent: array[int]  # "i", a new span
    span_start: array[int]  # "i"
    span_end: array[int]  # "i"


def place(records: Sequence[Placeable], codes: dict[Texts, Codes], code_of: CodeOf,
          open: dict[str, int], closed: OrderedDict[str, int], remembered: int, counts: dict[Operation, int],
          depth: array[int], call: array[int], span_start: array[int], span_end: array[int]) -> Placed:
    """The block placed (see the module's docstring)."""
    first, spans, size = len(depth), len(span_start), len(records)
    coded = [_codes(codes, code_of, record) for record in records]
    kinds, depths, numbers, calls = bytearray([INSTANT]) * size, [0] * size, [NO_SPAN] * size, [0] * size
    new_parent: list[int] = []
    new_start: list[int] = []
    new_end: list[int] = []
    for index, record in enumerate(records):
        code = coded[index]
        opens = record.status == "started"
        if not opens:
            span_id = record.span_id
            own = open.pop(span_id, None)
            if own is not None:  # the end of a span: at its start's depth, with its call number
                closed[span_id] = own
                if len(closed) > remembered:
                    closed.popitem(last=False)
                start = span_start[own] if own < spans else new_start[own - spans]
                if own < spans:
                    span_end[own] = first + index
                else:
                    new_end[own - spans] = first + index
                kinds[index] = END
                numbers[index] = own
                depths[index] = depth[start] if start < first else depths[start - first]
                calls[index] = call[start] if start < first else calls[start - first]
                continue
        parent_id = record.parent_id
        parent = NO_SPAN
        if parent_id is not None:
            found = open.get(parent_id)
            if found is None:
                found = closed.get(parent_id)
            if found is not None:
                parent = found
        if parent != NO_SPAN:
            start = span_start[parent] if parent < spans else new_start[parent - spans]
            deeper = (depth[start] if start < first else depths[start - first]) + 1
            depths[index] = deeper if deeper < MAX_DEPTH else MAX_DEPTH
        operation = code[4]
        calls[index] = counts[operation] = counts.get(operation, 0) + 1
        if opens:
            number = spans + len(new_start)
            new_parent.append(parent)
            new_start.append(first + index)
            new_end.append(-1)
            open[record.span_id] = number
            kinds[index] = START
            numbers[index] = number
        else:  # an instant: one deeper than its parent span, which it is placed in
            numbers[index] = parent
    nan = math.nan
    return Placed(array("q", [record.seq for record in records]), array("B", kinds),
                  array("I", [code[0] for code in coded]), array("I", [code[1] for code in coded]),
                  array("I", [code[2] for code in coded]), array("I", [code[3] for code in coded]),
                  array("I", depths), array("i", numbers), array("I", calls),
                  array("d", [nan if record.duration_ms is None else record.duration_ms for record in records]),
                  array("i", new_parent), array("i", new_start), array("i", new_end))


def _codes(codes: dict[Texts, Codes], code_of: CodeOf, record: Placeable) -> Codes:
    texts = (record.event_type, record.component, record.name, record.status)
    try:
        found = codes.get(texts)
    except TypeError:  # a list where a text belongs
        found = None
    return code_of(*texts) if found is None else found

