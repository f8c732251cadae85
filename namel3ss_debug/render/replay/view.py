"""Replay's answers as text for people: a stop on one screen, `where`, `list`, values, tables, help.

Everything from the trace goes through `one_line`/`plain` into `Text`, never into markup, so a prompt
holding `[bold]` or `\\x1b[2J` is shown as those characters.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from ...analysis.fields import is_duration
from ...replay.outputs import (
    Breakpoints, Command, Help, ListedEvent, Listing, Message, Mocks, Output, Row, StopReport, Table, Value, Where,
)
from ...recording.timeline import END, INSTANT, START
from ..event_text import duration, error_summary, offset, one_line, status_text
from ..json_text import compact_json, pretty_json
from ..text import visible

FIELD_WIDTH = 160  # characters of a field shown on a stop's screen; `pp FIELD` shows all of it
_REASONS = {"start": "start of the run", "step": "step", "next": "next", "finish": "finish", "until": "until",
            "continue": "continue", "goto": "goto", "back": "back", "end": "end of the run"}


def render(record: Output) -> RenderableType:
    """The text view of any record a replay command returns."""
    view = _VIEWS.get(type(record))
    if view is None:
        raise TypeError(f"no view for {type(record).__name__}")
    return view(record)


def stop_view(report: StopReport) -> RenderableType:
    stop = report.stop
    parts: list[RenderableType] = [_headline(report), _position(report)]
    if report.ancestry:
        parts.append(_ancestry(report.ancestry))
    parts.append(_event_line(stop.view.event, report))
    parts.extend(_fields(stop.view.event, stop.view.partner, report))
    if stop.mocked:
        parts.append(Text(f"  mocked: {one_line(stop.view.mock)} replaces the recorded result", style="magenta"))
    if stop.diverged_after is not None:
        parts.append(Text(f"  recorded before the mock at seq {stop.diverged_after}: this may have diverged",
                          style="magenta"))
    for expression, value, missing in report.displays:
        shown = Text("no such field here", style="yellow") if missing else Text(one_line(compact_json(value),
                                                                                        FIELD_WIDTH))
        parts.append(Text.assemble(("  display ", "dim"), one_line(expression, 60), ": ", shown))
    return Group(*parts)


def _headline(report: StopReport) -> Text:
    stop = report.stop
    if report.hits:
        hits = ", ".join(f"{'temporary ' if b.temporary else ''}breakpoint {b.number} ({one_line(b.spec, 80)}, "
                         f"hit {b.hits})" for b in report.hits)
        return Text(hits[0].upper() + hits[1:], style="bold yellow")
    text = _REASONS.get(stop.reason, stop.reason)
    if stop.at_end and stop.reason != "end":
        text += " (the last event)"
    return Text(text, style="bold")


def _position(report: StopReport) -> Text:
    stop = report.stop
    text = Text.assemble(("seq ", "dim"), (str(stop.seq), "bold"), (f" of {report.total} events", "dim"))
    if report.elapsed_ms is not None:
        text.append(f"  {offset(report.elapsed_ms)}")
    text.append(f"  {one_line(report.where)}", style="dim")
    return text


def _ancestry(frames: tuple[ListedEvent, ...]) -> Text:
    text = Text("in ", style="dim")
    for position, frame in enumerate(frames):
        if position:
            text.append(" › ", style="dim")
        text.append(one_line(frame.label, 60))
    return text


def _event_line(event: dict[str, Any], report: StopReport) -> Text:
    text = Text("→ ", style="bold cyan")
    text.append(one_line(event.get("event_type"), 40), style="bold cyan")
    text.append("  ")
    text.append(one_line(report.current.label, 80), style="bold")
    text.append("  ")
    text.append_text(status_text(event.get("status")))
    if report.current.duration_ms is not None:
        text.append(f"  {duration(report.current.duration_ms)}")
    return text


def _fields(event: dict[str, Any], partner: dict[str, Any] | None, report: StopReport) -> list[Text]:
    """The event's payload, one folded line a field; at a call's start, the call's recorded result."""
    lines = [_field(key, event[key]) for key in ("inputs", "outputs", "error", "usage", "model", "cost_usd")
             if key in event and event[key] not in (None, {}, [])]
    if partner is not None and event.get("status") == "started":
        lines.append(_result_line(partner))
        lines.extend(_field(key, partner[key], indent=4) for key in ("outputs", "error", "usage")
                     if partner.get(key) not in (None, {}, []))
    return lines


def _result_line(end: dict[str, Any]) -> Text:
    text = Text("  result   ", style="dim")
    text.append_text(status_text(end.get("status")))
    if is_duration(end.get("duration_ms")):  # as the reader takes one: a negative one is not shown
        text.append(f" after {duration(end['duration_ms'])}")
    text.append(f"  (seq {one_line(end.get('seq'))})", style="dim")
    return text


def _field(key: str, value: Any, indent: int = 2) -> Text:
    text = Text(" " * indent + f"{key:<8} ", style="dim")
    if key == "error" and isinstance(value, (dict, str)):
        text.append(one_line(error_summary({"error": value}), FIELD_WIDTH), style="red")
        return text
    text.append_text(_short(value))
    return text


def _short(value: Any) -> Text:
    """A value on one line as compact JSON, cut to FIELD_WIDTH characters."""
    return Text(one_line(_compact(value), FIELD_WIDTH))


