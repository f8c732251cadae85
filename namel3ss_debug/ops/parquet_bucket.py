"""Where `export --to parquet URL` puts a run's objects in a store (`BucketDataset`): the layout and the names of a
local DIR (`parquet_dataset.py`), written through `store/remote_put.py`.

URL/runs, URL/spans and URL/events each hold a `day=YYYY-MM-DD/` folder per UTC day and in it one object per run,
`RUN.parquet`. Each file is one object, put whole with its MD5 and confirmed by the store's answer to that PUT
(`remote_put.put_answered`): a reader finds the old object or the new one, never half of one (a PUT replaces an
object at once, so no temporary and no rename). Exporting new runs adds their objects and leaves the others as they
are; exporting a run again puts its objects over its old ones, then removes its objects from days it no longer has
rows in. Those days, with each object's ETag, are known from one listing of each table's folder, made when the
export begins (paged: a request a thousand keys) and kept up to date by the export itself, not from a look-up per
day. An object is removed only while it is the one that listing found (S3's `If-Match`): one another export put
there since is kept. Only keys of our shape (`TABLE/day=YYYY-MM-DD/NAME`, NAME the exported run's file name) are
removed; nothing outside the three tables' folders is listed or touched.

Exports at once into one prefix (CI runners each sending their runs) never write each other's runs: a run's keys
are named by its run id alone. One run exported by two at once is put twice at the same keys, the last PUT of each
key standing: it is there once.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..interop.parquet.columns import TABLES
from ..model.errors import Namel3ssDebugError, TraceError
from ..store import remote_put
from .parquet_dataset import DAY_FOLDER, RUN_FILE

if TYPE_CHECKING:
    import pyarrow as pa


class NotWritten(Namel3ssDebugError):
    """A store that would not take the tables (access denied, no credentials, no answer, an object not as put): the
    export failed at run time, exit 1, as `--to otlp` with a receiver that is down; no trace is at fault."""


@contextmanager
def writing() -> Iterator[None]:
    """The store's failures as `NotWritten`; a bucket that does not exist stays a usage error (exit 2)."""
    try:
        yield
    except TraceError as error:  # the store's `failure`, said for a read: the same line, a writer's exit code
        raise NotWritten(error.message, where=error.where, hint=error.hint) from None


class BucketDataset:
    """The tables under a store's URL, with the day folders of each run's file each table held when it was opened,
    and the ETag of each of those objects."""

    def __init__(self, url: str, held: dict[str, dict[str, dict[str, str]]]) -> None:
        self.url = url.rstrip("/")
        self.held = held  # table -> file name -> day folder -> ETag: a run's days found without a walk of all

    @classmethod
    def open(cls, url: str) -> BucketDataset:
        """The tables under `url`, each table's folder listed once. Raises the store's `failure` (no such bucket:
        a UsageError) or `NotWritten` (access denied, no credentials, no answer)."""
        base = url.rstrip("/")
        with writing():
            return cls(base, {table: ours(remote_put.etags_under(f"{base}/{table}/")) for table in TABLES})

    def __enter__(self) -> BucketDataset:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def seen(self, name: str) -> dict[str, dict[str, str]]:
        """The run `name`'s objects as this export knows them, before it puts the run's own: table -> day folder ->
        ETag. `put` removes an object from a day the run has left only while it is still the one seen here."""
        return {table: dict(self.held.get(table, {}).get(name, {})) for table in TABLES}

    def put(self, table: str, name: str, days: dict[str, pa.Table], seen: dict[str, str]) -> None:
        """The run's objects of `table`, one per day of `days`, put over those it had; its objects `seen` in other
        days removed after (a day it has no rows in any more), each only while it is the object seen."""
        with writing():
            self._put(table, name, days, seen)

    def _put(self, table: str, name: str, days: dict[str, pa.Table], seen: dict[str, str]) -> None:
        held = self.held.setdefault(table, {}).setdefault(name, {})
        for day, data in days.items():
            held[f"day={day}"] = remote_put.put_answered(self.key_url(table, f"day={day}", name), parquet_bytes(data))
        for folder, etag in sorted(seen.items()):
            if folder.removeprefix("day=") not in days:
                remote_put.remove(self.key_url(table, folder, name), etag)
                held.pop(folder, None)

    def key_url(self, table: str, folder: str, name: str) -> str:
        return f"{self.url}/{table}/{folder}/{name}"


def ours(etags: dict[str, str]) -> dict[str, dict[str, str]]:
    """The keys of our shape, `day=YYYY-MM-DD/NAME.parquet`, as NAME -> its day folder -> its ETag; any other key
    is not ours, and is left out."""
    found: dict[str, dict[str, str]] = {}
    for key, etag in etags.items():
        folder, _, name = key.partition("/")
        if DAY_FOLDER.fullmatch(folder) and RUN_FILE.fullmatch(name):
            found.setdefault(name, {})[folder] = etag
    return found


def parquet_bytes(data: pa.Table) -> bytes:
    """`data` as a Parquet file's bytes, as `write_parquet` writes a local one (the same bytes)."""
    from ..interop.parquet.arrow import write_parquet  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

    out = io.BytesIO()
    write_parquet(data, out)
    return out.getvalue()
