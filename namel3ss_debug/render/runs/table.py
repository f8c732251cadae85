"""The terminal view of a `runs` listing: one line a run, newest first; a rerun or fork marked under its id.

Every text from a trace (ids, entries, models, finding kinds, questions, answers) is shown literally: control
characters made visible, never read as markup. Colour only on a terminal (Rich drops it elsewhere and for NO_COLOR).

The last column is each run's question and answer (`question → answer`), given the room the others leave on the
console's width (off a terminal `COLUMNS`, else 200). When that is under `LEAST_EXCHANGE` cells, columns are left
out, `LEFT_OUT_FIRST` first, until it is not or only the run, status and health remain: on 100 columns a run
reads as its id, status, health and what it was asked and answered. A question that runs alike with another
listed one past what its cut would show is shown from where it parts (`apart.cut_apart`): `…Oslo on Friday?`.

Not a Rich Table, nor a `Text` a cell: laying out 3,000 runs took 24 s as a table and 6 s as Texts. A cell here is
pieces of (text, style), the lines one string with its style spans, which Rich prints in a fraction of a second.
A line is cut at a terminal's edge rather than folded (off a terminal, printed whole).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Span, Text

from ...analysis.failed_run import outcome_said
from ...analysis.run_row import RunRow
from ...ops.runs.listing import RunsListing
from ..analyze.format import NONE, VERDICT_STYLES, cost, count, duration
from ..analyze.rich import SEVERITY_STYLES
from ..text import plural, visible
from .apart import cut_apart, cut_end, shared_prefixes

STATUS_STYLES = {"completed": "green", "failed": "red", "stopped": "yellow", "unfinished": "yellow",
                 "interrupted": "yellow"}
EXCHANGE = "question → answer"
HEADERS = ("run", "started (UTC)", "entry", "status", ">duration", ">llm", ">tools", ">tokens", ">cost", ">errors",
           "health", "findings", EXCHANGE)
LEFT_OUT_FIRST = ("tools", "llm", "started (UTC)", "duration", "tokens", "errors", "findings", "entry", "cost")
LEAST_EXCHANGE = 60  # the question and answer's fewest cells before other columns are left out
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
_GAP = "  "
_ARROW = " → "
_RIGHT = tuple(header.startswith(">") for header in HEADERS)  # numbers, to the right
_MOST = 60  # a column's widest (an entry or the findings may be longer: cut with an ellipsis)
_NAMES = tuple(header.lstrip(">") for header in HEADERS)

Piece = tuple[str, str]  # text, style
Cell = list[Piece]


@dataclass(frozen=True)
class Layout:
    """The columns shown (places in HEADERS, the question and answer last), their widths, and each row's cells of
    those columns with their sizes in terminal cells."""

    columns: list[int]
    widths: list[int]
    rows: list[list[Cell]]
    sizes: list[list[int]]


def render_runs(console: Console, listing: RunsListing) -> None:
    """The runs, one line each, then a line saying how many and whether more match."""
    if not listing.rows:
        console.print(Text(f"no runs in {visible(str(listing.directory))} match these options"))
        return
    layout = laid_out(listing.rows, console.width)
    if console.color_system is None and not console.is_terminal:
        # nothing to style and no edge to cut at: each line made as one string (pieces and Rich took a second
        # for 10,000 runs), as `cli/pager.PagedOutput.write` writes text already made
        console.file.write(_plain_lines(listing, layout, console.width))
        return
    lines = _head(layout, console.width)
    for row, row_cells, row_sizes in zip(listing.rows, layout.rows, layout.sizes):
        lines.append(_line(row_cells, row_sizes, layout))
        if row.parent is not None:
            lines.append(lineage_line(row))
    lines.append([(summary_line(listing), "dim")])
    console.print(_text(lines), no_wrap=True, overflow="ellipsis")


def laid_out(rows: Sequence[RunRow], room: int) -> Layout:
    """The rows' cells in the columns that leave the question and answer room on a line of `room` cells."""
    every = [cells(row) for row in rows]
    sizes = [list(map(_width, row_cells)) for row_cells in every]
    widths = _widths(sizes)
    columns = _fitting(widths, room)
    used = sum(widths[column] + len(_GAP) for column in columns)
    whole = [exchange_text(row.input, row.output, None) for row in rows]
    whole_sizes = list(map(_size, whole))
    exchange = max(len(EXCHANGE), min(max(whole_sizes), room - used))
    shared = shared_prefixes([visible(row.input) if row.input else None for row in rows])
    shown, shown_sizes = [], []
    for row, row_cells, row_sizes, alike, said, size in zip(rows, every, sizes, shared, whole, whole_sizes):
        if size > exchange:  # cut as `exchange_text` cuts it; one that fits is its whole text, made once
            said = exchange_text(row.input, row.output, exchange, alike)
            size = _size(said)
        shown.append([row_cells[column] for column in columns] + [[(said, "")]])
        shown_sizes.append([row_sizes[column] for column in columns] + [size])
    return Layout([*columns, len(HEADERS) - 1], [widths[column] for column in columns] + [exchange], shown,
                  shown_sizes)


