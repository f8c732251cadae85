"""`analyze` of many runs on every core (`--jobs`): the runs tallied in worker processes, a batch of them at a time
(`each_run.each_batch`), each batch given back as a `merge.Part` and taken in its place by the one pass of the
asking process (`analysis.analyze`), which merges it as if it had read the runs itself. The report is the one a
single process makes, byte for byte; so are the warnings: a worker says none of the problems its reading met, it
gives back the calls that would have said them (`store.problems.LoggedProblems`), and the asking process makes them
again on its own reader's problems, in run order, which say them, count them and cap them as one reader of every
run would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ...analysis.analyze import tallied
from ...analysis.merge import Part
from ...analysis.run_state import Options
from ...analysis.thresholds import Judging, Thresholds
from ...analysis.window import EventWindow
from ...checks.scan_parts import ScanRecipe
from ...model.errors import Namel3ssDebugError
from ...store.problems import Call, LoggedProblems, ReadProblems, replay
from ...store.reader import TraceReader
from ...store.sources import RunSource
from ..each_run import each_batch
from ..environment import ByteCount, Environment
from ..traces import make_pricer
from .counting import Counted


@dataclass(frozen=True)
class Settings:
    """What a worker tallies a run with: the pass's options (their callables made again there, from the prices),
    the window, the sections, and how the runs are read."""

    slow_threshold_ms: float
    block_threshold_ms: float
    top: int
    thresholds: Thresholds
    window: EventWindow
    sections: tuple[str, ...]
    strict: bool
    index: bool  # write the offset sidecar beside a file read (not under --no-cache)
    file_prices: Optional[Mapping[str, Any]]
    price_overrides: Optional[Mapping[str, Any]]
    scan: Optional[ScanRecipe] = None  # one big run read in parts by `check`: each part's scan (`split.py`)
    calls: bool = False  # one big run read in parts by `diff`: each part's calls (`diffing/call_parts.py`)


@dataclass
class Tallied:
    """A batch of sources tallied in a worker: their runs, the problem calls its reading made, its events and bytes
    read; or, with `error`, what stopped its reading (after the calls made until then)."""

    part: Optional[Part]
    calls: list[Call]
    events: int
    bytes_read: int
    error: Optional[Namel3ssDebugError | OSError] = None


class Tallier:
    """A worker's reader of a batch of sources at a time (`each_batch`'s `make(env, settings)`)."""

    def __init__(self, env: Environment, settings: Settings):
        self.settings = settings
        self.pricer = make_pricer(env, settings.file_prices, settings.price_overrides)
        self.problems = LoggedProblems(strict=settings.strict)
        self.read = ByteCount()
        self.reader = TraceReader(self.problems, stdin=env.stdin, progress=self.read.advance, reuse_buffers=True,
                                  write_index=settings.index)

    def __call__(self, sources: tuple[RunSource, ...]) -> Tallied:
        settings = self.settings
        counted, before = Counted(self.problems), self.read.done
        options = Options(slow_threshold_ms=settings.slow_threshold_ms, block_threshold_ms=settings.block_threshold_ms,
                          top=settings.top, judging=Judging(settings.thresholds))
        try:
            part = tallied(((source, counted(source, self.reader.records(source))) for source in sources),
                           pricer=self.pricer, options=options, window=settings.window, sections=settings.sections)
        except (Namel3ssDebugError, OSError) as error:
            return Tallied(None, self.problems.taken(), counted.events, self.read.done - before, error)
        return Tallied(part, self.problems.taken(), counted.events, self.read.done - before)


def tallied_parts(sources: list[RunSource], settings: Settings, jobs: int, env: Environment, problems: ReadProblems,
                  counted: Counted, read: ByteCount) -> Iterable[Part]:
    """The sources' runs tallied in worker processes, a batch at a time, in order; their problems said on
    `problems`, their events counted on `counted` and their bytes on `read` as each batch is taken. Raises the
    error that stopped a batch's reading, once what it said before is said."""
    for told in each_batch(Tallier, (settings,), sources, jobs, env):
        replay(told.calls, problems)
        counted.events += told.events
        read.advance(told.bytes_read)
        if told.error is not None:
            raise told.error
        assert told.part is not None  # given whenever no error is
        yield told.part
