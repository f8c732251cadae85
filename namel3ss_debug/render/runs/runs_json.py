"""The JSON views of a `runs` listing, described by `schemas/runs-v1.schema.json`: one document (`--format json`)
or one run a line (`--format jsonl`). A row's keys are `RunRow`'s fields; figures are rounded as analyze's JSON
rounds them (ms to microseconds, costs to 8 significant digits); an unknown cost is null, never 0."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

from ..._version import __version__
from ...analysis.run_row import RunRow
from ...analysis.trend import Reason, Regression, Trend
from ...ops.runs.listing import RunsListing
from ..analyze.analyze_json import plain
from ..json_text import terminal_safe

SCHEMA = "namel3ss-debug/runs/v1"


def runs_document(listing: RunsListing) -> dict[str, Any]:
    document: dict[str, Any] = {"schema": SCHEMA, "generated_by": f"namel3ss-debug {__version__}",
                                "directory": str(listing.directory), "runs": [row_dict(row) for row in listing.rows],
                                "more": listing.more, "notes": list(listing.notes)}
    if listing.trend is not None:
        document["trend"] = trend_document(listing.trend)
    return document


def row_dict(row: RunRow) -> dict[str, Any]:
    """A row as JSON types, its two float figures rounded as analyze's JSON rounds them (msgspec's own
    conversion: `plain` over 10,000 rows took seconds)."""
    data: dict[str, Any] = msgspec.to_builtins(row)
    for key in ("duration_ms", "cost_usd"):
        data[key] = plain(data[key], key)
    return data


def trend_document(trend: Trend) -> dict[str, Any]:
    document = {name: plain(getattr(trend, name), name) for name in ("runs", "first", "last", "operations", "days",
                                                                      "errors", "tools", "rules")}
    document["regressions"] = [_regression(regression) for regression in trend.regressions]
    return document


def _regression(regression: Regression) -> dict[str, Any]:
    return {"run_id": regression.run_id, "previous": regression.previous,
            "crashed_between": regression.crashed_between, "entry": regression.entry, "started": regression.started,
            "reasons": [_reason(reason) for reason in regression.reasons]}


def _reason(reason: Reason) -> dict[str, Any]:
    """Figures rounded by what they measure (`cost` as a cost, `duration` in ms), the change by its unit."""
    key = {"cost": "cost_usd", "duration": "duration_ms"}.get(reason.metric, reason.metric)
    change_key = key if reason.unit != "%" else "percent"
    return {"metric": reason.metric, "before": plain(reason.before, key), "after": plain(reason.after, key),
            "change": plain(reason.change, change_key), "unit": reason.unit or None, "rule": reason.rule}


def render_runs_json(listing: RunsListing) -> bytes:
    """The document, indented by 2, no final newline (the caller writes one)."""
    return terminal_safe(orjson.dumps(runs_document(listing), option=orjson.OPT_INDENT_2))


def render_runs_jsonl(listing: RunsListing) -> bytes:
    """One run a line, each a row as in the document; nothing for no run."""
    return b"".join(terminal_safe(orjson.dumps(row_dict(row))) + b"\n" for row in listing.rows)
