"""The events `inspect` reads: every run in order, one event by seq or id, standard input read only once.

A file read a second time (to find a target, then the events around it) is read by a quiet reader,
so each warning about it is said once.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from ...analysis.fields import text_of
from ...model.errors import UsageError
from ...model.limits import COUNT_MAX, shown
from ...model.lineage import Lineage, lineage_of
from ...store.lookup import SeqRange, find_event, first_event, run_end_of, run_start_of, scan_for
from ...store.problems import ReadProblems
from ...store.reader import Located, TraceReader
from ...store.sources import STDIN, RunSource


class EventStream:
    """The runs named on the command line, the reader to read them with, and where warnings about a lookup go."""

    def __init__(self, sources: list[RunSource], reader: TraceReader, warn: Callable[[str], None]):
        self.sources = sources
        self.reader = reader
        self.warn = warn
        self._cached: dict[RunSource, list[Located]] = {}
        self._read: set[RunSource] = set()
        self._first: dict[RunSource, dict[str, Any] | None] = {}

    @property
    def label(self) -> str:
        return self.sources[0].label if len(self.sources) == 1 else f"{len(self.sources)} runs"

    def all(self) -> Iterator[Located]:
        for source in self.sources:
            yield from self.of(source)

    def of(self, source: RunSource) -> Iterator[Located]:
        """The events of one run, streamed; standard input from memory when a lookup kept it (see `_kept`)."""
        if source in self._cached:
            return iter(self._cached[source])
        reader = self._quiet() if source in self._read else self.reader
        self._read.add(source)
        return reader.events(source)

    def _kept(self, source: RunSource) -> Iterator[Located]:
        """`of`, for a lookup: the run is read again after it, so standard input is kept in memory. Only
        lookups keep it; a view that reads standard input once streams it like a file."""
        if STDIN in source.files and source not in self._cached:
            self._cached[source] = list(self.of(source))
        return self.of(source)

    def find_seq(self, seq: int, option: str) -> tuple[RunSource, Located]:
        """The event with this seq in the first run; a usage error names the run's range when there is none."""
        source = self.sources[0]
        if len(self.sources) > 1:
            self.warn(f"{option} {seq}: looking in the first of {len(self.sources)} runs ({source.label}); "
                 "name another run as TRACE to look there")
        seen = SeqRange()
        if STDIN in source.files:
            found = scan_for(seq, self._kept(source), seen)
        else:
            self._read.add(source)
            found = find_event(source, seq, self.reader, seen)
        if found is None:
            has = f" (the run has seq {seen.first}..{seen.last})" if seen.first is not None else " (it has no events)"
            raise UsageError(f"no event {seq} in {source.label}{has}", hint="list the events with `inspect TRACE`")
        head = self.first_event(source)
        first = head.get("run_id") if head is not None else None
        if first is not None and found.event.get("run_id") != first:
            self.warn(f"{option} {seq}: {source.label} holds more than one run; this is seq {seq} of run "
                 f"{text_of(found.event.get('run_id'))}, not of its first run {first}")
        return source, found

    def find_id(self, ident: str, option: str) -> tuple[RunSource, list[Located]]:
        """The events with this span id, in the first run that has it (span ids repeat across runs)."""
        found: list[Located] = []
        owner: RunSource | None = None
        others: set[str] = set()
        for source in self.sources:
            for item in self._kept(source):
                if item.event.get("span_id") != ident:
                    continue
                if owner is None or (source == owner and item.event.get("run_id") == found[0].event.get("run_id")):
                    owner = source
                    found.append(item)
                else:
                    others.add(str(item.event.get("run_id")))
        if owner is None:
            raise UsageError(f"no event or span with id {shown(ident)} in {self.label}",
                             hint=f"{option} takes a seq number or a span id as `inspect TRACE` lists them")
        if others:
            self.warn(f"{option} {ident}: the id is also in {len(others)} other run(s); showing {owner.label}")
        return owner, found

    def resolve(self, ref: str, option: str) -> tuple[RunSource, list[Located]]:
        """A seq (digits, no leading zero) or else a span id; the tracer's ids are 16 hex digits, often all digits.

        A long number that is no seq of the run is tried as an id before giving up; one longer than any seq
        (past 10^15) is only an id.
        """
        if not (ref.isascii() and ref.isdigit() and (ref == "0" or not ref.startswith("0"))) or int_too_long(ref):
            return self.find_id(ref, option)
        try:
            source, found = self.find_seq(int(ref), option)
        except UsageError:
            if len(ref) < 8:
                raise
            return self.find_id(ref, option)
        return source, [found]

    def lineages(self) -> list[tuple[str, Lineage]]:
        """Each run named that is a rerun or a fork, by its run id, with its lineage, read from its `run_start`
        and its last line before the run is: none for standard input or a pipe, read once, by the view; and
        where it parted is unknown for a `.gz`, whose end is only reached by reading it all."""
        found = []
        for source in self.sources:
            start = run_start_of(source)
            if start is None:
                continue
            end = run_end_of(source)
            same = end is not None and end.get("run_id") == start.get("run_id")
            lineage = lineage_of(start.get("attrs"), end.get("attrs") if same and end is not None else None)
            if lineage is not None:
                found.append((text_of(start.get("run_id")), lineage))
        return found

    def first_event(self, source: RunSource) -> dict[str, Any] | None:
        """The first event of the run's first file, from its first line (read once: `--event N` asks twice)."""
        if source not in self._first:
            self._first[source] = first_event(source)
        return self._first[source]

    def _quiet(self) -> TraceReader:
        problems = ReadProblems(strict=self.reader.problems.strict)
        return TraceReader(problems, stdin=self.reader.stdin, write_index=False)


def int_too_long(digits: str) -> bool:
    """Digits of a number past `COUNT_MAX`, which no seq reaches (and `int` refuses past 4,300 digits)."""
    return len(digits) > len(str(COUNT_MAX))
