"""Work on many runs at once, in worker processes, the answers in the order the runs were given: what `--jobs`
chooses (by default, the cores this process may use).

A few runs are read in the process that asks, one after the other (`workers_for`): starting a worker costs more
than reading a small run. The workers are forked from this process when it runs one thread, else started by a fork
server (`start_method`), each set up once by `setup(*args)`, then handed runs a few at a time. A worker that dies
(killed, out of memory) stops the whole work with one error that says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ..model.errors import Namel3ssDebugError
from ..store import remote
from ..store.sources import RunSource, is_stream

A = TypeVar("A")
B = TypeVar("B")

MIN_PARALLEL = 16  # fewer runs than this are read in this process
CHUNK = 4  # runs handed to a worker at a time


def cores() -> int:
    """The cores this process may run on (its affinity where the system tells it), at least 1: `--jobs`'s default."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on macOS and Windows
        return max(1, os.cpu_count() or 1)


def source_bytes(source: RunSource) -> int:
    """The bytes of a run's files, for the bar a worker's run is counted on when it is given back (a file gone
    since counts none: its reading says so)."""
    total = 0
    for path in source.files:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total


def workers_for(items: int, jobs: int) -> int:
    """How many worker processes read `items` runs with `--jobs jobs`: 0 (read here) for fewer than MIN_PARALLEL
    runs or one job, else at most one a CHUNK of runs."""
    workers = min(jobs, items // CHUNK)
    return workers if workers >= 2 and items >= MIN_PARALLEL else 0


def in_workers(sources: Sequence[RunSource], jobs: int) -> bool:
    """Whether `each_run` reads these runs in worker processes: enough of them (`workers_for`), none from a stream
    (standard input, a pipe: only the asking process can read it). Runs in a store are read there as local ones
    are: each worker makes its own store client (`remote.filesystem`) and reads the versions this process found
    (`remote.pins`)."""
    return bool(workers_for(len(sources), jobs)) and not any(is_stream(path) for source in sources
                                                             for path in source.files)


def in_order(work: Callable[[A], B], items: Sequence[A], workers: int, setup: Callable[..., None],
             args: tuple[Any, ...], chunk: int = CHUNK, runs: int | None = None, fresh: bool = False) -> Iterator[B]:
    """`work(item)` of each item, in the items' order, in `workers` worker processes, each set up by
    `setup(*args)`, handed `chunk` items at a time (`runs`: the runs they hold, when an item is a batch of them).
    `work` and `setup` are functions of a module (a worker imports them), and what they take and give can be
    pickled. The workers start when the first answer is asked for (`InOrder`: at once). `fresh`: the workers
    read this process's environment as it is now (`start_method`)."""
    with InOrder(work, items, workers, setup, args, chunk, runs, fresh) as answers:
        yield from answers


class InOrder(Generic[B]):
    """`in_order`'s workers started at once, every item handed out, while this process does something else; the
    answers asked for in order (`for`); `with` it, so that the workers stop when they are not all wanted (an
    error, Ctrl-C): the items not begun are not read."""

    def __init__(self, work: Callable[[A], B], items: Sequence[A], workers: int, setup: Callable[..., None],
                 args: tuple[Any, ...], chunk: int = CHUNK, runs: int | None = None, fresh: bool = False):
        import multiprocessing  # noqa: PLC0415 - loaded only when workers start: a listing of a few runs needs none
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - as above

        remote.release_for_fork()
        context = multiprocessing.get_context(start_method(fresh))
        count = runs or len(items)
        self._what = f"{count} run{'s' if count != 1 else ''} in {workers} process{'es' if workers != 1 else ''}"
        self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=setup, initargs=args)
        self._answers = self._pool.map(work, items, chunksize=chunk)

    def __iter__(self) -> Iterator[B]:
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415 - as in __init__

        try:
            yield from self._answers
        except BrokenProcessPool:
            raise Namel3ssDebugError(
                f"a worker process stopped while reading {self._what} (killed, or out of memory): the reading "
                "stopped there", hint="run again; with --jobs 1 the runs are read in this process") from None

    def __enter__(self) -> InOrder[B]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def main_process() -> bool:
    """Whether this is the command's own process, not a worker of it (a worker starts no workers)."""
    import multiprocessing  # noqa: PLC0415 - as in_order

    return multiprocessing.parent_process() is None


def start_method(fresh: bool = False) -> str:
    """`fork` for a process of one thread (a worker starts at once, with nothing to import); with other threads
    (`view` serves pages from several) a fork could copy a lock one of them holds, so `forkserver`, a clean process
    the workers are forked from (it imports this package once); `spawn` where neither is offered. With `fresh`
    (workers that read a store: its endpoint and credentials are read from their own environment) never the fork
    server: it keeps the environment of the moment it started, perhaps long before in a long-lived process
    (`view`, a library caller), where a spawned worker has this process's environment as it is now."""
    import multiprocessing  # noqa: PLC0415 - as in_order
    import threading  # noqa: PLC0415 - as above

    offered = multiprocessing.get_all_start_methods()
    if "fork" in offered and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in offered and not fresh else "spawn"
