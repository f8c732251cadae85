"""Where `export --to parquet URL` puts a run's objects in a store (`BucketDataset`): the layout and the names of a
local DIR (`parquet_dataset.py`), written through `store/remote_put.py`.

URL/runs, URL/spans and URL/events each hold a `day=YYYY-MM-DD/` folder per UTC day and in it one object per run,
`RUN.parquet`. Each file is one object, put whole and then confirmed (its size, and its MD5 where the store's ETag
is one): a reader finds the old object or the new one, never half of one (a PUT replaces an object at once, so no
temporary and no rename). Exporting new runs adds their objects and leaves the others as they are; exporting a run
again puts its objects over its old ones, then removes its objects from days it no longer has rows in. Those days
are known from one listing of each table's folder, made when the export begins (paged: a request a thousand keys)
and kept up to date by the export itself, not from a look-up per day. Only keys of our shape
(`TABLE/day=YYYY-MM-DD/NAME`, NAME the exported run's file name) are removed; nothing outside the three tables'
folders is listed or touched.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..model.errors import Namel3ssDebugError, TraceError
from ..store import remote, remote_put
from .parquet_dataset import DAY_FOLDER, RUN_FILE

if TYPE_CHECKING:
    import pyarrow as pa

TABLES = ("runs", "spans", "events")


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
    """The tables under a store's URL, with the day folders of each run's file each table held when it was opened."""

    def __init__(self, url: str, held: dict[str, dict[str, set[str]]]) -> None:
        self.url = url.rstrip("/")
        self.held = held  # table -> file name -> its day folders: a run's days found without a walk of all

    @classmethod
    def open(cls, url: str) -> BucketDataset:
        """The tables under `url`, each table's folder listed once. Raises the store's `failure` (no such bucket:
        a UsageError) or `NotWritten` (access denied, no credentials, no answer)."""
        base = url.rstrip("/")
        with writing():
            return cls(base, {table: ours(remote.keys_under(f"{base}/{table}/")) for table in TABLES})

    def __enter__(self) -> BucketDataset:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def put(self, table: str, name: str, days: dict[str, pa.Table]) -> None:
        """The run's objects of `table`, one per day of `days`, put over those it had; its objects in other days
        removed after (a day it has no rows in any more)."""
        with writing():
            self._put(table, name, days)

    def _put(self, table: str, name: str, days: dict[str, pa.Table]) -> None:
        held = self.held.setdefault(table, {}).setdefault(name, set())
        for day, data in days.items():
            remote_put.put_confirmed(self.key_url(table, f"day={day}", name), parquet_bytes(data), timeout=None)
            held.add(f"day={day}")
        for folder in sorted(held):
            if folder.removeprefix("day=") not in days:
                remote_put.remove(self.key_url(table, folder, name))
                held.discard(folder)

    def key_url(self, table: str, folder: str, name: str) -> str:
        return f"{self.url}/{table}/{folder}/{name}"


def ours(keys: list[str]) -> dict[str, set[str]]:
    """The keys of our shape, `day=YYYY-MM-DD/NAME.parquet`, as NAME -> its day folders; any other key is not
    ours, and is left out."""
    found: dict[str, set[str]] = {}
    for key in keys:
        folder, _, name = key.partition("/")
        if DAY_FOLDER.fullmatch(folder) and RUN_FILE.fullmatch(name):
            found.setdefault(name, set()).add(folder)
    return found


def parquet_bytes(data: pa.Table) -> bytes:
    """`data` as a Parquet file's bytes, as `write_parquet` writes a local one (the same bytes)."""
    from ..interop.parquet.arrow import write_parquet  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

    out = io.BytesIO()
    write_parquet(data, out)
    return out.getvalue()
