"""A `RunQuery` as SQL over the index's `runs` table: every value bound as a parameter, never written into the
text; lists (models, tags, finding kinds) are JSON columns, read as rows the way the index's database says it
(`dialect.py`: SQLite's `json_each`, PostgreSQL's `jsonb_array_elements_text`).

`grep` is a substring of a row's `search` text (`rows.search_text`), in any case: in SQLite looked up in the
full-text table `runs_text` (FTS5's trigram tokenizer) as one quoted phrase, so that FTS5's own syntax in it
(quotes, `*`, `-`, `NEAR`, parentheses) is text to find, not a query; a text the trigrams cannot look up (under 3
characters, or holding a NUL) and an index without the table are read with `instr` over every row, as the same
substring. PostgreSQL asks `LIKE` with the text's wildcards escaped (`Dialect.grep`).
"""

from __future__ import annotations

from typing import Any

from ...analysis.records.findings import SEVERITIES
from ...model.errors import UsageError
from .dialect import SQLITE, Dialect
from .query import LINEAGES, SORTS, RunFilter, RunQuery
from .rows import STORED

# Each sort's column; a run whose figure is unknown (NULL) comes last either way.
ORDER = {"started": "started", "duration": "duration_ms", "cost": "cost_usd", "tokens": "total_tokens",
         "calls": "llm_calls", "errors": "errors", "findings": "findings"}
assert set(ORDER) == set(SORTS)


def select_sql(query: RunQuery, *, clean: bool = False, searchable: bool = False,
               dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
    """The statement selecting the rows the query asks for (`rows.STORED`: each run's key and `row` blob), and its
    parameters; `clean`: only runs read without a problem (`--strict`); `searchable`: the index has its full-text
    table."""
    if query.sort not in ORDER:
        raise UsageError(f"cannot sort runs by {query.sort!r}", hint=f"use one of: {', '.join(SORTS)}")
    where, params = listed_sql(query.where, clean=clean, searchable=searchable, dialect=dialect)
    column, way = ORDER[query.sort], "DESC" if query.descending else "ASC"
    text = f"SELECT {STORED} FROM runs{where} ORDER BY {column} IS NULL, {column} {way}, started {way}, source {way}"
    if query.limit is not None or query.offset:
        text += " LIMIT ? OFFSET ?"
        params += [max(0, query.limit) if query.limit is not None else dialect.everything, max(0, query.offset)]
    return text, params


def listed_sql(where: RunFilter, *, clean: bool = False, searchable: bool = False,
               dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
    """`where_sql`, and with `clean` only the runs read without a problem (`--strict`)."""
    text, params = where_sql(where, searchable=searchable, dialect=dialect)
    if clean:
        text = f"{text} AND problems = 0" if text else " WHERE problems = 0"
    return text, params


def where_sql(where: RunFilter, *, searchable: bool = False, dialect: Dialect = SQLITE) -> tuple[str, list[Any]]:
    """` WHERE ...` (empty for a filter that holds for every run) and its parameters."""
    if where.lineage not in LINEAGES:
        raise UsageError(f"lineage {where.lineage!r} is not one of {', '.join(LINEAGES)}")
    terms: list[str] = []
    params: list[Any] = []

    def term(text: str, *values: Any) -> None:
        terms.append(text)
        params.extend(values)

    _any_of(term, "status", where.statuses)
    _any_of(term, "health", where.health)
    if where.since is not None:
        term("started >= ?", where.since)
    if where.until is not None:
        term("started < ?", where.until)
    if where.models:
        term(f"EXISTS (SELECT 1 FROM {dialect.elements.format('runs.models')} WHERE value IN"
             f" ({_marks(where.models)}))", *where.models)
    if where.grep:
        term(*dialect.grep(where.grep.lower(), searchable))
    if where.min_cost is not None:
        term("cost_usd IS NOT NULL AND cost_usd >= ?", where.min_cost)
    if where.findings:
        _findings(term, where.findings, dialect)
    for tag in where.tags:
        term(f"EXISTS (SELECT 1 FROM {dialect.elements.format('runs.tags')} WHERE value = ?)", tag)
    if where.entry is not None:
        term("entry = ?", where.entry)
    if where.lineage != "show":
        term("parent IS NULL" if where.lineage == "hide" else "parent IS NOT NULL")
    return (" WHERE " + " AND ".join(terms) if terms else ""), params


def _any_of(term: Any, column: str, values: tuple[str, ...]) -> None:
    if values:
        term(f"{column} IN ({_marks(values)})", *values)


def _findings(term: Any, wanted: tuple[tuple[str, str | None], ...], dialect: Dialect) -> None:
    """Any of the (kind, minimum severity) pairs: the run's worst severity of that kind at or above it."""
    alternatives, values = [], []
    for kind, least in wanted:
        if least is not None and least not in SEVERITIES:
            raise UsageError(f"finding severity {least!r} is not one of {', '.join(SEVERITIES)}")
        severities = SEVERITIES[SEVERITIES.index(least):] if least is not None else SEVERITIES
        alternatives.append(f"(key = ? AND value IN ({_marks(severities)}))")
        values.extend([kind, *severities])
    term(f"EXISTS (SELECT 1 FROM {dialect.pairs.format('runs.finding_kinds')} WHERE {' OR '.join(alternatives)})",
         *values)


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" * len(values))
