"""The Parquet tables' columns, read from the schema the package ships (`schemas/parquet-v1.schema.json`): one
source for the files written, the docs' column tables and the tests. Stdlib only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ...schemas import load_parquet_schema

TABLES = ("runs", "spans", "events")


@dataclass(frozen=True)
class Column:
    """One column: its name, its Arrow type as Arrow writes it (`x-parquet`: `string`, `int64`, `double`,
    `timestamp[us, tz=UTC]`, `list<element: string>`), and whether it may be null."""

    name: str
    arrow: str
    nullable: bool


@cache
def columns(table: str) -> tuple[Column, ...]:
    """The columns of `table` (one of TABLES), in the order of the files."""
    spec = load_parquet_schema()["$defs"][table]
    return tuple(Column(name, prop["x-parquet"], isinstance(prop["type"], list) and "null" in prop["type"])
                 for name, prop in spec["properties"].items())


@cache
def schema_version() -> str:
    """The version every file's key-value metadata names (`namel3ss.schema`)."""
    version: str = load_parquet_schema()["x-version"]
    return version
