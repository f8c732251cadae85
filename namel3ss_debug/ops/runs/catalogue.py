"""The use case `runs` and `view DIR` share: a directory's index, opened and brought up to date
(CONTRACT: helper H1 writes the bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..environment import Environment
from .index import RunIndex, SyncResult


@dataclass(frozen=True)
class CatalogueRequest:
    directory: str | None = None  # None: trace_output_dir
    config_path: Path | None = None
    strict: bool = False
    cache: bool = False  # unused by the index itself: reading a run writes no offset sidecar when False


@dataclass
class Catalogue:
    directory: Path
    index: RunIndex
    synced: SyncResult

    def refresh(self) -> SyncResult:
        """Sync again (`view --follow` each poll): runs written since appear."""
        raise NotImplementedError


def open_catalogue(request: CatalogueRequest, env: Environment) -> Catalogue:
    """The directory's index, synced (notes warned through `env.warn`; progress on a terminal through
    `env.progress`). Raises UsageError for a directory that is not one, TraceError for one that cannot be read."""
    raise NotImplementedError
