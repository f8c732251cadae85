"""Reading `diff`'s two sides: each from the result cache when an earlier read of the same run kept it, else from
its files through `ops/reading/` (`read_profile`); with `--jobs` of 2 or more and both sides to read from files of
4 MiB or more, both at once (`Sides.both`): NEW in a worker process while this process reads BASE, each by a reader
whose problems are logged (`reading/given.GivenReader`).

Read at once, the answer, the warnings and an error are what reading NEW then BASE gives: the worker says nothing,
it gives back the problem calls its reading made (`store.problems.LoggedProblems`), and so does this process's
reading of BASE; NEW's are made again here first, then BASE's, on readers that say them. An error that stopped
NEW's reading is raised before anything of BASE is said, as when BASE is not read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import msgspec

from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..diffing.call_table import KeptCalls, kept, restored
from ..diffing.calls import CallSequence
from ..diffing.profile import SECTIONS, RunProfile
from ..model.errors import Namel3ssDebugError, TraceError, UsageError
from ..store import remote
from ..store.formats import rereadable
from ..store.problems import Call, LoggedProblems, ReadProblems, replay
from ..store.reader import TraceReader
from ..store.remote import RemoteObject
from ..store.sources import RunSource, is_stream
from . import learned_there
from .cache import ResultCache
from .environment import Environment
from .heap import size_on_disk
from .learned_there import LearnedThere
from .traces import make_pricer, make_reader
from .workers import InOrder, main_process

if TYPE_CHECKING:  # the pass, loaded to read a side: a diff answered from the cache loads none of it
    from .reading.plan import ReadPlan
    from .reading.settings import PassSettings

Failure = Namel3ssDebugError | OSError  # what stops a side's reading
AT_ONCE_BYTES = 4 * 1024 * 1024  # the least each side holds for the two to be read at once


class Side(msgspec.Struct, frozen=True):
    """What a diff keeps of one run read (`RunProfile` without its source), as the cache holds it."""

    report: Report
    run_id: Optional[str]
    calls: KeptCalls
    other_runs: dict[str, int]
    events: int

    @classmethod
    def of(cls, profile: RunProfile) -> Side:
        sequence = profile.calls
        return cls(profile.report, sequence.run_id, kept(sequence.calls), sequence.other_runs, sequence.events)

    def profile(self, source: RunSource) -> RunProfile | None:
        """The run's profile again; None when the calls kept are not whole."""
        table = restored(self.calls)
        if table is None:
            return None
        return RunProfile(source, self.report, CallSequence(self.run_id, table, self.other_runs, self.events))


class Sides:
    """Reading the sides of a diff: from the cache if an earlier read of the same run kept it, else from its files
    (and then kept, if the read was clean). `index` False: no index sidecar beside a file."""

    def __init__(self, cache: ResultCache, question: list[Any], pricer: Pricer, strict: bool, index: bool,
                 price_overrides: Optional[Mapping[str, Any]]):
        self.cache, self.question, self.pricer, self.strict, self.index = cache, question, pricer, strict, index
        self.price_overrides = price_overrides
        self.problems: list[ReadProblems] = []  # what each read from the files met

    def profile(self, side: str, source: RunSource, env: Environment, jobs: int = 1) -> RunProfile:
        """One side's profile: from the cache, else read (in parts on `jobs` cores when it is one big run that
        can be read again: `reading/plan.py`)."""
        kept = self.kept(source)
        if kept is not None:
            return kept
        from .reading.plan import plan_read  # noqa: PLC0415 - the pass: a diff answered from the cache loads none

        profile, problems = read_profile(side, plan_read([source], self.settings(), jobs), self.pricer, env)
        self.problems.append(problems)
        self.cache.put(self._key(source), Side.of(profile), problems)
        return profile

    def settings(self) -> PassSettings:
        """What a side is read with: the sections a diff reads, the default options, its calls recorded."""
        from ..analysis.run_state import Options  # noqa: PLC0415 - the pass: a diff answered from the cache loads none
        from .reading.settings import pass_settings  # noqa: PLC0415 - as above

        return pass_settings(Options(), SECTIONS, strict=self.strict, index=self.index,
                             price_overrides=self.price_overrides, calls=True)

    def both(self, base: RunSource, new: RunSource, env: Environment, jobs: int,
             ) -> Optional[tuple[RunProfile, RunProfile]]:
        """BASE's and NEW's profiles read at once (see the module's text); None when they are not: one job, a
        worker of a command, a side kept in the cache, read from a stream, or under `AT_ONCE_BYTES`. A side in a
        store is read in the worker as a local one is (`each_run.py`: its own store client, the versions this
        process found, what redaction would hide told back)."""
        if jobs < 2 or not main_process() or any(is_stream(path) for path in (*base.files, *new.files)):
            return None
        if min(_size(base), _size(new)) < AT_ONCE_BYTES:
            return None  # a small run is read sooner than a worker starts and gives it back
        if self.kept(base) is not None or self.kept(new) is not None:
            return None
        progress = env.progress([new, base])
        reading = Reading(remote.without_store_environment(env.environ), str(env.cwd), self.settings(),
                          remote.pins(path for path in new.files if remote.is_url(path)),
                          learned_there.watched([new]))
        with InOrder(_new_there, [new], 1, _set_up, (reading,), chunk=1, runs=1,
                     fresh=any(remote.is_url(path) for path in new.files)) as told, progress:
            logged = LoggedProblems(strict=self.strict)
            reader = TraceReader(logged, stdin=env.stdin, progress=progress.advance, reuse_buffers=True,
                                 write_index=self.index)
            base_read = _read_here("BASE", base, reader, self.pricer, reading.settings, env)
            [new_read] = list(told)
            progress.advance(new_read.bytes_read)
        new_profile = self._said(new, new_read, env)
        base_profile = self._said(base, base_read, env)
        return base_profile, new_profile

    def _said(self, source: RunSource, read: SideRead, env: Environment) -> RunProfile:
        """A side read elsewhere: its warnings said here (on a reader's problems, as one read says them), its error
        raised, else its profile, kept in the cache when its read was clean."""
        problems = make_reader(self.strict, env).problems
        self.problems.append(problems)
        replay(read.calls, problems)
        learned_there.tell(read.learned)
        if read.error is not None:
            raise read.error
        assert read.side is not None  # a read that met no error gives its side
        side = msgspec.msgpack.decode(read.side, type=Side)
        profile = side.profile(source)
        assert profile is not None  # the calls of a side just read are whole
        self.cache.put(self._key(source), side, problems)
        return profile

    def kept(self, source: RunSource) -> RunProfile | None:
        side = self.cache.get(self._key(source), Side)
        return side.profile(source) if side is not None else None

    def _key(self, source: RunSource) -> str | None:
        return self.cache.key("diff", [source], [*self.question, rereadable(source)])


