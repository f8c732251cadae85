"""A finished run put in the team's run index as its end hands it on (`run_index_url`): what the sending's process
(`ops/trace/handoff.py`) does with each run it takes, after the run's upload is confirmed when it has one.

The row is read from the run's local files, still there (they go only once the run is indexed), as a sync reads
it (`indexing.RunReading`: `analyze`'s figures). Its location is the bucket's folder when the run was sent (its
files named and identified as the bucket holds them, by the versions the put confirmed, so that a sync of that
folder finds them unchanged and reads nothing), else its directory here (its files as `scan` finds them). A run
sent has its row at its directory forgotten, if a sync there made one before its end (its files kept or not): the
team's index lists it once, in the bucket (`SharedRunIndex.forget_copy`). One index
a location, opened once for all the runs one sending takes: a connection and the schema's check cost more than a
row.

    indexing = EndIndexing(resolved, env)
    note = indexing.index(directory, run_id, segments, objects)   # objects: the run's in the bucket, or None
    indexing.close()
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from ...analysis.run_row import IndexedRun
from ...config import ResolvedSettings
from ...model.errors import Namel3ssDebugError
from ...store import remote
from ...store.sources import RunSource
from ..environment import Environment
from .catalogue import index_of
from .index import RunIndex
from .indexing import RunReading, run_reading
from .scan import Identity, SyncPlan, SyncResult, Where, file_identity, object_identity


class EndIndexing:
    """Finished runs put in the index the settings name, each at its location; `close` when done."""

    def __init__(self, resolved: ResolvedSettings, env: Environment) -> None:
        self.resolved = resolved
        self.env = env
        self.reading = run_reading(resolved, env, cache=False)
        self._indexes: dict[str, RunIndex] = {}

    def index(self, directory: Path, run_id: str, segments: Sequence[str],
              objects: Sequence[remote.RemoteObject] | None) -> SyncResult:
        """Put the run `run_id` of `directory` (its `segments`, by name) in the index: at the folder of `objects`
        when the run was sent, else at `directory`. Raises the index's error (`IndexUnreachable`: the database
        cannot be reached); a run that cannot be read is the result's note (`failed`)."""
        where: Where
        if objects:
            where = remote.folder_url(objects[0].url)
            files = {found.name: object_identity(found) for found in objects}
        else:
            where = directory
            files = _local(directory, segments)
        index = self._index(where)
        result = index.apply(SyncPlan(new=[run_id], files={run_id: files}), _ReadHere(self.reading, directory))
        if objects and not result.failed:
            from .shared import SharedRunIndex  # noqa: PLC0415 - psycopg is loaded by then: the index is open

            if isinstance(index, SharedRunIndex):
                index.forget_copy(directory, run_id)
        return result

    def close(self) -> None:
        for index in self._indexes.values():
            index.close()
        self._indexes.clear()

    def _index(self, where: Where) -> RunIndex:
        opened = self._indexes.get(str(where))
        if opened is None:
            opened = self._indexes[str(where)] = index_of(where, self.resolved, self.env, key=self.reading.key)
        return opened


def _local(directory: Path, segments: Sequence[str]) -> dict[str, Identity]:
    """The segments still in `directory`, as `scan` identifies them."""
    found = {name: file_identity(directory / name) for name in segments}
    return {name: identity for name, identity in found.items() if identity is not None}


class _ReadHere:
    """A run's reading from its local files, wherever the index places it: the bucket holds the same bytes (the
    put checked their MD5), and a row keeps its files by name alone (`rows.stored`)."""

    def __init__(self, reading: RunReading, directory: Path) -> None:
        self.reading = reading
        self.directory = directory

    def each(self, sources: Sequence[RunSource]) -> Iterator[IndexedRun | Namel3ssDebugError | OSError]:
        return self.reading.each([self._here(source) for source in sources])

    def _here(self, source: RunSource) -> RunSource:
        files = tuple(str(self.directory / file.rpartition("/")[2]) for file in source.files)
        return replace(source, label=files[0] if len(files) == 1 else source.label, files=files)
