"""The few words of SQL the run index says differently in SQLite (beside the traces) and in PostgreSQL (shared by a
team): everything else of a listing's statements (`sql.py`, `page.py`) is written once, with `?` for each value.

What differs: how a JSON list or object column is read as rows (`json_each` / `jsonb_array_elements_text`), a
start time as a Julian day (SQLite's `julianday(started)`; PostgreSQL keeps it in a column of its own, worked out
when the row is written, since casting a stranger's text to a time would fail the query), the scalar `min`/`max`,
a cast to a whole number that truncates (PostgreSQL's rounds), the "no limit" of `LIMIT ?`, and `--grep`.

`--grep` is the same test everywhere: the lower-cased TEXT is a substring of the row's lower-cased `search`.
SQLite looks it up in its FTS5 trigram table when it has one (`sql.py`), else `instr`; PostgreSQL asks
`search LIKE '%TEXT%'` with TEXT's `%`, `_` and `\\` escaped, which its trigram index (pg_trgm) answers when the
server has it, and a scan when not: the same rows either way.
"""

from __future__ import annotations

from dataclasses import dataclass

TRIGRAM = 3  # the shortest text SQLite's trigram tokenizer looks up


@dataclass(frozen=True)
class Dialect:
    name: str
    elements: str  # a JSON list column's values as rows named `value` (`{}`: the column)
    pairs: str  # a JSON object column's entries as rows named `key`, `value`
    julian: str  # a run's start as a Julian day (NULL when it is no time)
    least: str  # the scalar minimum and maximum of two values
    greatest: str
    whole: str  # a number cut to a whole number toward zero (`{}`: the number)
    everything: int | None  # the value of `LIMIT ?` that sets no limit

    def grep(self, text: str, searchable: bool) -> tuple[str, str]:
        """The term finding `text` (lower case) in a row's `search`, and its value."""
        if self.name == "postgresql":
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return "search LIKE ? ESCAPE '\\'", f"%{escaped}%"
        if searchable and len(text) >= TRIGRAM and "\x00" not in text:  # FTS5 reads a NUL as the query's end
            return ("runs.rowid IN (SELECT rowid FROM runs_text WHERE runs_text MATCH ?)",
                    '"' + text.replace('"', '""') + '"')
        return "instr(search, ?) > 0", text


SQLITE = Dialect("sqlite", elements="json_each({})", pairs="json_each({})", julian="julianday(started)",
                 least="min", greatest="max", whole="CAST({} AS INTEGER)", everything=-1)
POSTGRESQL = Dialect("postgresql", elements="jsonb_array_elements_text({}) AS listed(value)",
                     pairs="jsonb_each_text({}) AS listed(key, value)", julian="started_day",
                     least="LEAST", greatest="GREATEST", whole="CAST(trunc({}) AS INTEGER)", everything=None)
