"""A run's events as rows of the spans and events tables (pure: event dicts in, rows out, each with its UTC day).

The spans are the OTLP export's (`otel/spans.SpanConverter`: one per start/end pair, the tracer's start-up folded
into the run's span); a row takes its figures from the span's `namel3ss.` attributes, which are the events' own
fields, and reads nothing twice. Tokens and cost are kept on LLM spans only, as `analyze` counts them (an agent or
a chain may record its calls' usage again as a total, which a SUM would count twice). The events are made `lean`
first: inputs, outputs, attrs and stacks are not in the tables, and the span builder never copies them. An
error's message, the one free text kept, is redacted again (credential shapes, `password=...` pairs), as the run
index redacts its texts: a trace written with redaction off does not hand its keys on to a shared table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Optional

from ...model.error_category import categorize
from ...model.events import is_end, kind
from ...model.text_keys import text_key
from ...otel.spans import PREFIX, SpanConverter, SpanRecord, time_ns
from ...redaction.redact import Redactor
from ...store.records import MAX_AMOUNT, MAX_COUNT

Row = dict[str, Any]
Dated = tuple[str, Row]  # (day as YYYY-MM-DD, row)
EPOCH_DAY = date(1970, 1, 1)
_DAY_NS = 86_400 * 1_000_000_000
_KEPT = ("v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id", "parent_id", "status",
         "duration_ms", "usage", "model", "cost_usd", "thread")
_ERROR_KEPT = ("type", "message", "category")


def lean(event: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `event` the tables read: no inputs, outputs, attrs or stack (kept in the trace, read by
    `inspect` and `replay` from a row's run id and seq)."""
    kept = {key: event[key] for key in _KEPT if key in event}
    error = event.get("error")
    if isinstance(error, Mapping):
        kept["error"] = {key: error[key] for key in _ERROR_KEPT if key in error}
    elif error is not None:
        kept["error"] = error
    return kept


