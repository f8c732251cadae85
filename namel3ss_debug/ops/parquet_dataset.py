"""Where `export --to parquet DIR` puts a run's files, and which it replaces (`ParquetDataset`).

DIR/runs, DIR/spans and DIR/events each hold a folder per UTC day (`day=2026-11-22`, Hive's partition naming, which
DuckDB, Spark and ClickHouse read as a `day` column) and in it one file per run, named by its run id
(`RUN.parquet`; a run id that is not a plain file name, or is one of the hashed names' shape, is named by its
hash, `run-HEX.parquet`). Exporting new runs adds their files beside the others; exporting a run again replaces
its own files, each written to a temporary of ours and renamed over the old one (a reader sees the old file or the
new, never half of one), then removes its files in days it no longer has rows in, each only while it is the file
seen there before the run's writes began (`seen`): one another export renamed in since is kept. Nothing else is
touched: the folders are opened without following links (`model/fs.py`), only files of our shape named for that
run are replaced or removed, and what else DIR holds is left as it is.

Exports at once into one DIR (CI runners each writing their runs) never write each other's files: a run's files
are named by its run id alone, the folders are made by whoever comes first (`Folder.folder`), each temporary has a
name of its own, and a rename is atomic. One run exported by two at once is renamed into place twice, the last
rename of each file standing: it is there once.
"""

from __future__ import annotations

import os
import re
from functools import partial
from typing import TYPE_CHECKING

from ..interop.parquet.columns import TABLES
from ..model.digest import blake2b
from ..model.fs import Folder
from ..model.outputs import output_mode, output_temporaries

if TYPE_CHECKING:
    import pyarrow as pa


DAY_FOLDER = re.compile(r"day=\d{4}-\d{2}-\d{2}")
RUN_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.parquet")  # the only names ever replaced or removed
HASHED = re.compile(r"run-[0-9a-f]{16}\.parquet")  # a name made from a run id's hash, never a run id's own


def file_name(run_id: str) -> str:
    """The run's file in each day folder: `RUN.parquet`, or `run-HEX.parquet` (16 hex digits of its hash) for a run
    id that is not a plain name (a `/`, a leading dot or dash, a space, over 200 characters), or whose own name
    would be of that hashed shape: two exports at once of two runs must never choose one name."""
    name = f"{run_id}.parquet"
    if RUN_FILE.fullmatch(name) and ".." not in run_id and not HASHED.fullmatch(name):
        return name
    return f"run-{blake2b(run_id.encode('utf-8', 'surrogatepass'), digest_size=8).hexdigest()}.parquet"


class ParquetDataset:
    """DIR, opened once (the user named it: followed, made when missing)."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder

    @classmethod
    def open(cls, path: str) -> ParquetDataset:
        return cls(Folder.open(path, make=True, follow=True))

    def __enter__(self) -> ParquetDataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.folder.close()

    def seen(self, name: str) -> dict[str, dict[str, str]]:
        """The run `name`'s files now, before the run's own writes: table -> day folder -> what is there (device,
        inode and times: a file renamed in since is another). One listing a table and a `stat` a day folder."""
        found: dict[str, dict[str, str]] = {}
        for table in TABLES:
            try:
                with self.folder.folder(table, private=False) as tables:
                    found[table] = {day: held for day in tables.names(DAY_FOLDER)
                                    if (held := _identity(tables, f"{day}/{name}")) is not None}
            except OSError:  # no such table yet, or not a folder of ours: `put` says so, if it is to write there
                found[table] = {}
        return found

    def put(self, table: str, name: str, days: dict[str, pa.Table], seen: dict[str, str]) -> None:
        """The run's files of `table`, one per day of `days`, in place of those it had; its files `seen` in other
        days removed after (a day it has no rows in any more), each only while it is the file seen."""
        from ..interop.parquet.arrow import write_parquet  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

        with self.folder.folder(table, make=True, private=False) as tables:
            for day, data in days.items():
                with tables.folder(f"day={day}", make=True, private=False) as folder:
                    folder.remove_abandoned(output_temporaries(name))
                    folder.replace(name, partial(write_parquet, data), output_mode())
            for stale, held in seen.items():
                if stale.removeprefix("day=") not in days:
                    _remove_from(tables, stale, name, held)


def _identity(tables: Folder, path: str) -> str | None:
    """What is at `path` below `tables`, as one file differs from another put at its name since (a rename makes a
    new inode; the times tell a reused one); None when nothing is there. A link is not followed."""
    try:
        found = os.stat(path, dir_fd=tables.fd, follow_symlinks=False)
    except OSError:
        return None
    return f"{found.st_dev}:{found.st_ino}:{found.st_mtime_ns}:{found.st_ctime_ns}"


def _remove_from(tables: Folder, day: str, name: str, held: str) -> None:
    """The run's file in the folder `day`, removed if it is ours and still the file `held` says was there; a link
    or a file at the folder's name is not a folder of ours, and is left. Between the last look and the unlink (a
    `stat`, microseconds) a rename by another export is not seen: a file system has no conditional unlink."""
    if _identity(tables, f"{day}/{name}") != held:
        return
    try:
        with tables.folder(day, private=False) as folder:
            folder.remove(name, RUN_FILE)
    except OSError:
        pass