def _compact(value: Any, limit: int | None = FIELD_WIDTH) -> str:
    """A string as itself; anything else as JSON on one line (strings in it folded to `limit`)."""
    return value if isinstance(value, str) else compact_json(value, limit)


def where_view(where: Where) -> RenderableType:
    lines = []
    for depth, frame in enumerate(where.frames):
        current = depth == len(where.frames) - 1
        text = Text("→ " if current else "  ", style="bold cyan")
        text.append("  " * min(depth, 30))
        text.append_text(_frame_text(frame))
        lines.append(text)
    return Group(*lines)


def _frame_text(frame: ListedEvent) -> Text:
    text = Text.assemble((f"seq {frame.seq:<5} ", "dim"), (one_line(frame.event_type, 32), "cyan"), "  ",
                         (one_line(frame.label, 60), "bold"), "  ")
    text.append_text(status_text(frame.status))
    if frame.duration_ms is not None:
        text.append(f"  {duration(frame.duration_ms)}")
    return text


def listing_view(listing: Listing) -> RenderableType:
    lines = [Text("  …", style="dim")] if listing.more_before else []
    lines.extend(_row(row) for row in listing.rows)
    if listing.more_after:
        lines.append(Text("  …", style="dim"))
    return Group(*lines)


def _row(row: Row) -> Text:
    frame = row.frame
    marks = ("→" if row.current else " ") + ("B" if row.breakpoint else " ") + ("M" if row.mocked else " ")
    edge = {START: "┌ ", END: "└ ", INSTANT: "· "}.get(frame.kind, "  ")
    text = Text(f"{marks} {frame.seq:>6}  ", style="bold cyan" if row.current else "dim")
    text.append("  " * min(frame.depth, 30) + edge, style="dim")
    text.append(one_line(frame.label, 60), style="bold" if row.current else "")
    text.append(f"  {one_line(frame.event_type, 32)}  ", style="dim")
    text.append_text(status_text(frame.status))
    if frame.duration_ms is not None:
        text.append(f"  {duration(frame.duration_ms)}")
    return text


def value_view(value: Value) -> RenderableType:
    """`p`: JSON on one line; `pp`: indented JSON, or a string as its text; a display after its expression."""
    if value.missing:
        return Text(f"{one_line(value.expression, 80)}: no such field here", style="yellow")
    if value.pretty:
        shown = value.value if isinstance(value.value, str) else pretty_json(value.value)
        return Text(visible(shown))
    text = Text(f"{one_line(value.expression, 80)}: ", style="dim") if value.named else Text()
    text.append(one_line(compact_json(value.value)))
    return text


def breakpoints_view(breakpoints: Breakpoints) -> RenderableType:
    if not breakpoints.items:
        return Text("No breakpoints")
    rows = [(str(b.number), "tbreak" if b.temporary else "break", "yes" if b.enabled else "no", str(b.hits),
             str(b.ignore), one_line(b.spec, 120)) for b in breakpoints.items]
    return aligned(("Num", "Type", "Enb", "Hits", "Ignore", "Where"), rows)


def mocks_view(mocks: Mocks) -> RenderableType:
    if not mocks.items:
        return Text("No mocks")
    rows = [(one_line(m.key, 60), str(m.events), one_line(m.origin, 60), one_line(_compact(m.value), FIELD_WIDTH))
            for m in mocks.items]
    return aligned(("Key", "Events", "From", "Value"), rows)


def table_view(table: Table) -> RenderableType:
    rows = [tuple(one_line(_compact(cell, None), FIELD_WIDTH) for cell in row) for row in table.rows]
    return Group(Text(one_line(table.title), style="bold"), aligned(table.columns, rows))


def aligned(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Text:
    """Columns of plain cells padded to the widest (the last one not padded: no trailing spaces)."""
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    text = Text()
    for number, row in enumerate([columns, *rows]):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths)] + [row[-1]]
        text.append(("\n" if number else "") + "  ".join(cells), style="dim" if number == 0 else "")
    return text


def message_view(message: Message) -> RenderableType:
    if message.level != "error":
        return Text(visible(message.text))
    text = Text(f"*** {visible(message.text)}", style="bold red")
    if message.pointer is not None:
        text.append("\n" + visible(message.pointer), style="red")
    return text


def help_view(help_: Help) -> RenderableType:
    if help_.one:
        return _command_help(help_.commands[0])
    width = max(len(_names(command)) for command in help_.commands)
    lines = [Text("Commands (help NAME for more; an empty line repeats the last command):", style="bold")]
    lines.extend(Text.assemble(f"  {_names(c):<{width}}  ", (c.summary, "dim")) for c in help_.commands)
    return Group(*lines)


def _names(command: Command) -> str:
    return command.name + (f" ({', '.join(command.aliases)})" if command.aliases else "")


def _command_help(command: Command) -> RenderableType:
    text = Text(command.usage, style="bold")
    if command.aliases:
        text.append(f"    aliases: {', '.join(command.aliases)}", style="dim")
    text.append("\n" + command.summary)
    if command.details:
        text.append("\n\n" + command.details)
    return text


# Each view takes the records of the type it is filed under, which a dict's value type cannot say.
_VIEWS: dict[type, Callable[[Any], RenderableType]] = {
    StopReport: stop_view, Where: where_view, Listing: listing_view, Value: value_view,
    Breakpoints: breakpoints_view, Mocks: mocks_view, Table: table_view, Message: message_view,
    Help: help_view,
}
