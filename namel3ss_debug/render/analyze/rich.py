"""Rich building blocks of the terminal view of an `analyze` report: trace text, section headings, tables.

Text from a trace is never parsed as markup here: it becomes a `Text` with its control characters made
visible, so `[bold red]x[/]`, `:smile:` or `\\x1b[2J` in a tool name print as written.
"""

from __future__ import annotations

from typing import Iterable, Optional, Union

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from ...analysis.records.report import Latency
from .format import TITLES, ViewStyle, duration, percent
from ..text import visible

STATUS_STYLES = {"completed": "green", "failed": "red", "skipped": "yellow", "started": "yellow"}
SEVERITY_STYLES = {"warning": "yellow", "critical": "bold red"}


def trace_text(value: object, style: str = "") -> Text:
    """A value from the trace as literal text: no markup, no emoji codes, no control characters."""
    return Text(visible(str(value)), style=style)


def section(console: Console, key: str, note: Optional[RenderableType] = None) -> None:
    """A blank line and the section's title, then `note` (a line of text or a table) under it if given."""
    console.print()
    console.print(Text(TITLES[key], style="bold underline"))
    if note is not None:
        console.print(note)


def new_table(*headers: str) -> Table:
    """A compact table; a header starting with `>` is a right-aligned number column (`">calls"`)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in headers:
        if header.startswith(">"):
            table.add_column(header[1:], justify="right", no_wrap=True)
        else:
            table.add_column(header, overflow="fold", min_width=min(10, max(len(header), 6)))  # never squeezed away
    return table


def hanging(lead: Union[str, Text], value: Text, under: int = 0) -> Text:
    """`lead` then `value`, each line of `value` after its first indented to where `value` began (and `under`
    cells more), so that a text of several lines from the trace (LangGraph's `GraphRecursionError` says three)
    stays in its column instead of starting lines of its own."""
    line = Text.assemble(lead)
    indent = "\n" + " " * (line.cell_len + under)
    for number, part in enumerate(value.split("\n", allow_blank=True)):
        if number:
            line.append(indent)
        line.append_text(part)
    return line


def print_key_values(console: Console, rows: Iterable[tuple[Union[str, Text], Text]]) -> None:
    """Aligned `label  value` lines (a `str` label is ours and dim; a Text one may come from the trace), a value
    of several lines hanging in its column (`hanging`).

    Printed line by line rather than as a grid, so that no line carries the padding of the longest.
    """
    rows = list(rows)
    labels = [Text(label, style="dim") if isinstance(label, str) else label for label, _ in rows]
    width = max((label.cell_len for label in labels), default=0)
    for label, (_, value) in zip(labels, rows):
        console.print(hanging(Text.assemble(label, " " * (width - label.cell_len + 2)), value))


def latency_cells(latency: Latency, view: ViewStyle) -> list[str]:
    """The percentiles the view has room for (p50 ... max) as human durations."""
    return [duration(getattr(latency, name)) for _, name in view.percentiles()]


def success_cell(rate: Optional[float]) -> Text:
    """The success rate, red when anything failed."""
    return Text(percent(rate), style="red" if rate is not None and rate < 1 else "")


def errors_cell(errors: int) -> Text:
    """An error count, red when not zero."""
    return Text(f"{errors:,}", style="red" if errors else "")


def styled(word: str, styles: dict[str, str]) -> Text:
    """A word from a small vocabulary (a status, a verdict, a severity), coloured by meaning."""
    return trace_text(word, styles.get(word, ""))
