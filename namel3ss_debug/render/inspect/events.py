"""The event list of `inspect`: one row per event, printed in chunks so a long run streams.

Column widths are fixed from the terminal width, never from the rows, so every chunk lines up under
the one header and nothing waits for the last event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rich.text import Text

from ..event_text import duration, event_duration, offset, one_line, preview, status_text, tokens

CHUNK = 500  # rows per printed table: enough to look like one, small enough to stream
WIDE = 110  # columns from which every column is shown at full width


@dataclass(frozen=True)
class EventRow:
    """An event with its run's short name (empty for a single run) and its offset from the run's start."""

    event: dict[str, Any]
    run: str
    at_ms: float | None


@dataclass(frozen=True)
class EventColumns:
    """Column names and widths; `detail` takes what is left of the console's width.

    Under WIDE columns the `at` column (time since the run's start) is left out and names are cut
    shorter, so that a row still has room to say something.
    """

    columns: tuple[tuple[str, int], ...]

    @classmethod
    def for_width(cls, width: int, runs: bool = False) -> "EventColumns":
        wide = width >= WIDE
        columns = [("run", 8)] if runs else []
        columns += [("seq", 7 if wide else 6)] + ([("at", 9)] if wide else [])
        columns += [("event", 21 if wide else 16), ("name", 20 if wide else 12), ("status", 9), ("dur", 8),
                    ("tok", 6 if wide else 5)]
        used = sum(size for _, size in columns) + 2 * len(columns)  # two spaces between columns
        return cls(tuple(columns) + (("detail", max(width - used, 10)),))

    @property
    def runs(self) -> bool:
        return self.columns[0][0] == "run"

    @property
    def detail_width(self) -> int:
        return self.columns[-1][1]


def event_table(rows: Sequence[EventRow], layout: EventColumns, header: bool = True) -> Text:
    """One chunk of the event list as lines of exactly laid-out cells (print it with `soft_wrap=True`).

    Not a Rich Table: the widths are known, and lines are four times quicker to render, which a
    listing of a million events feels.
    """
    lines = [_header(layout)] if header else []
    lines.extend(_line(_cells(row, layout), layout) for row in rows)
    return Text("\n").join(lines)


_RIGHT = ("seq", "at", "dur", "tok")
_GAP = "  "


def _header(layout: EventColumns) -> Text:
    names = {name: Text(name, style="bold") for name, _ in layout.columns}
    line = _line(names, layout)
    width = sum(size for _, size in layout.columns) + len(_GAP) * (len(layout.columns) - 1)
    line.append("\n" + "─" * width, style="dim")
    return line


def _line(cells: dict[str, Text], layout: EventColumns) -> Text:
    """Cells cut to their column (with an ellipsis) and padded, numbers to the right; the last one not padded."""
    line = Text()
    last = len(layout.columns) - 1
    for position, (name, size) in enumerate(layout.columns):
        cell = cells[name]
        if name in _RIGHT:
            cell = Text(cell.plain.rjust(size), style=cell.style)
        cell.truncate(size, overflow="ellipsis", pad=position != last)
        if position:
            line.append(_GAP)
        line.append_text(cell)
    line.rstrip()
    return line


def _cells(row: EventRow, layout: EventColumns) -> dict[str, Text]:
    event = row.event
    return {"run": Text(one_line(row.run, 20), style="dim"), "seq": Text(str(event["seq"])),
            "at": Text(offset(row.at_ms), style="dim"), "event": Text(one_line(event.get("event_type"), 80)),
            "name": Text(one_line(event.get("name"), 80), style="bold"), "status": status_text(event.get("status")),
            "dur": Text(duration(event_duration(event))), "tok": Text(tokens(event)),
            "detail": preview(event, layout.detail_width + 1)}
