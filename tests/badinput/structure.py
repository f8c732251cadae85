"""Traces broken in their records: each mutation takes a well-formed `Base` and returns the bytes of a file
whose records are changed (wrong types, hostile strings and keys, huge and odd numbers, deep nesting, long
strings, huge arrays, duplicate keys, missing fields, lines that are not objects, lying ids and times,
repetition). damage.py gathers these and the byte-level ones.
"""

from __future__ import annotations

import copy
import random
from typing import Any, Callable, Iterator

from basetraces import Base, Record
from hostile import LONE_SURROGATES, Pairs, Raw, dumps, hostile_number, hostile_string, nested, wrong_value

Mutation = Callable[[random.Random, Base, Callable[[], Base]], bytes]
STRUCTURAL: dict[str, Mutation] = {}


def registered(table: dict[str, Mutation]) -> Callable[[Mutation], Mutation]:
    """A decorator putting a mutation `m_NAME` into `table` as NAME."""

    def register(function: Mutation) -> Mutation:
        table[function.__name__.removeprefix("m_")] = function
        return function

    return register


mutation = registered(STRUCTURAL)


# -- walking the records ------------------------------------------------------------------------------------

Path = tuple[Any, ...]


def _slots(value: Any, path: Path = ()) -> Iterator[Path]:
    """Every place in `value` a value sits (dict keys, list indexes), depth first; bounded to sane sizes."""
    if isinstance(value, dict):
        for key in list(value)[:200]:
            yield (*path, key)
            yield from _slots(value[key], (*path, key))
    elif isinstance(value, list):
        for index in range(min(len(value), 200)):
            yield (*path, index)
            yield from _slots(value[index], (*path, index))


def _set(root: Any, path: Path, value: Any) -> None:
    target = root
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _get(root: Any, path: Path) -> Any:
    for step in path:
        root = root[step]
    return root


def _records(base: Base) -> list[Record]:
    return copy.deepcopy(base.records)


def _with(base: Base, records: list[Record]) -> bytes:
    return base.file_bytes(Base(base.format, records, document=base.document).text())


def _leaves(records: list[Record]) -> Iterator[tuple[int, Path, Any]]:
    """(record index, path, value) of each slot of each record that still holds a value when the walk reaches it
    (a mutation may have changed the record since its slots were listed)."""
    for n, record in enumerate(records):
        for path in list(_slots(record)):
            try:
                value = _get(records[n], path)
            except (KeyError, IndexError, TypeError):
                continue
            yield n, path, value


def _random_slots(rng: random.Random, records: list[Record], count: int) -> list[tuple[int, Path]]:
    places = [(n, path) for n, record in enumerate(records) for path in _slots(record)]
    return rng.sample(places, min(count, len(places))) if places else []


# -- structural ---------------------------------------------------------------------------------------------

