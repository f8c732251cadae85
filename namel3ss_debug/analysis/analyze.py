"""`analyze` as one call: runs of record blocks in, a Report out (`analyze`); or runs tallied elsewhere
(`analyze_parts`), or one run read in parts (`analyze_split`). No files, no printing.

`dict_blocks` makes those blocks from events read as dicts, for `diff`, which looks at each
event's payload on the way."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Iterator

from ..model.collector import collector_paused
from ..store.handed import HandedRun, ReadMet, RecordBlocks
from ..store.located import Located
from ..store.records import EventRecord, record_from_dict
from .build import build_report
from .diagnosis.collector.clues import Clues
from .merge import Part, absorb, part_of
from .prices import Pricer
from .records.report import SECTIONS, Report
from .run_state import Options
from .split_run import SplitRun, read_split
from .tally import Tally
from .window import EventWindow


def analyze(runs: Iterable[tuple[HandedRun, RecordBlocks]], *, pricer: Pricer | None = None,
            options: Options | None = None, window: EventWindow | None = None, problems: ReadMet | None = None,
            sections: Iterable[str] = SECTIONS, bytes_read: Callable[[], int] | None = None,
            keep_clues: Callable[[Clues], None] | None = None,
            keep_tally: Callable[[Tally], None] | None = None) -> Report:
    """Tally each `(source, blocks)` run in order, then build the report.

    `bytes_read`, if given, is called once at the end for the figure the overview shows. `keep_clues`, if given
    and `sections` has `findings`, is handed the diagnosis's clues once the report is built, for
    `diagnosis.diagnose.rediagnose` (blame again with failures judged outside the run). `keep_tally`, if given,
    is handed the finished tally, for what the report does not keep (`run_row.operation_times`: each span's time).
    """
    def take(tally: Tally) -> None:
        for source, blocks in runs:
            _tally(tally, source, blocks, window)

    return _report(take, pricer, options, window, problems, sections, bytes_read, keep_clues, keep_tally)


def analyze_parts(parts: Iterable[Part], *, pricer: Pricer | None = None, options: Options | None = None,
                  window: EventWindow | None = None, problems: ReadMet | None = None,
                  sections: Iterable[str] = SECTIONS, bytes_read: Callable[[], int] | None = None,
                  keep_clues: Callable[[Clues], None] | None = None,
                  keep_tally: Callable[[Tally], None] | None = None) -> Report:
    """`analyze` of runs tallied elsewhere (`tallied`: a worker's share of many runs), each part taken in its place
    as if this pass had read its runs (`merge.absorb`)."""
    def take(tally: Tally) -> None:
        for part in parts:
            absorb(tally, part)

    return _report(take, pricer, options, window, problems, sections, bytes_read, keep_clues, keep_tally)


def analyze_split(run: SplitRun, *, pricer: Pricer | None = None, options: Options | None = None,
                  window: EventWindow | None = None, problems: ReadMet | None = None,
                  sections: Iterable[str] = SECTIONS, bytes_read: Callable[[], int] | None = None,
                  keep_clues: Callable[[Clues], None] | None = None,
                  keep_tally: Callable[[Tally], None] | None = None) -> Report:
    """`analyze` of one run read in parts (`split_run.read_split`): each part joined in its place."""
    def take(tally: Tally) -> None:
        tally.begin_source(run.source)
        read_split(tally, run.read, run.spans, run.parts, run.joined, run.settled)
        tally.finish()

    return _report(take, pricer, options, window, problems, sections, bytes_read, keep_clues, keep_tally)


def _report(take: Callable[[Tally], None], pricer: Pricer | None, options: Options | None,
            window: EventWindow | None, problems: ReadMet | None, sections: Iterable[str],
            bytes_read: Callable[[], int] | None, keep_clues: Callable[[Clues], None] | None,
            keep_tally: Callable[[Tally], None] | None) -> Report:
    """The report of a tally `take` fills, its clues and the tally handed on (see `analyze`)."""
    pricer = pricer or Pricer()
    chosen = equipped(replace(options or Options(), sections=frozenset(sections)), pricer, window)
    tally = Tally(chosen)
    with collector_paused():
        take(tally)
        report = build_report(tally, pricer, problems=problems, sections=chosen.sections,
                              bytes_read=bytes_read() if bytes_read is not None else 0,
                              filters=window.describe() if window is not None else {})
    if tally.clues is not None and keep_clues is not None:
        keep_clues(tally.clues)
    if keep_tally is not None:
        keep_tally(tally)
    return report


def tallied(runs: Iterable[tuple[HandedRun, RecordBlocks]], *, pricer: Pricer, options: Options,
            window: EventWindow | None = None, sections: Iterable[str] = SECTIONS) -> Part:
    """The runs tallied for `analyze` to take in their place (a worker's share of many runs)."""
    tally = Tally(equipped(replace(options, sections=frozenset(sections)), pricer, window))
    with collector_paused():
        for source, blocks in runs:
            _tally(tally, source, blocks, window)
    return part_of(tally)


def _tally(tally: Tally, source: HandedRun, blocks: RecordBlocks, window: EventWindow | None) -> None:
    tally.begin_source(source)
    if window is not None:
        window.new_run()
    for block in blocks:
        tally.feed(block)
    tally.finish()  # the source's runs: what one run finds at its end is said before the next run's


def equipped(options: Options, pricer: Pricer, window: EventWindow | None) -> Options:
    """`options` given the pricer's context windows and, when it filters anything, the window as `counted`."""
    options.context_window = pricer.context_window
    options.judging = replace(options.judging, context_window=pricer.context_window)
    options.price = lambda model, tokens_in, tokens_out: pricer.price(model, tokens_in, tokens_out)[0]
    if window is not None and window.active:
        options.counted = window
    return options


def dict_blocks(events: Iterable[Located], see: Callable[[Located], None], problems: ReadMet | None = None,
                size: int = 1024) -> Iterator[list[EventRecord]]:
    """Events read as dicts (by a command that needs their payloads too), each shown to `see` and made a
    record for `analyze`, `size` at a time. An event whose envelope fields have the wrong types is an invalid
    line (told to `problems`), as on the typed path: neither seen nor analysed."""
    block: list[EventRecord] = []
    for located in events:
        try:
            record = record_from_dict(located.event)[0]
        except ValueError as error:
            if problems is not None:
                problems.invalid_line(located.where, str(error))
            continue
        see(located)
        block.append(record)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


