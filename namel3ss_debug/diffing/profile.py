"""One run, read once, seen two ways: the analysis `Report` (figures) and the `CallSequence` (structure).

Each event goes to the call recorder and, as a record, to the same streaming analysis `analyze` runs, so
a diff's figures are the ones `analyze` prints for the run, and a trace is read once, not twice.

Two ways in, one answer: `profile_run` takes events as dicts (made in memory, or read by a command that needs
them whole); `profile_lines` takes the reader's typed blocks (decoded by msgspec; the recorder takes each record
and its raw inputs and outputs, and decodes a line again only where the typed decoder refused one of its fields),
as `diff` reads a side through `ops/reading/` (`watching.seen`). No command calls `profile_lines`: it is the
typed path without the read engine, which the tests hold to `profile_run` on random runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..store.handed import HandedRun, ReadMet
from ..store.line_blocks import LineBlock
from ..store.located import Located
from ..store.records import EventRecord
from .calls import CallRecorder, CallSequence

# What a diff reads of the report. Sections not listed are not built. Health is the run's outcome, which each side
# of the report says (passed or failed: `analysis/failed_run.py`); it needs every collector of the pass (a failed
# run's critical finding is the diagnosis's), so a first diff reads each run as `analyze` does.
SECTIONS = ("overview", "components", "operations", "llm", "errors", "health")


@dataclass(frozen=True)
class RunProfile:
    """A run as a diff sees it."""

    source: HandedRun
    report: Report
    calls: CallSequence

    @property
    def label(self) -> str:
        return self.source.label


def profile_run(source: HandedRun, events: Iterable[Located], *, pricer: Pricer | None = None,
                problems: ReadMet | None = None, rereadable: bool = False) -> RunProfile:
    """Read `events` (in file order, with their places) once into a report and a call sequence.

    Every event reaches the call recorder, which keeps only the first run's calls and counts the
    events of any other (`calls.other_runs`); the caller decides whether that is an error. With
    `rereadable`, calls keep where their outputs are rather than the outputs (see `calls.py`).
    """
    from ..analysis.analyze import analyze, dict_blocks  # noqa: PLC0415 - the pass, loaded to read a run: a diff
    # answered from the cache reads none

    recorder = CallRecorder()
    blocks = dict_blocks(events, lambda located: recorder.add(
        located.event, (located.path, located.offset) if rereadable else None), problems)
    report = analyze([(source, blocks)], pricer=pricer, problems=problems, sections=SECTIONS)
    return RunProfile(source, report, recorder.finish())


def profile_lines(source: HandedRun, blocks: Iterable[LineBlock], *, pricer: Pricer | None = None,
                  problems: ReadMet | None = None, rereadable: bool = False) -> RunProfile:
    """`profile_run` of the reader's typed blocks (`TraceReader.line_blocks`): the same profile, faster."""
    from ..analysis.analyze import analyze  # noqa: PLC0415 - as in profile_run

    recorder = CallRecorder()

    def records() -> Iterator[Sequence[EventRecord]]:
        for block in blocks:
            recorder.see_block(block, rereadable)
            yield block.records

    report = analyze([(source, records())], pricer=pricer, problems=problems, sections=SECTIONS)
    return RunProfile(source, report, recorder.finish())
