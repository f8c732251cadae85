"""A run's timeline read in two halves side by side, joined into the timeline one reading gives.

The run is cut at a quiet point (`ops/split/cut.py`): only its root span is open there. The second half was
read from there with the root as a ghost at its position 0 and span 0 (`load.FileReading`), so the events
under the root are placed and nested as one reading places them. Joining renumbers what the second half
numbered on its own: its positions and span numbers come after the first half's, its texts' codes become
the first half's codes of the same texts, and its call numbers go on from the first half's counts. The
root's end, if the second half read it, closes the first half's root.

The join refuses (`NotMergeable`) where the second half could not know what one reading knows: more than
the root open at the cut, a parent id it could not place that the first half may have (a span that ended
just before the cut), another run kept, the root's id used again. The caller then reads the second half
again, going on with the first half's reading, and gets the one-reading timeline.
"""

from __future__ import annotations

from array import array
from itertools import repeat
from operator import add
from typing import Any, Callable, Sequence

from ..model.text_keys import Names, text_key
from .load import STORE_ARRAYS, FileReading
from .timeline import CODED, NAME_TABLES, NO_SPAN


class NotMergeable(Exception):
    """The second half cannot be joined exactly; read it again after the first."""


def join(first: FileReading, second: FileReading, root_id: str) -> None:
    """Append `second` (a reading of the rest of the run from the cut, with the root as its ghost) to `first`;
    NotMergeable leaves `first` as it was."""
    root = _root(first, second, root_id)
    one, two = first.timeline, second.timeline
    events, spans = len(one), len(one.span_start)
    codes = {name: _translation(getattr(one, name), getattr(two, name)) for name in NAME_TABLES}
    root_call = one.call[one.span_start[root]]
    before = dict(one.calls)
    in_order = one._sorted and two._sorted and (len(two) < 2 or not events or two.seq[1] >= one.seq[events - 1])
    _join_events(one, two, codes, events, spans, root, root_call, before)
    second.store.seq = two.seq  # not the old column: it goes now
    _join_spans(one, two, events, spans, root)
    for (component, name), count in two.calls.items():
        key = (codes["components"][component], codes["names"][name])
        one.calls[key] = one.calls.get(key, 0) + count
    for run_id, count in two.other_runs.items():
        one.other_runs[run_id] = one.other_runs.get(run_id, 0) + count
    one._sorted = in_order
    for column in STORE_ARRAYS:
        _move(first.store, second.store, column, getattr(second.store, column)[1:])


def _root(first: FileReading, second: FileReading, root_id: str) -> int:
    """The root's span number in the first half, once every refusal is ruled out."""
    key = text_key(root_id)
    open_spans = first.builder.spans
    if list(open_spans.open) != [key]:
        raise NotMergeable("more than the root span was open at the cut")
    if first.runs.wanted != second.runs.wanted:
        raise NotMergeable("the halves kept different runs")
    theirs = second.builder.spans
    if theirs.open.get(key, 0) != 0 or theirs.closed.get(key, 0) != 0:
        raise NotMergeable("the root's span id starts a span again after the cut")
    unresolved = second.builder.unresolved or set()
    if any(parent in open_spans.open or parent in open_spans.closed for parent in unresolved):
        raise NotMergeable("an event after the cut names a parent that ended before it")
    one, two = first.timeline, second.timeline
    for column, name in CODED.items():
        ghost_text = getattr(two, name).texts[getattr(two, column)[0]]
        if getattr(one, name).find(ghost_text) is None:
            raise NotMergeable("the root's start is not the first half's")
    root = open_spans.open[key]
    if one.depth[one.span_start[root]] != 0:
        raise NotMergeable("the root span is not at the top")
    return root


def _translation(mine: Names, theirs: Names) -> list[int]:
    """Each of `theirs` codes as a code of `mine`, texts new to `mine` added in the order `theirs` met them."""
    return [mine.code(text) for text in theirs.texts]