@mutation
def m_wrong_type(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """A few values anywhere in the file (a top-level field, a nested attribute) replaced by any JSON value."""
    records = _records(base)
    for n, path in _random_slots(rng, records, rng.randint(1, 6)):
        try:
            _set(records[n], path, wrong_value(rng))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this place
    return _with(base, records)


@mutation
def m_hostile_strings(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Every string field holds terminal escapes, Rich markup, lone surrogates or odd text: as it is, or
    added to the real value (so ids still pair and names still match)."""
    records = _records(base)
    for n, path, value in _leaves(records):
        if isinstance(value, str) and rng.random() < 0.6:
            text = hostile_string(rng)
            _set(records[n], path, text if rng.random() < 0.3 else value + text)
    return _with(base, records)


@mutation
def m_hostile_keys(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Keys that are escapes, markup, empty or not text: in payloads and at the top level."""
    records = _records(base)
    for record in rng.sample(records, min(len(records), 4)):
        if isinstance(record, dict):
            record[hostile_string(rng)] = hostile_string(rng)
            for value in record.values():
                if isinstance(value, dict):
                    value[hostile_string(rng)] = wrong_value(rng)
    return _with(base, records)


@mutation
def m_numbers(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Numbers (seq, durations, tokens, times, costs) become huge, negative, NaN, Infinity or 4,400 digits."""
    records = _records(base)
    for n, path, value in _leaves(records):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and rng.random() < 0.5:
            _set(records[n], path, hostile_number(rng))
    return _with(base, records)


@mutation
def m_numeric_strings(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Numbers written as strings and strings written as numbers (the OTLP ints are strings by the spec)."""
    records = _records(base)
    for n, path, value in _leaves(records):
        if rng.random() < 0.3 and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            _set(records[n], path, rng.choice((str(value), "1e999", "-5", "0x1f", "１２", "nan", "", "12abc",
                                               "9" * 400, rng.randint(-5, 5))))
    return _with(base, records)


@mutation
def m_deep(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """A payload nested 1,000 to 5,000 deep, in a field or as a whole line."""
    records = _records(base)
    depth = rng.choice((1000, 2000, 5000))
    if rng.random() < 0.3:
        records.insert(rng.randrange(len(records) + 1), nested(depth, rng))
    else:
        for n, path in _random_slots(rng, records, rng.randint(1, 2)):
            try:
                _set(records[n], path, nested(depth, rng))
            except (KeyError, IndexError, TypeError):
                continue
    return _with(base, records)


@mutation
def m_long_string(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """A string of 1 or 2 MB in one field, escapes, markup and a lone surrogate inside."""
    records = _records(base)
    chunk = dumps("ab\x1b[2J[bold]\u00e9\\\"" + rng.choice(LONE_SURROGATES))[1:-1]
    places = _random_slots(rng, records, 1)
    if places:
        n, path = places[0]
        _set(records[n], path, Raw('"' + chunk * (rng.choice((1 << 20, 2 << 20)) // len(chunk)) + '"'))
    return _with(base, records)


@mutation
def m_huge_array(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """An array of 100,000 items in one field (or as a line of its own)."""
    records = _records(base)
    items = Raw("[" + ",".join(["0"] * 100_000) + "]") if rng.random() < 0.5 else Raw(
        "[" + ",".join(['{"a":[]}'] * 30_000) + "]")
    places = _random_slots(rng, records, 1)
    if places and rng.random() < 0.8:
        _set(records[places[0][0]], places[0][1], items)
    else:
        records.append(items)
    return _with(base, records)


@mutation
def m_duplicate_keys(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Objects that say a key twice, the second (or the first) time with a wrong value."""
    records = _records(base)
    for n in rng.sample(range(len(records)), min(len(records), rng.randint(1, 5))):
        record = records[n]
        if not isinstance(record, dict) or not record:
            continue
        key = rng.choice(list(record))
        pairs = list(record.items())
        twin = (key, wrong_value(rng))
        pairs.insert(rng.randrange(len(pairs) + 1), twin)
        records[n] = Pairs(tuple(pairs))
    return _with(base, records)


@mutation
def m_missing_fields(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Required fields left out, here and there, at any depth."""
    records = _records(base)
    for n, path in _random_slots(rng, records, rng.randint(1, 10)):
        try:
            parent = _get(records[n], path[:-1])
            if isinstance(parent, dict):
                del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
    return _with(base, records)


@mutation
def m_not_objects(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Lines that are JSON but not objects: scalars, arrays, empty objects, null."""
    records = _records(base)
    for _ in range(rng.randint(1, 4)):
        records.insert(rng.randrange(len(records) + 1),
                       rng.choice((None, 1, "text", [], [{}], {}, True, -1.5, Raw("1e999"), [records[0]])))
    if rng.random() < 0.3:
        records = [rng.choice(([], {}, None, 0, ""))]
    return _with(base, records)


@mutation
def m_ids(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Ids that lie: parents in a cycle, a span its own parent, one id for many spans, empty or absurd ids."""
    records = _records(base)
    ids = sorted({str(value) for record in records for path in _slots(record)
                  if path[-1] in ("span_id", "spanId", "event_id", "parent_id", "parentSpanId", "parent_event_id",
                                  "step_id", "traceId", "run_id", "execution_id")
                  for value in [_get(record, path)] if isinstance(value, str)})
    for n, path in [(n, p) for n, r in enumerate(records) for p in _slots(r)]:
        if path[-1] in ("span_id", "spanId", "event_id", "parent_id", "parentSpanId", "parent_event_id", "step_id",
                        "traceId", "run_id", "execution_id") and rng.random() < 0.4:
            _set(records[n], path, rng.choice([*ids[:8], "", "0" * 16, "../../x", "x" * 300, "\x1b[2J", "zz",
                                               "00000000000000000000000000000000", rng.choice(LONE_SURROGATES)]))
    return _with(base, records)


@mutation
def m_times(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Times out of order, out of range or not times: year 0 and 9999, leap seconds, negative epochs."""
    records = _records(base)
    bad = ("0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "2026-13-45T25:61:61Z", "2026-06-30T23:59:60Z",
           "yesterday", "", "2026-11-22", "2026-11-22T10:00:00+99:00", "1e999", -1, 0, 1e20, 253402300800,
           "-2026-11-22T10:00:00Z", "2026-11-22T10:00:00.1234567890123Z", "99999999999999999999")
    for n, record in enumerate(records):
        for path in list(_slots(record)):
            if path and path[-1] in ("ts", "timestamp", "startTimeUnixNano", "endTimeUnixNano", "timeUnixNano") \
                    and rng.random() < 0.4:
                _set(records[n], path, rng.choice(bad))
    if rng.random() < 0.5:
        rng.shuffle(records)
    return _with(base, records)


@mutation
def m_many_events(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """The same records repeated into a file of thousands of lines (seq repeats, spans reopen)."""
    return base.file_bytes(base.text() * rng.choice((30, 120)))
