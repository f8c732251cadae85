"""`inspect --journey AGENT` and `--causality EVENT`: events told in order, nested, each on one line."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...analysis.causality import Causality
from ...analysis.fields import is_failure
from ...analysis.journey import Journey
from ..event_text import duration, event_duration, kind, one_line, preview, status_text, tokens
from ..text import plural

RELATION_STYLES = {"target": "bold red", "same span": "bold", "ancestor": "cyan", "inside": "magenta",
                   "sibling": "", "nearby": "dim", "elsewhere": "dim red"}


def event_line(event: dict[str, Any], indent: int = 0, detail: int = 90) -> Text:
    """`  seq 5 llm_call_end planner completed 3.1ms 35 tok  <what it returned>`."""
    text = Text("  " * indent)
    text.append(f"{event['seq']} ", style="dim")
    text.append(one_line(event.get("event_type"), 40), style="cyan")
    text.append(" " + one_line(event.get("name"), 60) + " ", style="bold")
    text.append_text(status_text(event.get("status")))
    if event_duration(event) is not None:
        text.append(f" {duration(event_duration(event))}")
    if tokens(event):
        text.append(f" {tokens(event)} tok", style="magenta")
    shown = preview(event, detail)
    if shown.plain:
        text.append("  ")
        text.append_text(shown)
    return text


def journey_view(story: Journey, limit: int | None = None) -> RenderableType:
    """A header, then `+offset  event line` per step, indented by depth below the agent's span."""
    steps = story.steps if limit is None else story.steps[:limit]
    failures = sum(1 for step in story.steps if is_failure(step.event))
    header = Text.assemble(("journey of agent ", "bold"), (one_line(story.agent, 60), "bold cyan"),
                           f": {len(story.steps)} events", (f", {failures} failed" if failures else "", "red"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True, style="dim", min_width=8)
    grid.add_column(overflow="ellipsis", no_wrap=True)
    for step in steps:
        at = "-" if step.offset_ms is None else f"+{duration(step.offset_ms)}"
        grid.add_row(at, event_line(step.event, step.depth))
    parts: list[RenderableType] = [header, grid]
    if len(steps) < len(story.steps):
        parts.append(Text(f"… {len(story.steps) - len(steps)} more events (raise --limit to see them)", style="dim"))
    return Group(*parts)


def causality_view(found: Causality, limit: int | None = None) -> RenderableType:
    """The target, the spans around it, then the related events before it, nearest last."""
    target = found.target
    header = Text.assemble(("what led up to ", "bold"), event_line(target, detail=120))
    chain = Text("inside: ", style="dim")
    for position, start in enumerate(found.chain):
        chain.append(" > " if position else "", style="dim")
        chain.append(f"{kind(start.get('event_type'))} {one_line(start.get('name'), 40)}")
    if not found.chain:
        chain.append("(no enclosing span found)", style="dim")
    steps = found.steps if limit is None else found.steps[-limit:]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True, style="dim", min_width=8)
    grid.add_column(no_wrap=True, min_width=9)
    grid.add_column(overflow="ellipsis", no_wrap=True)
    for step in steps:
        before = "-" if step.before_ms is None else "0" if step.before_ms == 0 else f"-{duration(step.before_ms)}"
        grid.add_row(before, Text(step.relation, style=RELATION_STYLES.get(step.relation, "")), event_line(step.event))
    summary = f"{plural(len(found.steps) - 1, 'related event')} in the {duration(found.lookback_ms)} before it"
    if found.hidden:
        summary += f"; {plural(found.hidden, 'unrelated event')} that did not fail not shown"
    if len(steps) < len(found.steps):
        summary += f"; the {len(found.steps) - len(steps)} earliest cut by --limit"
    return Group(header, chain, Text(summary, style="dim"), grid)
