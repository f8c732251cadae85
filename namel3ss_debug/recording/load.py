"""Reading a run into a `Timeline`: its structure in memory, its events left in the file until shown.

A run in v1 files is read once, fast (typed records decoded a block at a time), keeping each
event's file, line and byte offset; an event is read again from there when it is shown, and the
last few hundred are cached. A `.gz` file is read again from a decompressed copy in an unnamed
temporary file, made when its first event is shown (`store/packed.py`), and an object in a store from a copy
of its pinned version made the same way once the timeline is read (`store/remote.spooled`: the object is read
twice, once as a stream for the timeline and once into the copy): memory stays that of a plain file. A run that
cannot be read twice (standard input, a named pipe) and a file in a mapped format (the legacy namel3ss format,
the `n3` step records: its events are made, not read) is held in memory as dicts.
"""

from __future__ import annotations

import os
from array import array
from collections import OrderedDict
from itertools import repeat
from typing import IO, Iterable

from ..model.errors import TraceError, UsageError
from ..model.text_keys import RunChoice
from ..model.json_types import JsonEvent
from ..store.formats import rereadable
from ..store import remote
from ..store.packed import spooled
from ..store.lines import decode_line, line_at
from ..store.line_blocks import LineBlock
from ..store.reader import TraceReader
from ..store.records import envelope_record
from ..store.sources import RunSource
from .builder import TimelineBuilder
from .timeline import MemoryStore, Timeline

_CACHED = 512  # events kept decoded: a screen of `list` and the way back to the last few stops
STORE_ARRAYS = ("file", "line", "offset")  # a FileStore's arrays, one item an event


class FileStore:
    """Events read back from their files by byte offset, a few hundred kept decoded."""

    def __init__(self, paths: tuple[str, ...]):
        self.paths = paths
        self.file = array("H")
        self.line = array("I")
        self.offset = array("q")
        self.seq = array("q")  # the timeline's own, handed over by the loader: a line read again must have its seq
        self._descriptors: dict[int, int] = {}
        self._copies: list[IO[bytes]] = []  # the decompressed copies of `.gz` files, closed with the store
        self._stamps: list[tuple[int, int] | None] = []
        self._cache: OrderedDict[int, JsonEvent] = OrderedDict()

    def where(self, index: int) -> str:
        return f"{self.paths[self.file[index]]}:{self.line[index]}"

    def event(self, index: int) -> JsonEvent:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        event = self._read(index)
        self._cache[index] = event
        if len(self._cache) > _CACHED:
            self._cache.popitem(last=False)
        return event

    def keep(self, block: LineBlock, kept: list[int] | None) -> None:
        """The places of the block's events the timeline kept (None: all of them)."""
        if kept is None:  # every event of the block is the kept run's (the common case): its places at once
            self.file.extend(repeat(block.file, len(block)))
            self.line.extend(block.line_numbers())
            self.offset.extend(block.offsets())
        elif kept:
            numbers, starts = block.line_numbers(), block.offsets()
            self.file.extend(repeat(block.file, len(kept)))
            self.line.extend(numbers[index] for index in kept)
            self.offset.extend(starts[index] for index in kept)

    def finish(self, timeline: Timeline) -> None:
        """The timeline read: a line read again must have its seq, and each file its size and mtime. An object in
        a store is copied now, not when its first event is shown: a rerun shows events with the network closed."""
        self.seq = timeline.seq
        self.stamp()
        for file, path in enumerate(self.paths):
            if remote.is_url(path):
                self._descriptor(file)

    def stamp(self) -> None:
        """Remember each file's size and mtime, to tell a changed file from a line that is odd as written."""
        self._stamps = [_stamp(path) for path in self.paths]

    def _read(self, index: int) -> JsonEvent:
        file = self.file[index]
        try:
            line = line_at(self._descriptor(file), self.offset[index])
        except OSError as error:
            raise self._changed(index, error.strerror or str(error)) from None
        event = decode_line(line)
        if event is None and _stamp(self.paths[file]) != self._stamps[file]:
            raise self._changed(index, "the line is not JSON any more")
        if not isinstance(event, dict) or event.get("seq") != self.seq[index]:
            raise self._changed(index, "a different line is there now")
        return event

    def _changed(self, index: int, why: str) -> TraceError:
        return TraceError(f"the trace changed since replay read it ({why})", where=self.where(index),
                          hint="start the replay again")

    def _descriptor(self, file: int) -> int:
        descriptor = self._descriptors.get(file)
        if descriptor is None:
            path = self.paths[file]
            if path.endswith(".gz") or remote.is_url(path):
                self._copies.append(spooled(path) if path.endswith(".gz") else remote.spooled(path))
                descriptor = self._descriptors[file] = os.dup(self._copies[-1].fileno())
            else:
                descriptor = self._descriptors[file] = os.open(path, os.O_RDONLY)
        return descriptor

    def close(self) -> None:
        for descriptor in self._descriptors.values():
            os.close(descriptor)
        self._descriptors.clear()
        for copy in self._copies:
            copy.close()
        self._copies.clear()


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def load_timeline(source: RunSource, reader: TraceReader, run_id: str | None = None) -> Timeline:
    """The timeline of one run: `run_id`, else the first run of the input (a file may hold several: the
    events of the others are counted in `timeline.other_runs`). A run without events is an error."""
    load = _from_files if rereadable(source, packed=True) else _from_dicts
    return checked(load(source, reader, run_id), source, run_id)