def day_of(ns: int) -> str:
    """The UTC day of a moment in ns since the epoch, as a partition names it (`2026-11-22`)."""
    return (EPOCH_DAY + timedelta(days=ns // _DAY_NS)).isoformat()


class SpanRows:
    """Feeds on a run's lean events in file order (priced as `analyze` prices them); hands back each span's row
    when the span ends, then, from `finish`, the spans never closed.

    >>> rows = SpanRows()
    >>> dated = [row for event in events for row in rows.feed(event)] + rows.finish()
    """

    def __init__(self) -> None:
        self._converter = SpanConverter()
        self._agents: dict[str, Optional[str]] = {}  # each open span's agent, by its span id
        self._redactor = Redactor()  # an error's message is free text: a trace written unredacted may hold a key

    def feed(self, event: Mapping[str, Any]) -> list[Dated]:
        key = text_key(event.get("span_id"))
        if event.get("status") == "started":
            self._agents[key] = self._agent(event)
        ends = is_end(str(event.get("event_type") or ""))
        rows = [self._row(span, event if ends else None) for span in self._converter.feed(event)
                if not span.attributes.get(PREFIX + "instant")]
        if ends:
            self._agents.pop(key, None)
        return rows

    def finish(self) -> list[Dated]:
        rows = [self._row(span, None) for span in self._converter.finish()
                if not span.attributes.get(PREFIX + "instant")]
        self._agents.clear()
        return rows

    def _agent(self, start: Mapping[str, Any]) -> Optional[str]:
        """The name of the nearest span of component `agent` at or above this one (the report's agent column,
        `analysis/span_table.py`), from the spans open around it."""
        if start.get("component") == "agent":
            return text_key(start.get("name"))
        return self._agents.get(text_key(start.get("parent_id")))

    def _row(self, span: SpanRecord, end: Optional[Mapping[str, Any]]) -> Dated:
        found = span.attributes
        key = text_key(found.get(PREFIX + "span_id"))
        agent = self._agents[key] if key in self._agents else self._agent(
            {"component": found.get(PREFIX + "component"), "name": found.get(PREFIX + "name"),
             "parent_id": found.get(PREFIX + "parent_id")})
        unclosed = bool(found.get(PREFIX + "unclosed"))
        start_ns = found.get(PREFIX + "start_ns", span.start_ns)  # the run's span: its start, before the start-up
        status = "unclosed" if unclosed else text_key(found.get(PREFIX + "status"))
        llm = found.get(PREFIX + "component") == "llm"
        row: Row = {
            "run_id": self._converter.run_id or "", "span_id": key, "parent_id": _text(found.get(PREFIX + "parent_id")),
            "component": text_key(found.get(PREFIX + "component")), "name": text_key(found.get(PREFIX + "name")),
            "kind": kind(text_key(found.get(PREFIX + "event_type"))), "agent": agent,
            "start_ts": start_ns // 1000, "end_ts": span.end_ns // 1000,
            "duration_ms": None if unclosed else amount(found.get(PREFIX + "duration_ms")), "status": status,
            **error_fields(end.get("error") if end is not None else None, status == "failed", message=True),
            "model": _text(found.get(PREFIX + "model")),
            **_usage(found, llm), "cost_usd": amount(found.get(PREFIX + "cost_usd")) if llm else None,
        }
        if row["error_message"] is not None:
            row["error_message"] = self._redactor.redact_text(row["error_message"], pairs=True)
        return day_of(start_ns), row


class EventRows:
    """A run's events as rows of the events table, each on the day of its `ts` (an event whose `ts` cannot be
    read: the day of the last one read before it, else `first_day`, the run's)."""

    def __init__(self, first_day: str) -> None:
        self._day = first_day

    def row(self, event: Mapping[str, Any]) -> Dated:
        moment = time_ns(event.get("ts"))
        if moment is not None:
            self._day = day_of(moment)
        status = text_key(event.get("status"))
        return self._day, {
            "run_id": text_key(event.get("run_id")), "seq": event.get("seq"),
            "ts": moment // 1000 if moment is not None else None,
            "event_type": text_key(event.get("event_type")), "component": text_key(event.get("component")),
            "name": text_key(event.get("name")), "span_id": text_key(event.get("span_id")),
            "parent_id": _text(event.get("parent_id")), "status": status,
            **error_fields(event.get("error"), status == "failed", message=False),
            "thread": _text(event.get("thread")),
        }


def error_fields(error: Any, failed: bool, *, message: bool) -> Row:
    """`error_type`, `error_category` (recorded, else as `analyze` categorizes it; `unknown` for a failure that
    carries no error) and, with `message`, `error_message`."""
    kind_of = text = category = None
    if isinstance(error, Mapping):
        kind_of, text, category = _text(error.get("type")), _text(error.get("message")), _text(error.get("category"))
    elif error is not None:
        text = text_key(error)
    if category is None and (kind_of is not None or text is not None):
        category = categorize(kind_of or "Error", text or "")
    elif category is None and failed:
        category = "unknown"
    found: Row = {"error_type": kind_of, "error_category": category}
    if message:
        found["error_message"] = text
    return found


def _usage(found: Mapping[str, Any], llm: bool) -> Row:
    """An LLM span's tokens; the total as recorded, else input + output when either is (analyze's rule)."""
    if not llm:
        return {"input_tokens": None, "output_tokens": None, "total_tokens": None}
    tokens_in, tokens_out, total = (count(found.get(f"{PREFIX}usage.{key}_tokens"))
                                    for key in ("input", "output", "total"))
    if total is None and (tokens_in is not None or tokens_out is not None):
        total = (tokens_in or 0) + (tokens_out or 0)
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": total}


def count(value: Any) -> Optional[int]:
    """A count as the reader takes one (`store/records.Count`): an int from 0 to 2**53, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None


def amount(value: Any) -> Optional[float]:
    """Milliseconds or dollars as the reader takes them (`store/records.Milliseconds`, `Money`), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT:
        return float(value) if math.isfinite(value) else None
    return None


def _text(value: Any) -> Optional[str]:
    return None if value is None else text_key(value)
