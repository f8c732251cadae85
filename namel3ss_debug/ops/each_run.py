"""A command's runs read one at a time, in this process or, for many, in worker processes (`workers.py`,
`--jobs`), as one process would: the answers in the runs' order, each run's warnings said in that order, and an
error that stops one run's reading stopping the command.

The reader of a run is made by `make(env, *args)` (a class or a function of a module: a worker makes its own,
with an environment whose warnings are kept and given back with each answer); the answers must pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Optional, TypeVar

from ..model.errors import Namel3ssDebugError
from ..store.sources import RunSource, is_stream
from .environment import Environment, count_bytes
from .workers import in_order, source_bytes, workers_for

T = TypeVar("T")
Make = Callable[..., Callable[[RunSource], T]]  # make(env, *args): the reader of one run


@dataclass
class _Told(Generic[T]):
    """A run's answer from a worker, with the warnings its reading said."""

    answer: T
    warnings: list[str]


@dataclass
class _Failed:
    """An error that stopped a run's reading in a worker, to be raised again where the runs were asked for."""

    kind: type[Namel3ssDebugError]
    message: str
    where: Optional[str]
    hint: Optional[str]

    def error(self) -> Namel3ssDebugError:
        try:
            return self.kind(self.message, where=self.where, hint=self.hint)
        except TypeError:  # an error made with other arguments: its words stay
            return Namel3ssDebugError(self.message, where=self.where, hint=self.hint)


def each_run(make: Make[T], args: tuple[Any, ...], sources: Sequence[RunSource], jobs: int,
             env: Environment) -> Iterator[T]:
    """Each run's answer, in order: read here by `make(env, *args)` for a few runs (`workers.workers_for`), one
    job, or a run read from a stream (standard input, a pipe: only this process can read it, once); else in worker
    processes, each run counted on one bar as it is given back."""
    workers = workers_for(len(sources), jobs)
    if not workers or any(is_stream(path) for source in sources for path in source.files):
        yield from map(make(env, *args), sources)
        return
    setup = (make, dict(env.environ), env.cwd, args)
    with env.progress(sources) as bar:
        for source, told in zip(sources, in_order(_read_there, sources, workers, _set_up, setup)):
            if isinstance(told, _Failed):
                raise told.error()
            for line in told.warnings:
                env.warn(line)
            bar.advance(source_bytes(source))
            yield told.answer


_THERE: list[Callable[[RunSource], Any]] = []  # a worker process's reader (`_set_up`)
_SAID: list[str] = []  # the warnings of the run a worker reads


def _set_up(make: Make[Any], environ: Mapping[str, str], cwd: Path, args: tuple[Any, ...]) -> None:
    """A worker process's reader, made as the asking process made its own, its warnings kept to be given back."""
    _THERE[:] = [make(Environment(environ=environ, cwd=cwd, warn=_SAID.append, progress=count_bytes), *args)]


def _read_there(source: RunSource) -> _Told[Any] | _Failed:
    """One run read in a worker process, with what its reading said; or the error that stopped it."""
    _SAID.clear()
    try:
        answer = _THERE[0](source)
    except Namel3ssDebugError as error:
        return _Failed(type(error), error.message, error.where, error.hint)
    return _Told(answer, list(_SAID))
