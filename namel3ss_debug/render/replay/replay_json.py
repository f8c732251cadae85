"""Replay's answers as JSON Lines: one object a record, each with `schema` and `kind`.

`replay --format json` writes these to stdout (a stop, a printed value, a listing...); messages and
errors go to stderr as text, so stdout stays JSON a tool can read line by line.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Callable

from ...replay.outputs import Breakpoints, Help, ListedEvent, Listing, Mocks, Output, StopReport, Table, Value, Where
from ...recording.timeline import END, START
from .. import json_text

SCHEMA = "namel3ss-debug/replay/v1"
_KINDS = {START: "start", END: "end"}


def json_line(record: Output) -> bytes:
    """The record as one line of JSON (with a newline); control characters escaped."""
    return json_text.json_line({"schema": SCHEMA, **_DOCUMENTS[type(record)](record)})


def has_json(record: Output) -> bool:
    """Messages are for people: they go to stderr as text; every other record is a JSON line."""
    return type(record) in _DOCUMENTS


def stop_document(report: StopReport) -> dict[str, Any]:
    stop = report.stop
    return {"kind": "stop", "reason": stop.reason, "seq": stop.seq, "position": stop.index, "total": report.total,
            "at_ms": report.elapsed_ms, "where": report.where, "call": report.current.label,
            "breakpoints": [asdict(b) for b in report.hits], "mocked": stop.view.mock,
            "diverged_after": stop.diverged_after, "at_end": stop.at_end,
            "ancestry": [_frame(f) for f in report.ancestry], "event": stop.view.event,
            "call_end": stop.view.partner if stop.view.event.get("status") == "started" else None,
            "displays": [{"expression": text, "value": None if missing else value, "missing": missing}
                         for text, value, missing in report.displays]}


def _frame(frame: ListedEvent) -> dict[str, Any]:
    return {"seq": frame.seq, "depth": frame.depth, "edge": _KINDS.get(frame.kind, "instant"),
            "event_type": frame.event_type, "call": frame.label, "status": frame.status,
            "duration_ms": frame.duration_ms}


def _where(where: Where) -> dict[str, Any]:
    return {"kind": "where", "frames": [_frame(f) for f in where.frames]}


def _listing(listing: Listing) -> dict[str, Any]:
    rows = [{**_frame(row.frame), "current": row.current, "breakpoint": row.breakpoint, "mocked": row.mocked}
            for row in listing.rows]
    return {"kind": "list", "rows": rows, "more_before": listing.more_before, "more_after": listing.more_after}


def _value(value: Value) -> dict[str, Any]:
    return {"kind": "value", "expression": value.expression, "missing": value.missing,
            "value": None if value.missing else value.value}


def _breakpoints(breakpoints: Breakpoints) -> dict[str, Any]:
    return {"kind": "breakpoints", "items": [asdict(b) for b in breakpoints.items]}


def _mocks(mocks: Mocks) -> dict[str, Any]:
    return {"kind": "mocks", "items": [asdict(m) for m in mocks.items]}


def _table(table: Table) -> dict[str, Any]:
    return {"kind": "table", "title": table.title,
            "rows": [dict(zip(table.columns, row)) for row in table.rows]}


def _help(help_: Help) -> dict[str, Any]:
    return {"kind": "help", "commands": [asdict(command) for command in help_.commands]}


# Each maker takes the records of the type it is filed under, which a dict's value type cannot say.
_DOCUMENTS: dict[type, Callable[[Any], dict[str, Any]]] = {
    StopReport: stop_document, Where: _where, Listing: _listing, Value: _value,
    Breakpoints: _breakpoints, Mocks: _mocks, Table: _table, Help: _help,
}
