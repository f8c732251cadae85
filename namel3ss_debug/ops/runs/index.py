"""The run index: one SQLite file beside the traces (`INDEX_NAME`), one row per run (CONTRACT: helper H1 writes
the bodies; the signatures are what `runs` and `view` call).

Never the source of truth: rebuilt from the traces when missing, of another format or key, or corrupt (with a
note); brought up to date by `sync`, which looks at the directory's files (name, size, mtime) and indexes again
only the runs whose files are new, grown, rotated or gone. Safe with two processes at once (WAL, a busy timeout,
each run's row and files written in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ...analysis.run_row import IndexedRun, OperationTimes, RunRow
from ...store.sources import RunSource
from .query import RunQuery

INDEX_NAME = ".namel3ss-runs.sqlite"


@dataclass(frozen=True)
class SyncResult:
    """What one `sync` did."""

    added: int = 0
    updated: int = 0  # grown, rotated, rewritten
    removed: int = 0
    unchanged: int = 0
    failed: int = 0  # runs that could not be read (each one in `notes`)
    notes: list[str] = field(default_factory=list)  # "index rebuilt: ...", "cannot read run R: ..."
    version: int = 0  # the index's version after the sync (goes up whenever a row changes)


class RunIndex:
    """The index of the runs in `directory`; `key` names everything a row depends on besides the run's files
    (package version, prices, price_overrides, diagnose thresholds): an index of another key is rebuilt.
    `path` None: INDEX_NAME in `directory`; a directory that cannot hold it keeps it in memory (a note says so)."""

    def __init__(self, directory: Path, *, key: str, path: Path | None = None) -> None:
        raise NotImplementedError

    @property
    def notes(self) -> list[str]:
        """What opening it found (rebuilt, kept in memory), one line each."""
        raise NotImplementedError

    @property
    def version(self) -> int:
        raise NotImplementedError

    def sync(self, index_run: Callable[[RunSource], IndexedRun],
             progress: Callable[[int, int], None] | None = None) -> SyncResult:
        """Index the runs whose files changed since the last sync; `index_run` reads one run (raising
        Namel3ssDebugError or OSError for one that cannot be read: noted, left out, tried again next sync);
        `progress(done, total)` after each run indexed."""
        raise NotImplementedError

    def select(self, query: RunQuery) -> list[RunRow]:
        raise NotImplementedError

    def get(self, run_id: str) -> RunRow | None:
        raise NotImplementedError

    def operations(self, run_ids: Sequence[str]) -> dict[str, list[OperationTimes]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
