"""A command's runs read one at a time, in this process or, for many, in worker processes (`workers.py`,
`--jobs`), as one process would: the answers in the runs' order, each run's warnings said in that order, and an
error that stops one run's reading stopping the command (or, for the errors a caller keeps, given in the run's
place: the run index notes a run it cannot read and goes on).

The reader of a run is made by `make(env, *args)` (a class or a function of a module: a worker makes its own,
with an environment whose warnings are kept and given back with each answer); the answers must pickle, and so do
the errors (`Namel3ssDebugError.__reduce__`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Optional, TypeVar, cast

from ..model.errors import Namel3ssDebugError
from ..store import remote
from ..store.remote import RemoteObject
from ..store.sources import RunSource
from . import learned_there
from .environment import Environment, count_bytes
from .learned_there import LearnedThere
from .workers import CHUNK, in_order, in_workers, source_bytes, workers_for

T = TypeVar("T")
Reader = Callable[[RunSource], T]
Failure = Namel3ssDebugError | OSError  # what stops a run's reading


@dataclass
class _Told(Generic[T]):
    """A run's answer from a worker, with the warnings its reading said."""

    answer: T
    warnings: list[str]
    learned: dict[str, list[str]]  # by object in a store, what its read taught redaction (`learned_there.py`)


def each_run(make: Callable[..., Reader[T]], args: tuple[Any, ...], sources: Sequence[RunSource], jobs: int,
             env: Environment) -> Iterator[T]:
    """Each run's answer, in order, read by `make(env, *args)`: in this process for a few runs
    (`workers.workers_for`), one job, or a run read from a stream (standard input, a pipe: only this process can
    read it, once); else in worker processes, each run counted on one bar as it is given back. An error that stops
    a run's reading stops them all."""
    return cast(Iterator[T], _each(make, args, sources, jobs, env, None, keep=False))  # errors raised, not given


def each_run_noting(make: Callable[..., Reader[T]], args: tuple[Any, ...], sources: Sequence[RunSource], jobs: int,
                    env: Environment, here: Reader[T]) -> Iterator[T | Failure]:
    """`each_run`, read here by `here`, with the error that stopped a run's reading given in its place."""
    return _each(make, args, sources, jobs, env, here, keep=True)


def _each(make: Callable[..., Reader[T]], args: tuple[Any, ...], sources: Sequence[RunSource], jobs: int,
          env: Environment, here: Optional[Reader[T]], *, keep: bool) -> Iterator[T | Failure]:
    kept: tuple[type[Failure], ...] = (Namel3ssDebugError, OSError) if keep else ()
    workers = workers_for(len(sources), jobs)
    if not in_workers(sources, jobs):
        reader = here if here is not None else make(env, *args)
        for source in sources:
            try:
                yield reader(source)
            except kept as error:
                yield error
        return
    yield from _given(make, args, [(source,) for source in sources], workers, env, keep=keep, chunk=CHUNK, one=True)


BATCHES = 8  # batches of runs a worker is handed, about, by `each_batch`


def each_batch(make: Callable[..., Callable[[tuple[RunSource, ...]], T]], args: tuple[Any, ...],
               sources: Sequence[RunSource], jobs: int, env: Environment) -> Iterator[T]:
    """`each_run`'s worker processes, each handed consecutive runs a batch at a time (`make(env, *args)` reads a
    batch into one answer), the answers in order: for many runs whose answers merge (`analyze --all`), where one
    answer for a few hundred runs costs less to make, send and merge than one a run. For runs `workers.in_workers`
    gives to workers; the warnings of a batch are said before its answer is given, and an error that stops its
    reading stops them all (a reader that keeps its own errors gives them in its answer)."""
    workers = workers_for(len(sources), jobs)
    size = max(1, -(-len(sources) // (workers * BATCHES)))
    batches = [tuple(sources[start:start + size]) for start in range(0, len(sources), size)]
    return cast(Iterator[T], _given(make, args, batches, workers, env, keep=False, chunk=1, one=False))


def _given(make: Callable[..., Any], args: tuple[Any, ...], batches: list[tuple[RunSource, ...]], workers: int,
           env: Environment, *, keep: bool, chunk: int, one: bool) -> Iterator[Any]:
    """Each batch's answer from the workers, in order, its warnings said first and its runs counted on the bar
    after; the error that stopped a batch raised (or, with `keep`, given in its place). `one`: each batch is a run,
    handed to the reader alone."""
    sources = [source for batch in batches for source in batch]
    urls = [path for source in sources for path in source.files if remote.is_url(path)]
    setup = (make, remote.without_store_environment(env.environ), env.cwd, args, remote.pins(urls),
             learned_there.watched(sources))
    items: list[Any] = [batch[0] for batch in batches] if one else batches
    runs = sum(map(len, batches))
    with env.progress([source for batch in batches for source in batch]) as bar:
        for batch, told in zip(batches, in_order(_read_there, items, workers, _set_up, setup, chunk=chunk, runs=runs,
                                                     fresh=bool(urls))):
            if isinstance(told, (Namel3ssDebugError, OSError)):
                if not keep:
                    raise told
                yield told
            else:
                for line in told.warnings:
                    env.warn(line)
                learned_there.tell(told.learned)
                yield told.answer
            bar.advance(sum(map(source_bytes, batch)))


_THERE: list[Callable[[Any], Any]] = []  # a worker process's reader of a run, or of a batch (`_set_up`)
_SAID: list[str] = []  # the warnings of the run a worker reads
_LEARNING: list[LearnedThere] = []  # what a worker's reads teach redaction (`_set_up`)


def _set_up(make: Callable[..., Reader[Any]], environ: Mapping[str, str], cwd: Path, args: tuple[Any, ...],
            pinned: list[RemoteObject], watched: list[str]) -> None:
    """A worker process's reader, made as the asking process made its own, its warnings kept to be given back; the
    objects of a store at the versions the asking process found, what their reads teach redaction learned for the
    objects it watches."""
    for found in pinned:
        remote.pin(found)
    _LEARNING[:] = [LearnedThere(watched)]
    _THERE[:] = [make(Environment(environ=environ, cwd=cwd, warn=_SAID.append, progress=count_bytes), *args)]


def _read_there(item: RunSource | tuple[RunSource, ...]) -> _Told[Any] | Failure:
    """One run (or batch) read in a worker process, with what its reading said and taught; or the error that
    stopped it."""
    _SAID.clear()
    learning = _LEARNING[0]
    learning.watch(item if isinstance(item, tuple) else (item,))
    try:
        answer = _THERE[0](item)
    except (Namel3ssDebugError, OSError) as error:
        learning.taken()
        return error
    return _Told(answer, list(_SAID), learning.taken())
