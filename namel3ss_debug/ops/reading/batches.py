"""Many runs read on every core (`--jobs`, `read.read` of a plan of batches): the runs tallied in worker processes, a
batch of them at a time (`each_run.each_batch`), each batch given back as a `merge.Part` and taken in its place by
the one pass of the asking process (`analysis.analyze.analyze_parts`), which merges it as if it had read the runs
itself. The report is the one a single process makes, byte for byte; so are the warnings: a worker says none of the
problems its reading met, it gives back the calls that would have said them (`store.problems.LoggedProblems`), and
the asking process makes them again on its own reader's problems, in run order, which say them, count them and cap
them as one reader of every run would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ...analysis.analyze import analyze_parts, tallied
from ...analysis.merge import Part
from ...model.errors import Namel3ssDebugError
from ...store.problems import Call, LoggedProblems, ReadProblems, replay
from ...store.reader import TraceReader
from ...analysis.prices import Pricer
from ...store.sources import RunSource
from ..each_run import each_batch
from ..environment import ByteCount, Environment
from ..traces import make_pricer, make_reader
from .counting import Counted
from .settings import PassSettings, options_of
from .watching import Watching
from .way import ReadResult

if TYPE_CHECKING:
    from .plan import ReadPlan


@dataclass(frozen=True)
class Batches:
    """Reads many runs in `jobs` worker processes, a batch at a time, each batch merged in its place; the problems
    the workers met said again here, in the runs' order."""

    jobs: int

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> ReadResult:
        settings = plan.settings
        reader = make_reader(settings.strict, env, write_index=settings.index)
        counted, done = Counted(reader.problems), ByteCount()
        parts = tallied_batches(list(plan.sources), settings, self.jobs, env, reader.problems, counted, done)
        report = analyze_parts(parts, pricer=pricer, options=options_of(settings), window=settings.window,
                               problems=reader.problems, sections=settings.sections,
                               bytes_read=(lambda: done.done) if watching.count_bytes else None,
                               keep_tally=watching.keep_tally, keep_clues=watching.keep_clues)
        return ReadResult(report, reader.problems, counted.events)


@dataclass
class TalliedBatch:
    """A batch of sources tallied in a worker: their runs, the problem calls its reading made, its events and bytes
    read; or, with `error`, what stopped its reading (after the calls made until then)."""

    part: Optional[Part]
    calls: list[Call]
    events: int
    bytes_read: int
    error: Optional[Namel3ssDebugError | OSError] = None


class Tallier:
    """A worker's reader of a batch of sources at a time (`each_batch`'s `make(env, settings)`)."""

    def __init__(self, env: Environment, settings: PassSettings):
        self.settings = settings
        self.pricer = make_pricer(env, settings.file_prices, settings.price_overrides)
        self.problems = LoggedProblems(strict=settings.strict)
        self.read = ByteCount()
        self.reader = TraceReader(self.problems, stdin=env.stdin, progress=self.read.advance, reuse_buffers=True,
                                  write_index=settings.index)

    def __call__(self, sources: tuple[RunSource, ...]) -> TalliedBatch:
        settings = self.settings
        counted, before = Counted(self.problems), self.read.done
        options = options_of(settings)
        try:
            part = tallied(((source, counted(source, self.reader.records(source))) for source in sources),
                           pricer=self.pricer, options=options, window=settings.window, sections=settings.sections)
        except (Namel3ssDebugError, OSError) as error:
            return TalliedBatch(None, self.problems.taken(), counted.events, self.read.done - before, error)
        return TalliedBatch(part, self.problems.taken(), counted.events, self.read.done - before)


def tallied_batches(sources: list[RunSource], settings: PassSettings, jobs: int, env: Environment,
                    problems: ReadProblems, counted: Counted, read: ByteCount) -> Iterable[Part]:
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
