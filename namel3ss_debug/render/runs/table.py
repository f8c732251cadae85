"""The terminal view of a `runs` listing: one line a run, newest first; a rerun or fork marked under its id.

Every text from a trace (ids, entries, models, finding kinds, questions, answers) is shown literally: control
characters made visible, never read as markup. Colour only on a terminal (Rich drops it elsewhere and for NO_COLOR).

The last column is each run's question and answer (`question → answer`), given the room the others leave on the
console's width (off a terminal `COLUMNS`, else 200). When that is under `LEAST_EXCHANGE` cells, columns are left
out, `LEFT_OUT_FIRST` first, until it is not or only the run, status and health remain: on 100 columns a run
reads as its id, status, health and what it was asked and answered. A question that runs alike with another
listed one past what its cut would show is shown from where it parts (`apart.cut_apart`): `…Oslo on Friday?`.

Not a Rich Table, nor a `Text`: laying out 3,000 runs took 24 s as a table and 6 s as Texts, and 100,000 runs
printed as one styled Text took 12 s before a terminal showed a line. The rows are laid out a column at a time
(each column's texts, styles and sizes; its width their widest), then written as lines of text in chunks of
`CHUNK` runs, each style the escape codes the console itself writes for it (`paint.Paint`): through the pager,
the first screen shows once the layout and the first chunk are made. On a terminal a line is cut at its edge
(the column that crosses it cut with an ellipsis, those past it left out); off one, printed whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.console import Console

from ...analysis.failed_run import outcome_said
from ...analysis.run_row import RunRow
from ...ops.runs.listing import GROUP, RunsListing
from ..analyze.format import NONE, VERDICT_STYLES, cost, count, duration
from ..analyze.rich import SEVERITY_STYLES
from ..paint import Paint, Piece
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
CHUNK = GROUP  # runs written at a time, as many as the index reads at a time: the first screen once they are
_GAP = "  "
_ARROW = " → "
_RIGHT = tuple(header.startswith(">") for header in HEADERS)  # numbers, to the right
_MOST = 60  # a column's widest (an entry or the findings may be longer: cut with an ellipsis)
_NAMES = tuple(header.lstrip(">") for header in HEADERS)

Cell = list[Piece]


class Out(Protocol):
    """Where the lines go (`cli/output.Sink`): its console, and text already made."""

    @property
    def console(self) -> Console: ...

    def text(self, text: str) -> None: ...


@dataclass
class RunsColumn:
    """One column of every row: its texts (made visible), their styles (None: none styled) and sizes in terminal
    cells, and the rows whose cell is pieces of several styles (the findings), by row."""

    place: int  # in HEADERS
    texts: list[str]
    sizes: list[int]
    ascii: bool  # every text ASCII: its size its length
    styles: list[str] | None = None
    pieces: dict[int, Cell] = field(default_factory=dict)

    @property
    def right(self) -> bool:
        return _RIGHT[self.place]


@dataclass(frozen=True)
class Layout:
    """The columns shown (the question and answer last) and their widths; `kept` and `whole`: the columns before
    the question and answer and the widths of all, before a terminal's edge cut them (what a later group of the
    same listing is laid out after)."""

    columns: list[RunsColumn]
    widths: list[int]
    kept: list[int]
    whole: list[int]


def render_runs(listing: RunsListing, out: Out) -> None:
    """The runs, one line each, then a line saying how many and whether more match, written `CHUNK` runs at a
    time. On a terminal the runs the index gives after the first group (`listing.rest`) are laid out a group
    at a time as they come, each column at least as wide as before (a wider cell later widens its column from
    there on, as psql's FETCH_COUNT does); off one, every run is laid out at once."""
    console = out.console
    paint = Paint(console)
    edge = console.width if console.is_terminal else None
    rows = listing.rows if edge is not None else [*listing.rows, *(row for group in listing.rest for row in group)]
    if not rows:
        out.text(_edged(f"no runs in {visible(str(listing.directory))} match these options", edge) + "\n")
        return
    layout = laid_out(rows, console.width, edge)
    out.text(_head(layout, console.width, paint) + "\n")
    shown = _written(rows, layout, paint, edge, out)
    for group in listing.rest if edge is not None else ():
        layout = laid_out(group, console.width, edge, after=layout)
        shown += _written(group, layout, paint, edge, out)
    out.text(paint.text(_edged(summary_line(listing, shown), edge), "dim") + "\n")


def _written(rows: Sequence[RunRow], layout: Layout, paint: Paint, edge: int | None, out: Out) -> int:
    """The rows' lines written, `CHUNK` at a time; how many rows."""
    for start in range(0, len(rows), CHUNK):
        out.text("\n".join(_lines(rows, layout, paint, start, min(start + CHUNK, len(rows)), edge)) + "\n")
    return len(rows)


def laid_out(rows: Sequence[RunRow], room: int, edge: int | None = None, after: Layout | None = None) -> Layout:
    """The rows' columns that leave the question and answer room on a line of `room` cells (`after` a layout of
    the same listing: its columns, each at least as wide); with `edge`, cut to that many cells (the column
    crossing it narrowed, those past it left out)."""
    every = columns_of(rows)
    widths = [min(max(len(_NAMES[column.place]), max(column.sizes)), _MOST) for column in every]
    kept = _fitting(widths, room) if after is None else after.kept
    kept_widths = [widths[place] for place in kept] if after is None else \
        [max(widths[place], width) for place, width in zip(kept, after.whole)]
    exchange = _exchange(rows, room - sum(width + len(_GAP) for width in kept_widths))
    whole = [*kept_widths, max(len(EXCHANGE), max(exchange.sizes))]
    return _within(Layout([every[place] for place in kept] + [exchange], whole, kept, whole), edge)


def columns_of(rows: Sequence[RunRow]) -> list[RunsColumn]:
    """Every column but the question and answer, in HEADERS' order."""
    said: dict[tuple[str, int | None, str | None, str | None], str] = {}
    statuses = [said.get(key) or said.setdefault(key, _status(row))
                for row, key in zip(rows, [(row.status, row.exit_code, row.gave_up, row.stopped) for row in rows])]
    errors = [_errors(row) for row in rows]
    findings = _findings(rows)
    return [_column(0, _visible([row.run_id for row in rows])),
            _column(1, _visible([_moment(row.started) for row in rows])),
            _column(2, _visible([row.entry or NONE for row in rows])),
            _column(3, statuses, [STATUS_STYLES.get(row.status, "") for row in rows]),
            _column(4, [duration(row.duration_ms) for row in rows]),
            _column(5, _counts([row.llm_calls for row in rows])), _column(6, _counts([row.tool_calls for row in rows])),
            _column(7, _counts([row.total_tokens for row in rows])),
            _column(8, [row_cost(row) for row in rows], ["yellow" if row.unpriced_calls else "" for row in rows]),
            _column(9, [text for text, _ in errors], [style for _, style in errors]),
            _column(10, [row.health or NONE for row in rows],
                    [VERDICT_STYLES.get(row.health or "", "") for row in rows]),
            findings]


def _visible(texts: list[str]) -> list[str]:
    """Each text made visible (`text.visible`); most columns have no character to escape, found at C speed."""
    every = "".join(texts)
    return texts if every.isascii() and every.isprintable() else list(map(visible, texts))


def _counts(values: list[int]) -> list[str]:
    """Each count as `count` writes it, each distinct count written once."""
    said = {value: count(value) for value in set(values)}
    return [said[value] for value in values]


def _column(place: int, texts: list[str], styles: list[str] | None = None) -> RunsColumn:
    ascii = "".join(texts).isascii()
    return RunsColumn(place, texts, _sizes(texts, ascii), ascii, styles if styles is not None and any(styles) else None)


def _sizes(texts: list[str], ascii: bool) -> list[int]:
    """Each text's terminal cells (a wide character takes two)."""
    if ascii:
        return list(map(len, texts))
    return [len(text) if text.isascii() else cell_len(text) for text in texts]


def _findings(rows: Sequence[RunRow]) -> RunsColumn:
    """The findings column: the cells of runs with the same findings made once."""
    made: dict[tuple[tuple[str, str], ...], Cell] = {}
    cells = []
    for row in rows:
        key = tuple(row.findings.items())
        cell = made.get(key)
        if cell is None:
            cell = made[key] = findings_cell(row)
        cells.append(cell)
    texts = [cell[0][0] if len(cell) == 1 else "".join(text for text, _ in cell) for cell in cells]
    column = _column(11, texts, [cell[0][1] if len(cell) == 1 else "" for cell in cells])
    column.pieces = {number: cell for number, cell in enumerate(cells) if len(cell) > 1}
    return column


def _exchange(rows: Sequence[RunRow], room: int) -> RunsColumn:
    """The question and answer column, within `room` cells (at least the header's)."""
    whole = [exchange_text(row.input, row.output, None) for row in rows]
    sizes = _sizes(whole, "".join(whole).isascii())
    width = max(len(EXCHANGE), min(max(sizes), room))
    if max(sizes) > width:
        shared = shared_prefixes([visible(row.input) if row.input else None for row in rows])
        for number, size in enumerate(sizes):
            if size > width:  # cut as `exchange_text` cuts it; one that fits is its whole text, made once
                row = rows[number]
                whole[number] = exchange_text(row.input, row.output, width, shared[number])
                sizes[number] = _size(whole[number])
    return RunsColumn(len(HEADERS) - 1, whole, sizes, "".join(whole).isascii())


def _fitting(widths: list[int], room: int) -> list[int]:
    """The columns before the question and answer kept: every one, less LEFT_OUT_FIRST's in turn while the
    question and answer would have fewer than LEAST_EXCHANGE cells."""
    columns = list(range(len(widths)))
    for name in LEFT_OUT_FIRST:
        if sum(widths[column] + len(_GAP) for column in columns) + LEAST_EXCHANGE <= room:
            break
        columns.remove(_NAMES.index(name))
    return columns


def _within(layout: Layout, edge: int | None) -> Layout:
    """The layout cut at `edge` cells: the column that crosses it narrowed to what is left, those past it left
    out."""
    if edge is None:
        return layout
    columns, widths, start = [], [], 0
    for column, width in zip(layout.columns, layout.widths):
        if start >= edge:
            break
        columns.append(column)
        widths.append(min(width, edge - start))
        start += width + len(_GAP)
    return Layout(columns, widths, layout.kept, layout.whole)


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


def _head(layout: Layout, room: int, paint: Paint) -> str:
    """The header line and the rule under it."""
    last = len(layout.columns) - 1
    cells = [_cell([(_NAMES[column.place], "bold")], len(_NAMES[column.place]), width, column.right, place != last,
                   paint) for place, (column, width) in enumerate(zip(layout.columns, layout.widths))]
    rule = min(sum(layout.widths) + len(_GAP) * (len(layout.widths) - 1), room)
    return _GAP.join(cells).rstrip(" ") + "\n" + paint.text("─" * rule, "dim")


def _lines(rows: Sequence[RunRow], layout: Layout, paint: Paint, start: int, stop: int,
           edge: int | None) -> list[str]:
    """The lines of rows `start` to `stop`, each followed by its lineage's when it has one."""
    last = len(layout.columns) - 1
    cells = [_cells(column, width, place != last, paint, start, stop)
             for place, (column, width) in enumerate(zip(layout.columns, layout.widths))]
    lines = []
    for row, parts in zip(rows[start:stop], zip(*cells)):
        lines.append(_GAP.join(parts).rstrip(" "))
        if row.parent is not None:
            lines.append(paint.pieces(_cut_line(lineage_line(row), edge)))
    return lines


def _cells(column: RunsColumn, width: int, pad: bool, paint: Paint, start: int, stop: int) -> list[str]:
    """Rows `start` to `stop` of the column, each cut to `width` cells with an ellipsis, painted, and padded
    (numbers to the right; not `pad`: the last column)."""
    texts, sizes = column.texts[start:stop], column.sizes[start:stop]
    if (not paint.on or (column.styles is None and not column.pieces)) and max(sizes) <= width:  # most columns
        if not (pad or column.right):
            return texts
        if column.ascii:  # a terminal cell a character: str's own padding
            return [text.rjust(width) for text in texts] if column.right else [text.ljust(width) for text in texts]
        return [" " * (width - size) + text if column.right else text + " " * (width - size)
                for text, size in zip(texts, sizes)]
    styles = column.styles[start:stop] if column.styles is not None and paint.on else [""] * len(texts)
    pieces = column.pieces if paint.on else {}
    return [_cell(pieces.get(number) or [(text, style)], size, width, column.right, pad, paint)
            for number, text, style, size in zip(range(start, stop), texts, styles, sizes)]


def _cell(cell: Cell, size: int, width: int, right: bool, pad: bool, paint: Paint) -> str:
    """One cell of `size` terminal cells in a column `width` wide."""
    if size > width:
        cell, size = _cut(cell, width), width
    text = paint.pieces(cell)
    space = " " * (width - size)
    return space + text if right else text + space if pad else text


def _cut_line(line: Cell, edge: int | None) -> Cell:
    """A line of pieces cut at the terminal's edge (None: whole)."""
    if edge is None:
        return line
    size = sum(map(_size, (text for text, _ in line)))
    return line if size <= edge else _cut(line, edge)


def _edged(text: str, edge: int | None) -> str:
    return text if edge is None else cut_end(text, edge)


def summary_line(listing: RunsListing, shown: int) -> str:
    more = " (more match: raise --limit to see them)" if listing.more else ""
    return f"{plural(shown, 'run')} of {visible(str(listing.directory))}{more}"


def lineage_line(row: RunRow) -> Cell:
    """`↳ fork of PARENT` (or `↳ rerun of PARENT`), under the id of a run of a lineage."""
    return [("↳ ", ""), (f"{row.lineage or 'rerun'} of ", "dim"), (visible(str(row.parent)), "")]


def started(text: str | None) -> str:
    """`2026-11-25 09:34:28` of the row's ISO `started`."""
    return visible(_moment(text))


def _moment(text: str | None) -> str:
    return NONE if text is None else text[:19].replace("T", " ")


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
