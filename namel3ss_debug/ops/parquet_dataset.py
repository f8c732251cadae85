"""Where `export --to parquet DIR` puts a run's files, and which it replaces (`ParquetDataset`).

DIR/runs, DIR/spans and DIR/events each hold a folder per UTC day (`day=2026-11-22`, Hive's partition naming, which
DuckDB, Spark and ClickHouse read as a `day` column) and in it one file per run, named by its run id
(`RUN.parquet`; a run id that is not a plain file name is named by its hash, `run-HEX.parquet`). Exporting new
runs adds their files beside the others; exporting a run again replaces its own files, each written to a
temporary of ours and renamed over the old one (a reader sees the old file or the new, never half of one), then
removes its files in days it no longer has rows in. Nothing else is touched: the folders are opened without
following links (`model/fs.py`), only files of our shape named for that run are replaced or removed, and what
else DIR holds is left as it is.
"""

from __future__ import annotations

import os
import re
from functools import partial
from typing import TYPE_CHECKING

from ..model.digest import blake2b
from ..model.fs import Folder
from ..model.outputs import output_mode, output_temporaries

if TYPE_CHECKING:
    import pyarrow as pa

DAY_FOLDER = re.compile(r"day=\d{4}-\d{2}-\d{2}")
RUN_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.parquet")  # the only names ever replaced or removed


def file_name(run_id: str) -> str:
    """The run's file in each day folder: `RUN.parquet`, or `run-HEX.parquet` (16 hex digits of its hash) for a run
    id that is not a plain name (a `/`, a leading dot or dash, a space, over 200 characters)."""
    name = f"{run_id}.parquet"
    if RUN_FILE.fullmatch(name) and ".." not in run_id:
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

    def put(self, table: str, name: str, days: dict[str, pa.Table]) -> None:
        """The run's files of `table`, one per day of `days`, in place of those it had; its files in other days
        removed after (a day it has no rows in any more)."""
        from ..interop.parquet.arrow import write_parquet  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

        with self.folder.folder(table, make=True, private=False) as tables:
            for day, data in days.items():
                with tables.folder(f"day={day}", make=True, private=False) as folder:
                    folder.remove_abandoned(output_temporaries(name))
                    folder.replace(name, partial(write_parquet, data), output_mode())
            for stale in tables.names(DAY_FOLDER):
                if stale.removeprefix("day=") not in days:
                    _remove_from(tables, stale, name)


def _remove_from(tables: Folder, day: str, name: str) -> None:
    """The run's file in the folder `day`, removed if it is there and ours; a link or a file at the folder's name
    is not a folder of ours, and is left. Where the run has no file (nearly every day of a year of tables) one
    `stat` says so, and no folder is opened: opening each day's folder for each run cost 30 µs a day."""
    try:
        os.stat(f"{day}/{name}", dir_fd=tables.fd, follow_symlinks=False)
    except OSError:
        return
    try:
        with tables.folder(day, private=False) as folder:
            folder.remove(name, RUN_FILE)
    except OSError:
        pass