def _join_events(one: Any, two: Any, codes: dict[str, list[int]], events: int, spans: int, root: int,
                 root_call: int, before: dict[tuple[int, int], int]) -> None:
    shifts = _Shifts(before, codes["components"], codes["names"])
    _move(one, two, "call", calls(two.call, two.component_code, two.name_code, two.span_start, two.span_end,
                                  shifts.__getitem__, root_call))
    for name in ("seq", "kind", "depth", "duration"):
        _move(one, two, name, getattr(two, name)[1:])
    for column, name in CODED.items():
        _move(one, two, column, remap(getattr(two, column), array("q", codes[name]), "I"))
    _move(one, two, "span", remap(two.span, _span_numbers(two, spans, root), "i"))


def _join_spans(one: Any, two: Any, events: int, spans: int, root: int) -> None:
    if two.span_end[0] >= 0:
        one.span_end[root] = events + two.span_end[0] - 1
    _move(one, two, "span_parent", remap(two.span_parent, _span_numbers(two, spans, root), "i"))
    _move(one, two, "span_start", shifted(two.span_start, events - 1, "i"))
    _move(one, two, "span_end", shifted(two.span_end, events - 1, "i"))  # -1: the span never ended


def remap_py(values: array, table: Sequence[int], typecode: str) -> array:
    """`table[v]` for each `v` of `values[1:]` (the ghost's item left out), as an array of `typecode`."""
    return array(typecode, map(table.__getitem__, values[1:]))


def shifted_py(values: array, by: int, typecode: str) -> array:
    """`v + by` for each `v` of `values[1:]`, but -1 (no such position) stays -1: added all alike, then each
    `by - 1` (what only -1 becomes) put back."""
    made = array(typecode, map(add, values[1:], repeat(by)))
    at = _find(made, by - 1, 0)
    while at >= 0:
        made[at] = -1
        at = _find(made, by - 1, at + 1)
    return made


def _find(values: array, value: int, start: int) -> int:
    """The first position of `value` in `values` from `start`, or -1."""
    try:
        return values.index(value, start)
    except ValueError:
        return -1


def calls_py(call: array, component: array, name: array, span_start: array, span_end: array,
             shift: Callable[[tuple[int, int]], int], root_call: int) -> array:
    """Each second-half event's call number after the first half's calls (`shift` of its operation's codes:
    how many the first half made), an end with its start's (even when it names another operation: a broken
    writer), the root's end with the root's."""
    made = array("I", map(add, call[1:], map(shift, zip(component[1:], name[1:]))))
    for start, end in zip(span_start[1:], span_end[1:]):
        if end >= 0:
            made[end - 1] = made[start - 1]
    if span_end and span_end[0] >= 0:
        made[span_end[0] - 1] = root_call
    return made


try:
    from ._join import calls, remap, shifted  # type: ignore[attr-defined,import-not-found,unused-ignore]  # a C extension: no types
except ImportError:  # no compiler at install time: the references
    calls, remap, shifted = calls_py, remap_py, shifted_py
    ACCELERATED = False
else:
    ACCELERATED = True


class _Shifts(dict[tuple[int, int], int]):
    """A second-half event's (component, name) codes -> the first half's count of that operation's calls, by
    which its call number goes on; worked out once for each operation met."""

    def __init__(self, before: dict[tuple[int, int], int], components: list[int], names: list[int]):
        super().__init__()
        self.before, self.components, self.names = before, components, names

    def __missing__(self, key: tuple[int, int]) -> int:
        shift = self[key] = self.before.get((self.components[key[0]], self.names[key[1]]), 0)
        return shift


def _span_numbers(two: Any, spans: int, root: int) -> array:
    """Each second-half span number (and NO_SPAN, at -1) as the first half numbers it: the ghost is the root,
    the others follow the first half's spans (an array: 4 bytes a span, not a list's 36)."""
    table = array("i", [root])
    table.extend(range(spans, spans + len(two.span_start) - 1))
    table.append(NO_SPAN)
    return table


def _move(one: Any, two: Any, name: str, values: array) -> None:
    """`values` (the second half's column `name`, renumbered) onto the end of the first's; the second's
    column let go at once, so that the two halves are not held twice over."""
    setattr(two, name, array(values.typecode))
    getattr(one, name).extend(values)
