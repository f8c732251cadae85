"""The use case `runs` and `view DIR` share: a directory's index, opened and brought up to date; and `index_run`,
one finished run put in the index as it ends.

The index is kept whatever `--no-cache` says: it is the listing itself, not a kept answer. `cache` False only
stops the reading of each run from writing an offset sidecar beside its files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ...config import ResolvedSettings, display_path, load_settings
from ...model.errors import UsageError
from ...store import remote
from ...store.sources import is_directory, unreadable
from ..environment import Environment
from ...analysis.run_row import OperationTimes, RunRow
from .index import RunIndex
from .indexing import RunReading, run_reading
from .query import RunQuery
from .rows import DamagedRows
from .scan import SyncPlan, SyncResult, scan

T = TypeVar("T")


@dataclass(frozen=True)
class CatalogueRequest:
    directory: str | None = None  # None: trace_output_dir
    config_path: Path | None = None
    strict: bool = False  # runs with torn, invalid or out-of-sequence lines left out of the listing (a warning)
    cache: bool = False  # True: reading a run writes its offset sidecar; the index itself is always kept
    jobs: int = 1  # worker processes that read the runs a sync reads (`workers.py`)


@dataclass
class Catalogue:
    directory: Path | str  # a directory, or a folder in a store by its URL (its index kept in memory)
    index: RunIndex
    synced: SyncResult
    reading: RunReading
    env: Environment

    def refresh(self) -> SyncResult:
        """Sync again (`view --follow` each poll): runs written since appear, runs deleted go; the notes are
        warned through the environment as on opening."""
        self.synced = synced(self.index, self.reading, self.env)
        return self.synced

    def select(self, query: RunQuery) -> list[RunRow]:
        """The index's rows for `query` (`healed`)."""
        return self.healed(lambda: self.index.select(query))

    def groups(self, query: RunQuery, size: int) -> Generator[list[RunRow], None, None]:
        """The index's rows for `query`, `size` at a time as it reads them (`RunIndex.select_groups`: a damaged row
        left out and warned, since the rows before it may be shown already)."""
        groups = self.index.select_groups(query, size, self.env.warn)
        try:
            try:
                first = next(groups, None)
            except DamagedRows:  # healed as `select` is: nothing is shown yet
                self.refresh()
                groups = self.index.select_groups(query, size, self.env.warn)
                first = next(groups, None)
            if first is not None:
                yield first
                yield from groups
        finally:
            groups.close()

    def get(self, run_id: str) -> RunRow | None:
        return self.healed(lambda: self.index.get(run_id))

    def operations(self, run_ids: Sequence[str]) -> dict[str, list[OperationTimes]]:
        return self.healed(lambda: self.index.operations(run_ids))

    def healed(self, ask: Callable[[], T]) -> T:
        """`ask` of the index; when it met damaged rows (their runs forgotten by then, in one note) or a damaged
        index (made again, empty: `RebuiltIndex`, a `DamagedRows`), the index is synced, so those runs are read
        again from their traces, and asked once more."""
        try:
            return ask()
        except DamagedRows:
            self.refresh()
            return ask()


def open_catalogue(request: CatalogueRequest, env: Environment) -> Catalogue:
    """The directory's index, synced (notes warned through `env.warn`; progress on a terminal through
    `env.progress`). Raises UsageError for a directory that is not one, TraceError for one that cannot be listed."""
    resolved = load_settings(env.environ, env.cwd, config_path=request.config_path)
    for message in resolved.warnings:
        env.warn(message)
    if request.directory is not None and remote.is_url(request.directory):
        return _opened(request.directory, request, resolved, env)
    directory = Path(request.directory) if request.directory is not None else resolved.output_dir()
    if is_directory(directory):
        _listable(directory)
    elif request.directory is not None or not resolved.settings.run_index_url:  # a team's index lists without one
        where = display_path(directory, env.cwd)
        hint = ("record one with `namel3ss-debug trace app.py`, or name a directory of traces"
                if request.directory is None else "name a directory of traces (a run's file opens with `analyze`)")
        raise UsageError(f"no directory {where} to list the runs of", hint=hint)
    return _opened(directory, request, resolved, env)


def _opened(directory: Path | str, request: CatalogueRequest, resolved: ResolvedSettings,
            env: Environment) -> Catalogue:
    reading = run_reading(resolved, env, cache=request.cache, jobs=request.jobs)
    index = index_of(directory, resolved, env, key=reading.key, strict=request.strict)
    try:
        return Catalogue(directory, index, synced(index, reading, env), reading, env)
    except BaseException:  # a directory that cannot be listed, an index that cannot be written, Ctrl-C
        index.close()
        raise


def index_run(directory: Path, key: str, resolved: ResolvedSettings, env: Environment) -> SyncResult:
    """Index one finished run of `directory` (`key`: the run id its segments are named by, or its file's name) in
    the index the settings name, and nothing else: what a run's end calls (a CI runner's run in the team's index
    as it ends). Written by upsert, so two processes indexing runs at once, or the same run, lose nothing. Raises
    UsageError when `directory` holds no such run; a run that cannot be read is a note of the result."""
    files = scan(directory).get(key)
    if not files:
        raise UsageError(f"no run {key} in {directory} to index", hint="name a run the directory holds")
    reading = run_reading(resolved, env, cache=False)
    index = index_of(directory, resolved, env, key=reading.key)
    try:
        return index.apply(SyncPlan(new=[key], files={key: files}), reading)
    finally:
        index.close()


def index_of(directory: Path | str, resolved: ResolvedSettings, env: Environment, *, key: str,
             strict: bool = False) -> RunIndex:
    """The index the settings name for `directory`'s runs: PostgreSQL's at `run_index_url` (`shared.py`), else
    SQLite's file beside the traces."""
    url = resolved.settings.run_index_url
    if not url:
        return RunIndex(directory, key=key, strict=strict)
    from .shared import SharedRunIndex  # noqa: PLC0415 - psycopg loads only for an index in PostgreSQL

    return SharedRunIndex(directory, key=key, url=url, environ=env.environ, strict=strict,
                          bound_s=resolved.settings.run_index_timeout_seconds)


def _listable(directory: Path) -> None:
    """A directory that cannot be listed is a TraceError naming it, before its index is looked for (the index's
    name in it cannot be opened either, and the error would name that instead)."""
    try:
        with os.scandir(directory) as entries:
            next(entries, None)
    except OSError as error:
        raise unreadable(str(directory), error) from None


def synced(index: RunIndex, reading: RunReading, env: Environment) -> SyncResult:
    """The index brought up to date, the bytes read counted on the environment's bar, its notes warned (and,
    when strict, the runs it leaves out). A team's index with no trace directory here has nothing to sync."""
    if index.shared and isinstance(index.directory, Path) and not is_directory(index.directory):
        return SyncResult()  # a machine with no traces of its own lists the team's runs
    changes = index.changes()
    sources = [changes.source(index.directory, key) for key in (*changes.new, *changes.changed)]
    with env.progress(sources) as bar:
        result = index.apply(changes, reading.reading(bar))
    for note in result.notes:
        env.warn(note)
    if index.strict and (troubled := index.with_problems()):
        names = ", ".join(troubled[:3]) + (", ..." if len(troubled) > 3 else "")
        env.warn(f"{len(troubled)} run(s) left out (only whole runs are listed): their lines are torn, invalid or "
                 "out of sequence:"
                 f" {names} (`analyze RUN` says which)")
    return result