def read_profile(side: str, plan: ReadPlan, pricer: Pricer, env: Environment) -> tuple[RunProfile, ReadProblems]:
    """The plan's one run read, its calls recorded on the way, and what its reading met; an input without events or
    with several runs cannot be diffed."""
    from ..diffing.call_parts import JoiningRecorder  # noqa: PLC0415 - the pass: a diff answered from the cache loads none
    from .reading.read import read  # noqa: PLC0415 - as above
    from .reading.watching import Watching  # noqa: PLC0415 - as above

    recorder = JoiningRecorder()
    done = read(plan, pricer, env, Watching(recorder=recorder, count_bytes=False))
    return one_run(side, RunProfile(plan.sources[0], done.report, recorder.finish())), done.problems


def one_run(side: str, profile: RunProfile) -> RunProfile:
    """`profile`, when it holds one run's events; an input without events or with several runs cannot be diffed."""
    source = profile.source
    if not profile.calls.events:
        raise TraceError(f"{side} {source.label}: no events", hint="the trace is empty: was the run traced?")
    others = profile.calls.other_runs
    if others:
        runs = ", ".join([profile.calls.run_id or "?", *sorted(others)][:4])
        raise UsageError(f"{side} {source.label} holds {len(others) + 1} runs ({runs}): diff compares one run "
                         "with one run", hint="name one run's segment file or run id, or split the file by run_id")
    return profile


@dataclass(frozen=True)
class Reading:
    """What the worker reading NEW reads with: the command's environment (without a store's credentials: the worker
    reads them from its own) and working directory, what a side is read with, the versions of NEW's objects in a
    store this process found, and those of them the result cache learns from."""

    environ: dict[str, str]
    cwd: str
    settings: PassSettings
    pinned: list[RemoteObject]
    watched: list[str]


@dataclass
class SideRead:
    """A side read (here, or in the worker): its side (as the cache writes it: its columns are views of arrays, which
    do not pickle) or the error that stopped its reading, the problem calls its reading made until then, and the
    bytes it read."""

    side: Optional[bytes]
    calls: list[Call]
    error: Optional[Failure]
    bytes_read: int
    learned: dict[str, list[str]] = field(default_factory=dict)  # what its objects in a store taught redaction


def _read_here(name: str, source: RunSource, reader: TraceReader, pricer: Pricer, settings: PassSettings,
               env: Environment) -> SideRead:
    """A side read with a reader whose problems are logged, not said (`LoggedProblems`)."""
    from .reading.given import GivenReader  # noqa: PLC0415 - the pass: a diff answered from the cache loads none
    from .reading.plan import ReadPlan  # noqa: PLC0415 - as above

    problems = reader.problems
    assert isinstance(problems, LoggedProblems)
    counted: list[int] = [0]
    advance = reader.progress

    def count(size: int) -> None:
        counted[0] += size
        if advance is not None:
            advance(size)

    reader.progress = count
    try:
        profile, _ = read_profile(name, ReadPlan((source,), settings, GivenReader(reader)), pricer, env)
        side: Optional[bytes] = msgspec.msgpack.encode(Side.of(profile))
        error: Optional[Failure] = None
    except (Namel3ssDebugError, OSError) as raised:
        side, error = None, raised
    return SideRead(side, problems.taken(), error, counted[0])


_THERE: list[Callable[[RunSource], SideRead]] = []


def _set_up(reading: Reading) -> None:
    env = Environment(environ=reading.environ, cwd=Path(reading.cwd), warn=lambda line: None)
    settings = reading.settings
    pricer = make_pricer(env, None, settings.price_overrides)
    for found in reading.pinned:
        remote.pin(found)
    learning = LearnedThere(reading.watched)

    def read(source: RunSource) -> SideRead:
        reader = TraceReader(LoggedProblems(strict=settings.strict), reuse_buffers=True, write_index=settings.index)
        learning.watch([source])
        done = _read_here("NEW", source, reader, pricer, settings, env)
        done.learned = learning.taken()
        return done

    _THERE[:] = [read]


def _new_there(source: RunSource) -> SideRead:
    return _THERE[0](source)


def _size(source: RunSource) -> float:
    """A side's bytes: its files on the disk (`size_on_disk`), its objects in a store as their listing found them."""
    if any(remote.is_url(path) for path in source.files):
        try:
            return sum(remote.pinned(path).size for path in source.files)
        except Namel3ssDebugError:
            return 0  # read one after the other, whose reading says what is wrong
    return size_on_disk(source)
