"""The terminal view of a `runs` listing: one line a run, newest first; a rerun or fork marked under its id.

Every text from a trace (ids, entries, models, finding kinds) is shown literally (`rich.trace_text`): markup and
control characters in it print as written. Colour only on a terminal (Rich drops it elsewhere and for NO_COLOR).
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ...analysis.run_row import RunRow
from ...ops.runs.listing import RunsListing
from ..analyze.format import NONE, VERDICT_STYLES, cost, count, duration
from ..analyze.rich import SEVERITY_STYLES, new_table, trace_text
from ..text import plural, visible

STATUS_STYLES = {"completed": "green", "failed": "red", "unfinished": "yellow", "interrupted": "yellow"}
HEADERS = ("run", "started (UTC)", "entry", "status", ">duration", ">llm", ">tools", ">tokens", ">cost", ">errors",
           "health", "findings")


def render_runs(console: Console, listing: RunsListing) -> None:
    """The runs as a table, then a line saying how many and what was left out."""
    if not listing.rows:
        console.print(Text.assemble("no runs in ", trace_text(listing.directory), " match these options"))
        return
    table = new_table(*HEADERS)
    for row in listing.rows:
        table.add_row(*cells(row))
    console.print(table)
    console.print(Text(summary_line(listing), style="dim"))


def summary_line(listing: RunsListing) -> str:
    more = " (more match: raise --limit to see them)" if listing.more else ""
    return f"{plural(len(listing.rows), 'run')} of {visible(str(listing.directory))}{more}"


def cells(row: RunRow) -> list[Text]:
    return [run_cell(row), Text(started(row.started)), trace_text(row.entry or NONE),
            Text(_status(row), style=STATUS_STYLES.get(row.status, "")), Text(duration(row.duration_ms)),
            Text(count(row.llm_calls)), Text(count(row.tool_calls)), Text(count(row.total_tokens)),
            Text(row_cost(row), style="" if not row.unpriced_calls else "yellow"), _errors(row),
            Text(row.health or NONE, style=VERDICT_STYLES.get(row.health or "", "")), findings_cell(row)]


def run_cell(row: RunRow) -> Text:
    """The run's id, and under it `↳ fork of PARENT` (or `↳ rerun of PARENT`) for a run of a lineage."""
    cell = trace_text(row.run_id)
    if row.parent is not None:
        cell.append_text(Text.assemble("\n↳ ", (f"{row.lineage or 'rerun'} of ", "dim"), trace_text(row.parent)))
    return cell


def started(text: str | None) -> str:
    """`2026-11-25 09:34:28` of the row's ISO `started`."""
    return NONE if text is None else text[:19].replace("T", " ")


def row_cost(row: RunRow) -> str:
    """analyze's cost of the run (`unknown`, `at least $x`); `-` for a run with no LLM call and so no cost."""
    if row.cost_usd is None and not row.unpriced_calls:
        return NONE
    return cost(row.cost_usd, row.unpriced_calls)


def _status(row: RunRow) -> str:
    return row.status if row.exit_code in (None, 0) else f"{row.status} (exit {row.exit_code})"


def _errors(row: RunRow) -> Text:
    """`3 (1 unhandled)`: the run's errors, and how many escaped the app."""
    if not row.errors:
        return Text("0")
    text = f"{row.errors:,}" + (f" ({row.unhandled_errors:,} unhandled)" if row.unhandled_errors else "")
    return Text(text, style="red" if row.unhandled_errors else "yellow")


def findings_cell(row: RunRow) -> Text:
    """The run's finding kinds, worst first, each styled by its worst severity."""
    order = {"critical": 0, "warning": 1, "info": 2}
    kinds = sorted(row.findings.items(), key=lambda item: (order.get(item[1], 3), item[0]))
    if not kinds:
        return Text(NONE)
    cell = Text()
    for number, (kind, severity) in enumerate(kinds):
        if number:
            cell.append(", ")
        cell.append_text(trace_text(kind, SEVERITY_STYLES.get(severity, "dim")))
    return cell
