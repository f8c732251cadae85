"""The runs read whole, in this process, one after another (`Whole`): the way of a read on one core, of a few
runs, and of a command's worker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..._version import __version__
from ...analysis.analyze import analyze
from ...model.collector import collector_paused
from ...analysis.prices import Pricer
from ...analysis.records.report import REPORT_SCHEMA, Report
from ...store.formats import rereadable
from ...store.problems import ReadProblems
from ...store.reader import TraceReader
from ...store.records import EventRecord
from ...store.sources import RunSource
from ..environment import Environment
from ..traces import make_reader
from .counting import Counted
from .settings import PassSettings, options_of
from .watching import Watching, seen
from .way import ReadResult

if TYPE_CHECKING:
    from .plan import ReadPlan


class Whole:
    """Reads the plan's runs here. A read of no section (`check`'s scan of `forbid_secrets` alone) needs no pass:
    the run goes at the scan's speed."""

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> ReadResult:
        settings = plan.settings
        progress = env.progress(list(plan.sources))
        reader = make_reader(settings.strict, env, progress=progress.advance, write_index=settings.index,
                             reuse_buffers=watching.scan is None)  # a scan keeps the places of what it saw
        counted = Counted(reader.problems)
        runs = ((source, counted(source, _blocks(reader, source, watching))) for source in plan.sources)
        with progress:
            if not settings.sections:
                report = _unanalysed(block for _, blocks in runs for block in blocks)
            else:
                report = analysed(runs, plan.settings, pricer, reader.problems, watching, lambda: progress.done)
        return ReadResult(report, reader.problems, counted.events)


def analysed(runs: Iterable[tuple[RunSource, Iterator[Sequence[EventRecord]]]], settings: PassSettings,
             pricer: Pricer, problems: ReadProblems, watching: Watching, done: Callable[[], int]) -> Report:
    """The runs' report, read here: `done` the bytes read, when the overview counts them."""
    return analyze(runs, pricer=pricer, options=options_of(settings), window=settings.window, problems=problems,
                   sections=settings.sections, bytes_read=done if watching.count_bytes else None,
                   keep_tally=watching.keep_tally, keep_clues=watching.keep_clues)


def _blocks(reader: TraceReader, source: RunSource, watching: Watching) -> Iterator[Sequence[EventRecord]]:
    """The run's records; as line blocks shown to `watching` first when someone watches the lines."""
    if not watching.sees_lines:
        return reader.records(source)
    return seen(reader.line_blocks(source), watching, source.files,
                watching.recorder is not None and rereadable(source))


def _unanalysed(blocks: Iterable[Sequence[EventRecord]]) -> Report:
    """A report with no section, for rules that read none (forbid_secrets): the blocks read through (their
    read problems told as they are met), and the run's id from its first event."""
    run_ids: list[str] = []
    with collector_paused():
        for records in blocks:
            if not run_ids:
                run_ids.append(records[0].run_id)
    return Report(REPORT_SCHEMA, f"namel3ss-debug {__version__}", [], run_ids=run_ids)