def _fitting(widths: list[int], room: int) -> list[int]:
    """The columns before the question and answer kept: every one, less LEFT_OUT_FIRST's in turn while the
    question and answer would have fewer than LEAST_EXCHANGE cells."""
    columns = list(range(len(widths)))
    for name in LEFT_OUT_FIRST:
        if sum(widths[column] + len(_GAP) for column in columns) + LEAST_EXCHANGE <= room:
            break
        columns.remove(_NAMES.index(name))
    return columns


def exchange_text(question: str | None, answer: str | None, width: int | None, shared: int = 0) -> str:
    """`question → answer` within `width` cells (None: whole): each cut with an ellipsis, the question (what sets
    runs apart first) to 3/5 of the room unless the answer leaves it more, and from where it parts from the
    others listed when it shares its first `shared` characters with one (`apart.cut_apart`); `-` for a part
    missing, and for a run with neither."""
    if question is None and answer is None:
        return NONE
    asked, said = visible(question or NONE), visible(answer or NONE)
    if width is None or _size(asked) + len(_ARROW) + _size(said) <= width:
        return asked + _ARROW + said
    room = width - len(_ARROW)
    room_asked = min(_size(asked), max(room * 3 // 5, room - _size(said)))
    return cut_apart(asked, room_asked, shared) + _ARROW + cut_end(said, room - room_asked)


def _size(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _widths(sizes: list[list[int]]) -> list[int]:
    """Each column's width: its widest cell or header, at most `_MOST`."""
    return [min(max(len(_NAMES[column]), *column_sizes), _MOST) for column, column_sizes in enumerate(zip(*sizes))]


def _head(layout: Layout, room: int) -> list[Cell]:
    """The header line and the rule under it."""
    rule = min(sum(layout.widths) + len(_GAP) * (len(layout.widths) - 1), room)
    headers = [[(_NAMES[column], "bold")] for column in layout.columns]
    return [_line(headers, [_width(cell) for cell in headers], layout), [("─" * rule, "dim")]]


def _plain_lines(listing: RunsListing, layout: Layout, room: int) -> str:
    """The listing as text, the lines `_line` lays out without their styles."""
    lines = [_plain(line) for line in _head(layout, room)]
    right = [_RIGHT[column] for column in layout.columns]
    for row, row_cells, row_sizes in zip(listing.rows, layout.rows, layout.sizes):
        parts = []
        for column, (cell, used, width) in enumerate(zip(row_cells, row_sizes, layout.widths)):
            text = cell[0][0] if len(cell) == 1 else "".join(piece for piece, _ in cell)
            if used > width:
                text, used = _plain(_cut(cell, width)), width
            pad = " " * (width - used)
            parts.append(pad + text if right[column] else text + pad)
        lines.append(_GAP.join(parts).rstrip(" "))
        if row.parent is not None:
            lines.append(_plain(lineage_line(row)))
    lines.append(summary_line(listing))
    return "\n".join(lines) + "\n"


def summary_line(listing: RunsListing) -> str:
    more = " (more match: raise --limit to see them)" if listing.more else ""
    return f"{plural(len(listing.rows), 'run')} of {visible(str(listing.directory))}{more}"


def cells(row: RunRow) -> list[Cell]:
    """The row's cells, in HEADERS' order but the question and answer (`exchange_text`, laid out last)."""
    return [[(visible(row.run_id), "")], [(started(row.started), "")], [(visible(row.entry or NONE), "")],
            [(_status(row), STATUS_STYLES.get(row.status, ""))], [(duration(row.duration_ms), "")],
            [(count(row.llm_calls), "")], [(count(row.tool_calls), "")], [(count(row.total_tokens), "")],
            [(row_cost(row), "yellow" if row.unpriced_calls else "")], [_errors(row)],
            [(row.health or NONE, VERDICT_STYLES.get(row.health or "", ""))], findings_cell(row)]


def lineage_line(row: RunRow) -> Cell:
    """`↳ fork of PARENT` (or `↳ rerun of PARENT`), under the id of a run of a lineage."""
    return [("↳ ", ""), (f"{row.lineage or 'rerun'} of ", "dim"), (visible(str(row.parent)), "")]


def started(text: str | None) -> str:
    """`2026-11-25 09:34:28` of the row's ISO `started`."""
    return NONE if text is None else visible(text[:19].replace("T", " "))


def row_cost(row: RunRow) -> str:
    """analyze's cost of the run (`unknown`, `at least $x`); `-` for a run with no LLM call and so no cost."""
    if row.cost_usd is None and not row.unpriced_calls:
        return NONE
    return cost(row.cost_usd, row.unpriced_calls)


def _status(row: RunRow) -> str:
    """The run's outcome as every screen says it (`failed_run.outcome_said`): `failed (exit 1)`, `failed (gave
    up)`; a run its rerun stopped says why (`stopped: no recorded answer`), not its exit code."""
    stopped = visible(row.stopped) if row.stopped is not None else None
    return outcome_said(visible(row.status), row.exit_code, row.gave_up, stopped)


def _errors(row: RunRow) -> Piece:
    """`3 (1 unhandled)`: the run's errors, and how many escaped the app."""
    if not row.errors:
        return ("0", "")
    text = f"{row.errors:,}" + (f" ({row.unhandled_errors:,} unhandled)" if row.unhandled_errors else "")
    return (text, "red" if row.unhandled_errors else "yellow")


def findings_cell(row: RunRow) -> Cell:
    """The run's finding kinds, worst first, each styled by its worst severity."""
    kinds = sorted(row.findings.items(), key=lambda item: (SEVERITY_ORDER.get(item[1], 3), item[0]))
    if not kinds:
        return [(NONE, "")]
    cell: Cell = []
    for number, (kind, severity) in enumerate(kinds):
        if number:
            cell.append((", ", ""))
        cell.append((visible(kind), SEVERITY_STYLES.get(severity, "dim")))
    return cell


def _width(cell: Cell) -> int:
    if len(cell) == 1:  # most cells: one piece, sized without a generator (a second over 100,000 runs)
        text = cell[0][0]
        return len(text) if text.isascii() else cell_len(text)
    return sum(len(text) if text.isascii() else cell_len(text) for text, _ in cell)


def _line(row_cells: list[Cell], sizes: list[int], layout: Layout) -> Cell:
    """Cells (of `sizes` terminal cells) cut to their column's width with an ellipsis and padded, numbers to the
    right; the last one not padded."""
    line: Cell = []
    last = len(layout.widths) - 1
    for place, (cell, used, width) in enumerate(zip(row_cells, sizes, layout.widths)):
        right = _RIGHT[layout.columns[place]]
        if used > width:
            cell, used = _cut(cell, width), width
        if place:
            line.append((_GAP, ""))
        if right:
            line.append((" " * (width - used), ""))
        line.extend(cell)
        if place != last and not right:
            line.append((" " * (width - used), ""))
    return line


def _plain(line: Cell) -> str:
    return "".join(text for text, _ in line).rstrip(" ")


def _cut(cell: Cell, width: int) -> Cell:
    """The cell's first `width - 1` cells of text and an ellipsis."""
    kept: Cell = []
    room = width - 1
    for text, style in cell:
        size = cell_len(text)
        if size > room:
            kept.append((set_cell_size(text, room), style))
            break
        kept.append((text, style))
        room -= size
    kept.append(("…", ""))
    return kept


def _text(lines: list[Cell]) -> Text:
    """The lines as one Text: their pieces joined, each styled piece a span."""
    parts: list[str] = []
    spans: list[Span] = []
    at = 0
    for number, line in enumerate(lines):
        if number:
            parts.append("\n")
            at += 1
        for text, style in line:
            if style:
                spans.append(Span(at, at + len(text), style))
            parts.append(text)
            at += len(text)
    return Text("".join(parts).rstrip(" "), spans=spans)
