"""Building the records commands answer with: frames, stops, listings and tables from the engine's timeline,
and the answers of the breakpoint commands both sessions have (replay's and the rerun's)."""

from __future__ import annotations


from ..analysis.fields import is_duration, parse_ts
from .breakpoints import Breakpoint, BreakpointTable
from .engine import ReplayEngine, Stop
from .expr import MISSING, Expr, evaluate
from .outputs import BreakpointInfo, Breakpoints, ListedEvent, Listing, Message, Output, Row, StopReport, Table
from ..recording.timeline import END, START, Timeline
from ..model.json_types import JsonObject, JsonValue


def frame(t: Timeline, index: int) -> ListedEvent:
    return ListedEvent(t.seq[index], t.depth[index], t.kind[index], t.event_type(index), t.component(index),
                       t.name(index), t.call[index], t.status(index), t.duration_ms(index))


def breakpoint_info(breakpoint: Breakpoint) -> BreakpointInfo:
    return BreakpointInfo(breakpoint.number, breakpoint.describe(), breakpoint.temporary, breakpoint.enabled,
                          breakpoint.ignore, breakpoint.hits)


def breakpoint_list(table: BreakpointTable) -> Breakpoints:
    return Breakpoints(tuple(breakpoint_info(b) for b in table.items.values()))


def set_breakpoint(table: BreakpointTable, spec: str, column: int, temporary: bool = False) -> Message:
    """`b SPEC`: the breakpoint set, by its number."""
    breakpoint = table.add(spec, temporary, column)
    kind = "Temporary breakpoint" if temporary else "Breakpoint"
    return Message(f"{kind} {breakpoint.number} at {breakpoint.describe()}")


def clear_breakpoints(table: BreakpointTable, numbers: list[int] | None) -> list[Output]:
    """`clear [N ...]`: these breakpoints deleted (all of them, or on a wrong number none), or every one."""
    if numbers is None:
        return [Message(f"Deleted {table.clear()} breakpoint(s)")]
    return [Message(f"Deleted breakpoint {breakpoint.number}") for breakpoint in table.delete(numbers)]


def stop_report(engine: ReplayEngine, stop: Stop, displays: list[Expr]) -> StopReport:
    """A stop with its place in the run, its enclosing spans, the breakpoints hit and the displays."""
    t = engine.timeline
    ancestry = tuple(frame(t, position) for position in t.enclosing(stop.index))
    hits = tuple(breakpoint_info(b) for number in stop.breakpoints
                 if (b := engine.breakpoints.items.get(number) or engine.breakpoints.retired.get(number)))
    shown = tuple((expr.text, *value_of(expr, stop)) for expr in displays)
    return StopReport(stop, frame(t, stop.index), len(t), elapsed_ms(t, stop.index), t.where(stop.index), ancestry,
                      hits, shown)


def elapsed_ms(t: Timeline, index: int) -> float | None:
    """Time from the run's start to this event, from their timestamps; None if either is unreadable.

    The run starts at its `run_start` event, as for analyze and inspect; without one, at the first event
    (see `Timeline.origin`).
    """
    origin = t.origin
    if origin is None:
        return None
    try:
        return (parse_ts(t.event(index).get("ts")) - origin).total_seconds() * 1000  # type: ignore[arg-type]
    except (TypeError, ValueError, AttributeError):
        return None


def listing(engine: ReplayEngine, first: int, last: int, cursor: bool = True) -> Listing:
    """Rows for positions `first`..`last` (clipped to the run), marking the cursor, breakpoints and mocks."""
    t = engine.timeline
    first, last = max(first, 0), min(last, len(t) - 1)
    marked = [b.target.match for b in engine.breakpoints.items.values() if b.enabled]
    rows = tuple(Row(frame(t, i), cursor and i == engine.index, any(match(i) for match in marked),
                     engine.mocks.key_at(i) is not None) for i in range(first, last + 1))
    return Listing(rows, first > 0, last < len(t) - 1)


def centred(size: int, middle: int, around: int) -> tuple[int, int]:
    """The first and last of `2 * around + 1` positions around `middle`, moved inside a run of `size`."""
    first = min(max(middle - around, 0), max(size - 2 * around - 1, 0))
    return first, min(first + 2 * around, size - 1)


def span_bounds(t: Timeline, index: int) -> tuple[int, int]:
    """The first and last position of the span around the event (at a call's start, the call's parent;
    the whole run at the top)."""
    chain = t.enclosing(index)
    if not chain:
        return 0, len(t) - 1
    start = chain[-1]
    end = t.partner(start)
    return start, end if end is not None else len(t) - 1


def value_of(expr: Expr | None, stop: Stop) -> tuple[JsonValue, bool]:
    """`(value, missing)` of an expression at a stop; no expression is the whole event."""
    if expr is None:
        return stop.view.event, False
    value = evaluate(expr, stop.view.resolve)
    return (None, True) if value is MISSING else (value, False)


def run_info(engine: ReplayEngine) -> Table:
    """The run: id, files, events, when it started and ended, how it was started, how it ended."""
    t = engine.timeline
    first, last = t.event(0), t.event(len(t) - 1)
    rows: list[tuple[JsonValue, ...]] = [("run", t.run_id or "-"), ("trace", t.label), ("events", len(t)),
                                   ("seq", f"{t.seq[0]}..{t.seq[len(t) - 1]}"), ("first", first.get("ts", "-")),
                                   ("last", last.get("ts", "-"))]
    start = t.run_start()
    if start is not None:
        given = start.get("attrs")
        attrs: JsonObject = given if isinstance(given, dict) else {}
        for key in ("entry", "argv", "cwd", "python"):
            if key in attrs:
                rows.append((key, attrs[key]))
    if last.get("event_type") == "run_end":
        took = last.get("duration_ms")
        rows.append(("ended", f"{last.get('status')}" + (f" after {took} ms" if is_duration(took) else "")))
    rows.append(("position", f"seq {t.seq[engine.index]} ({engine.index + 1} of {len(t)})"))
    return Table("run", ("field", "value"), tuple(rows))


def stats(engine: ReplayEngine) -> Table:
    """Per component: events, calls, failures and time in calls; and how far into the run the cursor is."""
    t = engine.timeline
    failed = t.statuses.find("failed")
    totals: dict[int, list[float]] = {}
    for index in range(len(t)):
        row = totals.setdefault(t.component_code[index], [0, 0, 0, 0.0, 0])
        row[0] += 1
        kind = t.kind[index]
        if kind != END:
            row[1] += 1
        if t.status_code[index] == failed and kind != START:
            row[2] += 1
        if kind == END and t.duration[index] == t.duration[index]:  # not NaN
            row[3] += t.duration[index]
        if index <= engine.index and kind != END:
            row[4] += 1
    rows = tuple((t.components.texts[code], int(e), int(c), int(f), round(ms, 3), int(seen))
                 for code, (e, c, f, ms, seen) in sorted(totals.items(), key=lambda item: -item[1][0]))
    return Table(f"stats at seq {t.seq[engine.index]} of {len(t)} events",
                 ("component", "events", "calls", "failed", "call_ms", "reached"), rows)
