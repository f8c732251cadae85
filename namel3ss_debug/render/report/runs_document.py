"""The data document of the page of runs `view DIR` serves (`namel3ss-debug/runs-page/v2`; v1 held every row): a
page of the rows of a listing as the index holds them (`analysis/run_row.RunRow`, the figures `analyze` prints for
each run; the page computes none) from `offset` on, how many runs the filters select (`matched`) of the `total`,
what the filters offer, the chart of the runs selected (`ops/runs/page.Chart`, aggregates), and where the page
polls when following the directory.

Each row keeps its fields' names (those of `runs --format json`) but its files (the page names a run by its id
only: `/run/<id>`), and says whether its parent is listed (`parent_listed`: a link to it, and to the
comparison of the two, only then) and what its question cell shows (`input_shown`: the question, or `…` and the
question from where it parts from the others of the page when they run alike past what the cell shows, as
`runs` cuts it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

from ..._version import __version__
from ...analysis.run_row import RunRow
from ...ops.browse import BrowsePage
from ..runs.apart import ELLIPSIS, parted_start, shared_prefixes

SCHEMA = "namel3ss-debug/runs-page/v2"
_LEFT_OUT = ("files",)
# the question cell's width in characters: app.css gives `td.said` 18em, which holds about 34 of its font's. The
# browser cuts a longer question at its end; one whose part would be cut off is shown from where it parts
QUESTION_CELL = 34


def runs_document(listing: BrowsePage, *, directory: str, live: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document of the list page; `live` (view --follow) says where and how often to poll."""
    return {
        "schema": SCHEMA, "generated_by": f"namel3ss-debug {__version__}", "mode": "runs",
        "title": f"runs in {directory}", "directory": directory, "version": listing.version,
        "total": listing.total, "matched": listing.matched, "offset": listing.offset,
        "limit": listing.limit, "facets": listing.facets,
        "rows": [_row(row, listing.known, shared) for row, shared in zip(listing.rows, _shared(listing.rows))],
        "chart": dataclasses.asdict(listing.chart) if listing.chart is not None else None, "live": live,
    }


def _row(row: RunRow, known: frozenset[str], shared: int) -> dict[str, Any]:
    fields: dict[str, Any] = msgspec.to_builtins(row)
    for name in _LEFT_OUT:
        del fields[name]
    fields["parent_listed"] = row.parent is not None and row.parent in known
    fields["input_shown"] = _question_shown(row.input, shared)
    return fields


def _question_shown(question: str | None, shared: int) -> str | None:
    """The question whole, or `…` and its end from where it parts (the browser cuts what is still too long)."""
    start = parted_start(question, QUESTION_CELL, shared) if question else 0
    return ELLIPSIS + question[start:] if question and start else question


def _shared(rows: list[RunRow]) -> list[int]:
    """How far each row's question runs alike with another of the page's (`apart.shared_prefixes`)."""
    return shared_prefixes([row.input for row in rows])
