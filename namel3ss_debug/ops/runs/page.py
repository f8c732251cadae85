"""What the list page of `view DIR` shows besides its rows, asked of the run index's columns in SQL, so that a
page of 500 rows costs the same at 10,000 runs as at 100: how many runs the filters select, what the filters offer
(`facets`), which of the rows' parents the index holds, and the chart over time as aggregates.

The chart (`Chart`) is what the page draws, reduced on this side: each run is a dot at its start time in three
bands (its cost, its duration, its errors), and a band is `LEVELS` dots high and the time axis `BINS` wide, so the
page can tell apart no more than BINS x (LEVELS + 1) places. Each band's points are the distinct (bin, level)
places of the runs whose figure is known, level 0 the band's floor and LEVELS its largest figure (`most`): the same
picture as a dot per run, at most 600 x 41 numbers whatever the number of runs. A run with no start time (or none
SQLite reads as a date) or no figure is not drawn; `unknown` counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .dialect import Dialect
from .query import RunFilter
from .sql import listed_sql

BINS = 600  # places along the time axis
LEVELS = 40  # places up a band, above its floor
HOUR_DAYS = 1 / 24  # a chart of runs that all started at one instant spans an hour either side of it
_JULIAN_EPOCH = 2440587.5  # julianday('1970-01-01')
_DAY_MS = 86_400_000
BANDS = (("cost", "cost_usd"), ("duration", "duration_ms"), ("errors", "errors"))  # label, column
FACETS = (  # the filter, and the statement listing what the runs hold of it (`{where}`: the clean runs' condition;
    # `{elements}` and `{pairs}`: a JSON column's values, as the index's dialect reads them)
    ("status", "SELECT DISTINCT status FROM runs{where}"),
    ("health", "SELECT DISTINCT health FROM runs{where}"),
    ("model", "SELECT DISTINCT value FROM runs, {elements_models}{where}"),
    ("finding", "SELECT DISTINCT key FROM runs, {pairs_findings}{where}"),
    ("tag", "SELECT DISTINCT value FROM runs, {elements_tags}{where}"),
)
_CHUNK = 500  # run ids asked of at once (SQLite binds at most 999 values in one statement)


class IndexColumns(Protocol):
    """The index as this module asks of it (`RunIndex`): its columns read, and whether it lists only the runs read
    clean (`strict`), has its full-text table (`searchable`), and how its database says what differs (`dialect`)."""

    strict: bool
    searchable: bool
    dialect: Dialect

    def read(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True)
class Band:
    label: str
    most: float  # its largest figure (0 when none is known)
    unknown: int  # runs not drawn: no figure, or no start time
    points: list[int]  # bin, level, bin, level, ...: the distinct places of its runs' dots


@dataclass(frozen=True)
class Chart:
    t0_ms: float  # the time axis, epoch milliseconds (UTC)
    t1_ms: float
    bins: int
    levels: int
    bands: list[Band]


def matched(index: IndexColumns, where: RunFilter) -> int:
    """How many runs `where` selects."""
    text, params = listed_sql(where, clean=index.strict, searchable=index.searchable, dialect=index.dialect)
    return int(index.read(f"SELECT count(*) FROM runs{text}", params)[0][0])


def facets(index: IndexColumns) -> dict[str, list[str]]:
    """What the page's filters offer: each status, health verdict, model, finding kind and tag some run has."""
    where = " WHERE problems = 0" if index.strict else ""
    sets = {"elements_models": index.dialect.elements.format("runs.models"),
            "elements_tags": index.dialect.elements.format("runs.tags"),
            "pairs_findings": index.dialect.pairs.format("runs.finding_kinds")}
    return {name: sorted(value for (value,) in index.read(text.format(where=where, **sets))
                         if isinstance(value, str))
            for name, text in FACETS}


def listed(index: IndexColumns, run_ids: Sequence[str]) -> frozenset[str]:
    """Those of `run_ids` the index holds (a parent not among them gets no link)."""
    wanted = sorted(set(run_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        text = f"SELECT DISTINCT run_id FROM runs WHERE run_id IN ({', '.join('?' * len(chunk))})"
        found.update(run_id for (run_id,) in index.read(text + (" AND problems = 0" if index.strict else ""), chunk))
    return frozenset(found)


def chart(index: IndexColumns, where: RunFilter, total: int) -> Chart | None:
    """The chart of the `total` runs `where` selects (`matched`); None when none has a start time."""
    dialect = index.dialect
    text, params = listed_sql(where, clean=index.strict, searchable=index.searchable, dialect=dialect)
    columns = ", ".join(column for _, column in BANDS)
    dated = f"SELECT {dialect.julian} AS at, {columns} FROM runs{text}"
    figures = ", ".join(f"max({column}), count({column})" for _, column in BANDS)
    [(count, first, last, *known)] = index.read(
        f"SELECT count(*), min(at), max(at), {figures} FROM ({dated}) AS dated WHERE at IS NOT NULL", params)
    if not count:
        return None
    if first == last:
        first, last = first - HOUR_DAYS, last + HOUR_DAYS
    bands = []
    for (label, column), most, drawn in zip(BANDS, known[::2], known[1::2]):
        most = max(0.0, float(most or 0))
        bin_of = dialect.whole.format("(at - ?) * ? / ?")
        place = (f"SELECT DISTINCT {dialect.least}(?, {bin_of}), {dialect.greatest}(0, {dialect.least}(?,"
                 f" CAST(round({column} * ? / ?) AS INTEGER))) FROM ({dated}) AS dated"
                 f" WHERE at IS NOT NULL AND {column} IS NOT NULL")
        found = index.read(place, [BINS - 1, first, BINS, last - first, LEVELS, LEVELS, most or 1.0, *params])
        points = [number for pair in sorted(found) for number in pair]
        bands.append(Band(label, most, total - int(drawn), points))
    return Chart(_ms(first), _ms(last), BINS, LEVELS, bands)


def _ms(julian: float) -> float:
    return round((julian - _JULIAN_EPOCH) * _DAY_MS, 3)
