"""Rows made Arrow tables and Parquet files, through pyarrow (the `parquet` extra, loaded by `require_pyarrow`).

A table's rows are gathered per day in plain lists and made a record batch every `BATCH_ROWS` rows, so a big run
is held as Arrow's compact columns, not as Python objects. A file is one table of one run on one day, zstd
compressed (DuckDB, Spark and ClickHouse read it), its key-value metadata naming the schema version and the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, BinaryIO

from ..._version import __version__
from ...model.errors import UsageError
from .columns import Column, columns, schema_version
from .rows import Row

if TYPE_CHECKING:
    import pyarrow as pa

INSTALL_HINT = "pip install 'namel3ss-debug[parquet]'"
BATCH_ROWS = 8_192
SCHEMA_KEY, TABLE_KEY, WRITER_KEY = b"namel3ss.schema", b"namel3ss.table", b"namel3ss.generated_by"


def require_pyarrow(what: str) -> None:
    """Raise a UsageError (exit 2) saying how to install the extra, if pyarrow is missing."""
    try:
        import pyarrow.parquet  # noqa: F401, PLC0415 - the optional extra
    except ImportError as missing:
        raise UsageError(f"{what} needs pyarrow ({missing.name or missing} is not installed)",
                         hint=f"install it with: {INSTALL_HINT}") from None


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of `table` as the package's schema names it, with the file metadata."""
    import pyarrow as pa  # noqa: PLC0415 - the optional extra, loaded only for --to parquet

    fields = [pa.field(column.name, _arrow_type(column, pa), nullable=column.nullable) for column in columns(table)]
    metadata = {SCHEMA_KEY: schema_version().encode(), TABLE_KEY: table.encode(),
                WRITER_KEY: f"namel3ss-debug {__version__}".encode()}
    return pa.schema(fields, metadata=metadata)


def _arrow_type(column: Column, pa: Any) -> Any:
    types = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(),
             "timestamp[us, tz=UTC]": pa.timestamp("us", tz="UTC"),
             "list<element: string>": pa.list_(pa.field("element", pa.string()))}  # Parquet's own list naming
    return types[column.arrow]


class TableBuilder:
    """One table's rows of one run, by day, as Arrow record batches."""

    def __init__(self, table: str) -> None:
        self.schema = arrow_schema(table)
        self._names = [column.name for column in columns(table)]
        self._open: dict[str, dict[str, list[Any]]] = {}  # day -> column -> values not yet in a batch
        self._batches: dict[str, list[pa.RecordBatch]] = {}
        self.rows = 0

    def add(self, day: str, row: Row) -> None:
        gathered = self._open.get(day)
        if gathered is None:
            gathered = self._open[day] = {name: [] for name in self._names}
        for name in self._names:
            gathered[name].append(row[name])
        self.rows += 1
        if len(gathered[self._names[0]]) >= BATCH_ROWS:
            self._batch(day)

    def tables(self) -> dict[str, pa.Table]:
        """Each day's table, days in order."""
        import pyarrow as pa  # noqa: PLC0415 - the optional extra, loaded only for --to parquet

        for day in list(self._open):
            self._batch(day)
        return {day: pa.Table.from_batches(self._batches[day], schema=self.schema) for day in sorted(self._batches)}

    def _batch(self, day: str) -> None:
        import pyarrow as pa  # noqa: PLC0415 - the optional extra, loaded only for --to parquet

        gathered = self._open.pop(day)
        arrays = [pa.array(gathered[field.name], type=field.type) for field in self.schema]
        self._batches.setdefault(day, []).append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))


def write_parquet(table: pa.Table, out: BinaryIO) -> None:
    """`table` as a Parquet file on `out` (zstd; statistics on, so an engine skips what a filter excludes)."""
    import pyarrow.parquet as pq  # noqa: PLC0415 - the optional extra, loaded only for --to parquet

    pq.write_table(table, out, compression="zstd")
