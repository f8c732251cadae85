"""The call identities a big run's second half met, in columns, and their join to the first half's (`merge.py`).

A boundary pass (`run_state.Boundary`) holds each call identity it met in three dicts: its count
(`Tally.repeats`), its first call (`Boundary.first_seen`: ref, span id, component, name, ms) and, if it was
called again there, its first repeat (`Tally.repeated`). The three meet the identities in the same order,
each at its first call. The second half of a 1 GiB run meets some 60,000 of them: as dicts of lists they took
0.05 s to pickle, 0.05 s to unpickle and 0.05 s to join, on the way from one core to the other while the
first waited. In columns, one row an identity in that order, the numbers travel as arrays
(`ops/split/pipe.py` sends them as they are), the texts as lists (pickle sends each interned name once), and the
join walks the rows in turn.

`pack_py` and `join_py` are the reference; `_tally.pack_calls` and `_tally.join_calls` are them in C, with the
same answers (tests pack and join random halves both ways).
"""

from __future__ import annotations

from array import array
from typing import Any, NamedTuple


class CallColumns(NamedTuple):
    """One row a call identity, in the order the pass met them; then one row a repeated identity, in that
    order too (`repeat_rows` says which row each is)."""

    keys: array  # "q": the identity
    counts: array  # "q": its calls in this half
    first_refs: array  # "q": its first call's ref (`Findings._ref`)
    first_ms: array  # "d": its first call's time
    first_spans: list[str]
    first_components: list[str]
    first_names: list[str]
    repeat_rows: array  # "q": the row of each identity called again in this half
    repeat_calls: array  # "q": the entry of `Tally.repeated`: calls, ms in the repeats, the first repeat's ref
    repeat_ms: array  # "d"
    repeat_refs: array  # "q"
    repeat_spans: list[str]
    repeat_components: list[str]
    repeat_names: list[str]


def empty_columns(rows: int, repeats: int) -> CallColumns:
    """Columns of `rows` identities, `repeats` of them repeated, to be filled."""
    def numbers(code: str, count: int) -> array:
        return array(code, bytes(array(code).itemsize * count))

    return CallColumns(numbers("q", rows), numbers("q", rows), numbers("q", rows), numbers("d", rows),
                       [""] * rows, [""] * rows, [""] * rows, numbers("q", repeats), numbers("q", repeats),
                       numbers("d", repeats), numbers("q", repeats), [""] * repeats, [""] * repeats, [""] * repeats)


def pack_py(repeats: dict[int, int], repeated: dict[int, list[Any]], first_seen: dict[int, list[Any]],
            columns: CallColumns) -> bool:
    """Fill `columns` (`empty_columns(len(repeats), len(repeated))`) from a boundary pass's three dicts; False
    when they do not hold the same identities in the same order (then the halves are not merged)."""
    if len(first_seen) != len(repeats) or len(repeated) > len(repeats):
        return False
    at = 0
    for row, ((key, count), (seen_key, seen)) in enumerate(zip(repeats.items(), first_seen.items())):
        if key != seen_key:
            return False
        ref, span_id, component, name, ms = seen
        columns.keys[row], columns.counts[row], columns.first_refs[row], columns.first_ms[row] = key, count, ref, ms
        columns.first_spans[row], columns.first_components[row], columns.first_names[row] = span_id, component, name
        entry = repeated.get(key)
        if entry is not None:
            component, name, calls, ms, ref, span_id = entry
            columns.repeat_rows[at], columns.repeat_calls[at], columns.repeat_ms[at] = row, calls, ms
            columns.repeat_refs[at], columns.repeat_spans[at] = ref, span_id
            columns.repeat_components[at], columns.repeat_names[at] = component, name
            at += 1
    return at == len(repeated)


def join_py(mine: dict[int, int], repeated: dict[int, list[Any]], theirs: CallColumns) -> None:
    """The second half's identities joined to the first's counts (`mine`) and repeats (`repeated`), in the order
    one pass gives: an identity new here is added to the counts after the first half's; a new entry of
    `repeated` is added at its first repeat (the ref of the call that repeated), whether a second-half call
    repeated one of its own or one of the first half's."""
    new = []
    at = 0
    for row, key in enumerate(theirs.keys):
        again = at < len(theirs.repeat_rows) and theirs.repeat_rows[at] == row
        before = mine.get(key)
        if before is None:
            mine[key] = theirs.counts[row]
            if again:
                ref = theirs.repeat_refs[at]
                new.append((ref, key, [theirs.repeat_components[at], theirs.repeat_names[at], theirs.repeat_calls[at],
                                       theirs.repeat_ms[at], ref, theirs.repeat_spans[at]]))
        else:
            total = mine[key] = before + theirs.counts[row]
            ms = theirs.first_ms[row] + theirs.repeat_ms[at] if again else theirs.first_ms[row]
            entry = repeated.get(key)
            if entry is None:
                ref = theirs.first_refs[row]
                new.append((ref, key, [theirs.first_components[row], theirs.first_names[row], total, 0.0 + ms, ref,
                                       theirs.first_spans[row]]))
            else:
                entry[2] = total
                entry[3] += ms
        at += again
    for _, key, entry in sorted(new, key=lambda item: item[:2]):
        repeated[key] = entry


def columns_of(repeats: dict[int, int], repeated: dict[int, list[Any]],
               first_seen: dict[int, list[Any]]) -> CallColumns | None:
    """A boundary pass's identities in columns; None when its dicts disagree (the halves are then not merged)."""
    columns = empty_columns(len(repeats), len(repeated))
    return columns if pack(repeats, repeated, first_seen, columns) else None


try:
    from ._tally import join_calls as join, pack_calls as pack  # type: ignore[attr-defined,import-not-found,unused-ignore]  # a C extension: no types
except ImportError:  # no compiler at install time: the reference
    pack, join = pack_py, join_py
