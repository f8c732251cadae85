"""A run's timeline as the result cache keeps it: its arrays as bytes, its names as lists.

Reading a 1 GiB run into a timeline takes seconds (every event is decoded and paired); a timeline kept from
an earlier read of the same files is back in a fraction of a second, its events still read from the files
by byte offset. Only a timeline whose events stay in their plain files (`FileStore`) is kept: one held in
memory as dicts (standard input, a mapped format) or read back from a decompressed copy (`.gz`) is read again.

A kept timeline is checked as it is restored: each array must be whole for its item size, every array of
events (and of spans) as long as the others, and every code, span and file number in range. One that is not
is not used (the run is read again).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from ..model.arrays import bounds as bounds_of
from ..model.text_keys import Names
from ..store.columns import Column, packed, unpacked
from ..store.sources import seekable
from .load import STORE_ARRAYS, FileStore
from .timeline import CODED, EVENT_ARRAYS, NAME_TABLES, SPAN_ARRAYS, Timeline


class KeptTimeline(msgspec.Struct, frozen=True):
    run_id: str | None
    sorted: bool
    names: dict[str, list[str]]  # types, components, names, statuses: each code's text
    # attribute -> (array typecode, its bytes: read in place from the cache file)
    arrays: dict[str, tuple[str, memoryview]]
    calls: list[tuple[int, int, int]]  # (component code, name code, calls)
    other_runs: dict[str, int]


def kept(timeline: Timeline) -> KeptTimeline | None:
    """What the cache keeps of `timeline`; None for one whose events are not in plain files."""
    store = timeline.store
    if not isinstance(store, FileStore) or not all(seekable(path) for path in store.paths):
        return None
    arrays = {name: packed(getattr(timeline, name)) for name in (*EVENT_ARRAYS, *SPAN_ARRAYS)}
    arrays.update({name: packed(getattr(store, name)) for name in STORE_ARRAYS})
    names = {name: list(getattr(timeline, name).texts) for name in NAME_TABLES}
    calls = [(component, name, count) for (component, name), count in timeline.calls.items()]
    return KeptTimeline(timeline.run_id, timeline._sorted, names, arrays, calls, dict(timeline.other_runs))


def restored(kept_timeline: KeptTimeline, paths: tuple[str, ...], label: str) -> Timeline | None:
    """The timeline again, its events read from `paths`; None when what was kept is not whole."""
    try:
        arrays = {name: unpacked(*kept_timeline.arrays[name]) for name in (*EVENT_ARRAYS, *SPAN_ARRAYS,
                                                                             *STORE_ARRAYS)}
        texts = {name: kept_timeline.names[name] for name in NAME_TABLES}
    except (KeyError, ValueError):
        return None
    if not _whole(arrays, texts, len(paths)):
        return None
    store = FileStore(paths)
    timeline = Timeline(store, label, kept_timeline.run_id)
    for name in EVENT_ARRAYS + SPAN_ARRAYS:
        setattr(timeline, name, arrays[name])
    for name in STORE_ARRAYS:
        setattr(store, name, arrays[name])
    store.seq = timeline.seq
    for name in NAME_TABLES:
        setattr(timeline, name, Names.of(texts[name]))
    timeline.calls = {(component, name): count for component, name, count in kept_timeline.calls}
    timeline.other_runs = dict(kept_timeline.other_runs)
    timeline._sorted = kept_timeline.sorted
    store.stamp()
    return timeline


def _whole(arrays: Mapping[str, Column], texts: dict[str, list[str]], files: int) -> bool:
    """Every array of events as long as the others, and of spans too; every code names a text, every span
    number a span, every file number a file (a damaged entry would send the engine out of range)."""
    events, spans = len(arrays["seq"]), len(arrays["span_start"])
    if any(len(arrays[name]) != events for name in (*EVENT_ARRAYS, *STORE_ARRAYS)) or any(
            len(arrays[name]) != spans for name in SPAN_ARRAYS):
        return False
    bounds = {**{column: len(texts[name]) for column, name in CODED.items()}, "span": spans,
              "span_parent": spans, "span_start": events, "span_end": events, "file": files, "kind": 3}
    return all(_below(arrays[name], bound) for name, bound in bounds.items())


def _below(values: Column, bound: int) -> bool:
    """Every item under `bound` (an empty array's are)."""
    found = bounds_of(values)
    return found is None or found[1] < bound