def checked(timeline: Timeline, source: RunSource, run_id: str | None) -> Timeline:
    """The timeline read, unless it has no event (of the run asked for): then the error that says so."""
    if not len(timeline):
        if run_id is not None:
            runs = ", ".join(sorted(timeline.other_runs)) or "none"
            raise UsageError(f"{source.label} has no run {run_id}", hint=f"runs in it: {runs}")
        raise TraceError(f"{source.label}: no events to replay", hint="trace a run first; this one is empty")
    return timeline


def _from_files(source: RunSource, reader: TraceReader, wanted: str | None) -> Timeline:
    reading = FileReading(source, wanted)
    reading.feed(reader.line_blocks(source))
    return reading.done()


def timeline_reading(source: RunSource) -> FileReading:
    """How a read that shows its blocks of lines (`FileReading.see_block`) builds its first run's timeline: the
    events left in plain files, or held as dicts when they cannot be read again at their offsets (standard input,
    a pipe, a mapped format)."""
    return FileReading(source, None, held=not rereadable(source, packed=True))


class FileReading:
    """A run's timeline being read a block of lines at a time, its events left in its plain files (`FileStore`),
    or, `held`, kept as dicts (`MemoryStore`)."""

    def __init__(self, source: RunSource, wanted: str | None, held: bool = False):
        self.store: FileStore | MemoryStore = MemoryStore() if held else FileStore(source.files)
        self.timeline = Timeline(self.store, source.label)
        self.builder = TimelineBuilder(self.timeline)
        self.runs = RunChoice(wanted, self.timeline.other_runs)

    def feed(self, blocks: Iterable[LineBlock]) -> None:
        for block in blocks:
            self.see_block(block)

    def see_block(self, block: LineBlock) -> None:
        """One block added: its events, and each one's place (a read that judges the run shows them here too)."""
        self.store.keep(block, self.builder.add_records(block.records, self.runs))

    def done(self) -> Timeline:
        self.timeline.run_id = self.runs.wanted
        self.store.finish(self.timeline)
        return self.timeline


def _from_dicts(source: RunSource, reader: TraceReader, wanted: str | None) -> Timeline:
    store = MemoryStore()
    timeline = Timeline(store, source.label)
    add, runs = TimelineBuilder(timeline).add, RunChoice(wanted, timeline.other_runs)
    for located in reader.events(source):
        try:  # the envelope's types, as the record decoder checks them for plain files
            record = envelope_record(located.event)
        except ValueError as error:
            reader.problems.invalid_line(located.where, str(error))
            continue
        if not runs.keeps(record.run_id):
            continue
        store.add(located.event, located.where)
        add(record.seq, record.event_type, record.component, record.name, record.span_id, record.parent_id,
            record.status, located.event.get("duration_ms"))  # as written: the builder tells a duration
    timeline.run_id = runs.wanted
    return timeline


