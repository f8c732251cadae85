"""`analyze` of one big run on two cores: the second half is read by a forked process, then merged.

Only where it can be exact: one run of plain v1 files, big enough to pay for a second process, with a
quiet point near its middle (`ops/split/cut.py`). The merge (`analysis/merge.py`) refuses when the cut
was not quiet after all; the second half is then read again here, continuing the first half's tally,
so the report is always the one a single pass gives.

`check` reads a big run so too, each half shown to its own EventScan on the way (`scan`): the second
half's scan comes back with its tally and is folded into the first's (`checks/scan_merge.py`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from ...analysis.analyze import collector_paused, equipped
from ...analysis.build import build_report
from ...analysis.merge import NotMergeable, merge, sendable
from ...analysis.prices import Pricer
from ...analysis.report import Report
from ...analysis.run_state import Boundary
from ...analysis.tally import Options, Tally, block_decoder
from ...analysis.window import EventWindow
from ...store.reader import Part, TraceReader
from ...store.records import record_from_dict
from ...store.sources import RunSource
from .cut import Cut, numbered
from .second_half import SecondHalf, join_indexes, quiet_reader, reading_again
from ..analyze.counting import Counted


class Halves:
    """The second half tallied by a forked process (`ops/split/second_half.py`), started before anything else
    runs here; the first half tallied here, then the two merged."""

    def __init__(self, source: RunSource, cut: Cut, options: Options, window: EventWindow, pricer: Pricer,
                 strict: bool, on_warning: Callable[[str], None] | None = None, scan: Any = None):
        """`scan`: an `EventScan` that sees every event (the first half's here, the second's by a scan of
        its own in the other process, absorbed at the end)."""
        self.source, self.cut, self.options, self.window, self.pricer = source, cut, options, window, pricer
        self.scan = scan
        equipped(options, pricer, window)
        if window.active:
            window(record_from_dict(cut.first_event)[0])  # resolve +30s from the run's start, for both halves
        second_scan = scan.second() if scan is not None else None
        self.second = SecondHalf(source, cut, strict, on_warning,
                                 lambda reader, part: _second_half(reader, part, source, cut, options, second_scan))

    def report(self, reader: TraceReader, counted: Any, *, bytes_read: Callable[[], int],
               progress: Callable[[int], None]) -> Report:
        """Read the first half here, take the second's, merge (or read it again), build the report (of the
        sections `options` names)."""
        with collector_paused():
            return self._report(reader, counted, bytes_read, progress)

    def _report(self, reader: TraceReader, counted: Any, bytes_read: Callable[[], int],
                progress: Callable[[int], None]) -> Report:
        try:
            reader.progress = self.second.progress(progress)
            first = _first_half(self.source, self.cut, reader, counted, self.options, self.scan)
            second = self.second.receive()
            progress(self.second.catch_up())
            _join(first, second, self.source, self.cut, reader, counted, self.scan)
            del second  # what the merge did not take over goes now, before the report is built
            first.finish()
            return build_report(first, self.pricer, problems=reader.problems, sections=self.options.sections,
                                bytes_read=bytes_read(), filters=self.window.describe())
        finally:
            self.second.stop()  # we stopped early (an error here, Ctrl-C): so does the other half


def _first_half(source: RunSource, cut: Cut, reader: TraceReader, counted: Any, options: Options,
                scan: Any) -> Tally:
    tally = Tally(options)
    tally.begin_source(source)
    for block in counted(source, _records(reader, source, cut.first, options, scan)):
        tally.feed(block)
    return tally


def _records(reader: TraceReader, source: RunSource, part: Part, options: Options, scan: Any,
             ) -> Iterator[Sequence[Any]]:
    """The part's records a block at a time; with a scan, each block shown to it first."""
    if scan is None:
        yield from reader.records_part(source, part, block_decoder(filtered=options.counted is not None))
        return
    for block in reader.line_blocks_part(source, part, block_decoder(filtered=options.counted is not None)):
        scan.see_block(block, source.files[block.file])
        yield block.records


def _second_half(reader: TraceReader, part: Part, source: RunSource, cut: Cut, options: Options,
                 scan: Any) -> tuple[Tally, int, Any]:
    """In the forked process: the second half tallied as a boundary pass (and scanned, for `check`)."""
    tally = Tally(options, Boundary(cut.root_id, cut.start_attrs))
    tally.begin_source(source)
    counted = Counted(reader.problems)
    for block in counted(source, _records(reader, source, part, options, scan)):
        tally.feed(block)
    del tally.options  # holds functions: not sent; the parent gives the tally its own (`_join`)
    sendable(tally)
    return tally, counted.events, scan.sendable() if scan is not None else None


def _join(first: Tally, second: tuple[Any, ...] | None, source: RunSource, cut: Cut, reader: TraceReader,
          counted: Any, scan: Any) -> None:
    """Merge the halves, or read the second half again here when they cannot be merged (the tally and the
    scan, or the scan alone)."""
    if second is not None:
        (tally, events, their_scan), problems, indexes = second
        join_indexes(reader, indexes)
        tally.options = first.options
        try:
            merge(first, tally)
        except NotMergeable:
            pass
        else:
            reader.problems.absorb(problems)
            counted.events += events
            if scan is not None:
                _join_scans(scan, their_scan, source, cut, reader.problems.strict)
            return
    with reading_again(reader, died=second is None) as again:
        for block in Counted(again.problems)(source, _records(again, source, numbered(cut, source), first.options,
                                                              scan)):
            first.feed(block)
            counted.events += len(block)


def _join_scans(scan: Any, theirs: Any, source: RunSource, cut: Cut, strict: bool) -> None:
    """The second half's scan folded into this one, or the second half scanned again here."""
    from ...checks.scan_merge import absorb  # noqa: PLC0415 - only check's halves scan

    try:
        absorb(scan, theirs)
    except NotMergeable:
        again = quiet_reader(strict)  # its problems were said, and counted, with the second half's tally
        for block in again.line_blocks_part(source, numbered(cut, source), block_decoder(filtered=False)):
            scan.see_block(block, source.files[block.file])
