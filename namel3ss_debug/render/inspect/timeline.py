"""`inspect --timeline`: a waterfall, one row per span, bars placed on the run's time axis.

    researcher              +0.043s   31.8ms  |   ██████████████                  |
      llm_call planner      +0.043s    3.1ms  |   █                               |

Bars are at least one cell wide, so that no span disappears; an instant is a `◆`; a span that never
ended is drawn to the end of the axis with `░`.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...analysis.timeline import Bar, Waterfall
from ..event_text import STATUS_STYLES, duration, kind, offset, one_line

LABEL_WIDTH = 34
INDENT_CAP = 8  # levels of indent in the label column
MIN_BAR_WIDTH = 20


def timeline_view(line: Waterfall, width: int, limit: int | None = None) -> RenderableType:
    """The waterfall for a console `width` columns wide; rows past `limit` are counted, not drawn."""
    cells = max(width - LABEL_WIDTH - 9 - 9 - 6, MIN_BAR_WIDTH)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=LABEL_WIDTH, no_wrap=True, overflow="ellipsis")
    grid.add_column(width=9, justify="right", no_wrap=True)
    grid.add_column(width=9, justify="right", no_wrap=True)
    grid.add_column(width=cells + 2, no_wrap=True)
    grid.add_row(Text("span", style="bold"), Text("start", style="bold"), Text("dur", style="bold"),
                 _axis(line.total_ms, cells))
    bars = line.bars if limit is None else line.bars[:limit]
    for bar in bars:
        grid.add_row(_label(bar), Text(offset(bar.offset_ms), style="dim"), Text(_length(bar)),
                     _bar_cells(bar, line.total_ms, cells))
    parts: list[RenderableType] = [grid]
    if len(bars) < len(line.bars):
        parts.append(Text(f"… {len(line.bars) - len(bars)} more rows (raise --limit to see them)", style="dim"))
    return Group(*parts)


def _label(bar: Bar) -> Text:
    """`  llm_call planner`, indented by depth down to `INDENT_CAP` levels; deeper, `↳37 llm_call planner` at
    that indent (the label column is 34 wide: a deeper indent would leave no room for the name)."""
    node = bar.node
    text = Text("  " * min(bar.depth, INDENT_CAP))
    if bar.depth > INDENT_CAP:
        text.append(f"↳{bar.depth} ", style="dim")
    text.append(one_line(kind(node.first.get("event_type")), 30), style="cyan")
    text.append(" " + one_line(node.name, 40), style="bold")
    return text


def _length(bar: Bar) -> str:
    if bar.node.kind == "instant":
        return ""
    return "open" if bar.open_ended else duration(bar.length_ms)


def _axis(total_ms: float, cells: int) -> Text:
    """`0` at the left edge, the run's length at the right."""
    end = duration(total_ms)
    return Text(" 0" + " " * max(cells - 1 - len(end), 1) + end + " ", style="bold")


def _bar_cells(bar: Bar, total_ms: float, cells: int) -> Text:
    """`|   ████      |`: the bar scaled to `cells`, never zero wide."""
    text = Text("|", style="dim")
    if bar.offset_ms is None:
        return text.append(" " * cells + "|", style="dim")
    scale = cells / total_ms if total_ms > 0 else 0.0
    begin = min(int(bar.offset_ms * scale), cells - 1)
    if bar.node.kind == "instant":
        body = "◆"
    else:
        size = max(1, round(bar.length_ms * scale))
        body = ("░" if bar.open_ended else "█") * min(size, cells - begin)
    style = "unclosed" if bar.open_ended else bar.node.status
    text.append(" " * begin)
    text.append(body, style=STATUS_STYLES.get(style, "blue"))
    text.append(" " * (cells - begin - len(body)))
    text.append("|", style="dim")
    return text
