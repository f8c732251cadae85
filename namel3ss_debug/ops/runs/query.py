"""Which runs a listing asks for, and in what order: what `runs` options and the page's filters say."""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass

from ...model.choices import LINEAGES, SORTS
from ...model.errors import UsageError

__all__ = ["LINEAGES", "MAX_TERMS", "SORTS", "RunFilter", "RunQuery", "capped"]

# Values of one repeatable filter (tags, models, statuses, findings): each is a term of the query, and SQLite refuses
# an expression past 1,000 deep ("Expression tree is too large"); a hundred is more than a listing is asked for.
MAX_TERMS = 100


@dataclass(frozen=True)
class RunFilter:
    """Every condition must hold; an empty one holds for every run."""

    statuses: tuple[str, ...] = ()  # any of (analyze's run status)
    health: tuple[str, ...] = ()  # any of (healthy | degraded | failing)
    since: str | None = None  # ISO 8601 UTC: runs started at or after
    until: str | None = None  # ISO 8601 UTC: runs started before
    models: tuple[str, ...] = ()  # any of: runs that used one of these models
    # grep: a case-insensitive substring of the id, entry, tags, models, frameworks, tools, error types, finding kinds
    grep: str | None = None
    min_cost: float | None = None  # runs whose known cost is at least this (an unknown cost never matches)
    findings: tuple[tuple[str, str | None], ...] = ()  # any of: (kind, minimum severity or None)
    tags: tuple[str, ...] = ()  # all of
    entry: str | None = None  # exactly this entry
    lineage: str = "show"  # LINEAGES


@dataclass(frozen=True)
class RunQuery:
    where: RunFilter = RunFilter()
    sort: str = "started"  # SORTS
    descending: bool = True  # newest (largest) first
    limit: int | None = None  # None: all
    offset: int = 0  # rows of the order skipped before the first one given (a page after the first)


def capped(option: str, values: Sized) -> None:
    """A UsageError naming `option` when it is given more than MAX_TERMS values (`--tag`, or `tag=` of the page)."""
    if len(values) > MAX_TERMS:
        raise UsageError(f"{option} given {len(values)} times: at most {MAX_TERMS}",
                         hint="filter on fewer values, or list the runs in more than one go")
