"""`golden status` as text: a table of the golden tests (worst first), which call and what changed, a count by
status, the golden files no test used, and what to run next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...model.golden_status import FAILED, MISSING, OK, SKIPPED, STALE, UNUSED, GoldenEntry
from ...ops.golden_status import GoldenStatus
from ..text import plural, visible

_STYLE = {STALE: "bold red", MISSING: "bold red", FAILED: "bold red", UNUSED: "bold yellow", SKIPPED: "dim",
          OK: "green"}
MAX_UNUSED = 5  # unused calls named in a row; the JSON view has them all


def running(directory: str, command: tuple[str, ...]) -> Text:
    """The line before the tests run (on stderr): what runs, since it is the user's own code."""
    shown = " ".join([Path(command[0]).name, *(part for part in command[1:] if "--n3-golden-report" not in part)])
    return Text(visible(f"golden status: running the tests marked n3replay under {directory}, offline: {shown}"),
                style="dim")


def render_golden_status(status: GoldenStatus) -> RenderableType:
    parts: list[RenderableType] = []
    if status.entries:
        parts.append(_table(status.entries))
    else:
        parts.append(Text(visible(f"no test marked n3replay under {status.directory}")))
    parts.append(_counts(status))
    if status.network:
        parts.append(Text(visible(f"network: {status.network}"), style="dim"))
    parts.extend(_next_steps(status))
    if status.orphans:
        parts.append(Text(f"{plural(len(status.orphans), 'golden file')} no test used "
                          "(delete them, or point a test's n3replay marker at them):", style="bold yellow"))
        parts.extend(Text(visible(f"  {path}")) for path in status.orphans)
    return Group(*parts)


def _table(entries: tuple[GoldenEntry, ...]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("status", no_wrap=True)
    table.add_column("golden file", overflow="fold")
    table.add_column("test", overflow="fold")
    table.add_column("which call, what changed", overflow="fold")
    for entry in entries:
        table.add_row(Text(entry.status, style=_STYLE[entry.status]), Text(visible(entry.shown or "-")),
                      Text(visible(entry.nodeid)), Text(visible("\n".join(details(entry)))))
    return table


def details(entry: GoldenEntry) -> list[str]:
    """What the row says besides its status: the call and what changed, the failure, the unused calls."""
    lines: list[str] = []
    miss = entry.miss
    if miss is not None:
        lines.append(miss.call + (f" at {miss.path}" if miss.path not in ("-", miss.call) else ""))
        if miss.nearest is not None:
            lines.append(f"nearest recorded {miss.nearest} ({miss.where})")
            lines.extend(f"  {change}" for change in miss.changes)
        if miss.nearest is None or not miss.changes:  # a request refused by the guard has no recorded twin
            lines.append(miss.why)
        if entry.misses > 1:
            lines.append(f"and {plural(entry.misses - 1, 'more call')} the golden run has no answer for")
    elif entry.status == MISSING:
        lines.append("no golden file")
    elif entry.why:
        lines.append(entry.why)
    if entry.unused and entry.status in (UNUSED, FAILED):
        lines.append(f"{plural(len(entry.unused), 'recorded call')} not made: "
                     + ", ".join(entry.unused[:MAX_UNUSED]) + (", ..." if len(entry.unused) > MAX_UNUSED else ""))
    return lines


def _counts(status: GoldenStatus) -> Text:
    counts = status.counts
    said = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
    verdict = "every golden run matches the code" if status.exit_code == 0 and status.entries else \
        "some golden runs no longer match the code" if status.exit_code else ""
    text = Text(f"{plural(len(status.entries), 'golden test')}" + (f": {said}" if said else ""), style="bold")
    if verdict:
        text.append(f"; {verdict}", style="green" if status.exit_code == 0 else "red")
    return text


def _next_steps(status: GoldenStatus) -> list[Text]:
    counts = status.counts
    steps = []
    if counts[STALE] or counts[UNUSED]:
        steps.append("if the change is meant: pytest --n3-record=rewrite TEST records its golden run again "
                     "(--n3-record=new keeps the recorded answers and records only the calls it lacks)")
    if counts[MISSING]:
        steps.append("a missing golden run: pytest --n3-record=once TEST records it (calling the model for real); "
                     "commit the file")
    if counts[FAILED]:
        steps.append("a failed test: run it with pytest to see why")
    return [Text(step, style="dim") for step in steps]
