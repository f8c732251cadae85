"""One event in full: its envelope, then inputs, outputs, error, usage and attrs as highlighted JSON.

Long strings are folded to `FOLD` characters unless `full`. The JSON is produced by orjson, which
writes control characters inside strings as `\\u001b`; DEL and the C1 controls (which orjson leaves
raw, and which some terminals obey) are then made visible too, so the text is safe to print.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from ...store.reader import Located
from ..event_text import duration, event_duration, kind, offset, one_line, plain, status_text
from ..json_text import fold, pretty_json
from ..text import visible

FOLD = 400  # characters of a string shown before "… (K more chars, --full to show)"
ENVELOPE_ORDER = ("run_id", "seq", "ts", "event_type", "component", "name", "span_id", "parent_id", "status",
                  "duration_ms", "model", "cost_usd", "thread", "task", "pid", "memory_mb", "v")
SECTIONS = ("inputs", "outputs", "error", "usage", "attrs")


def event_view(located: Located, *, full: bool = False, at_ms: float | None = None) -> RenderableType:
    """The envelope as aligned `key value` lines, then one JSON block per payload field."""
    event = located.event
    parts: list[RenderableType] = [_title(event), _envelope(event, located.where, at_ms)]
    for key in [*SECTIONS, *sorted(k for k in event if k not in SECTIONS and k not in ENVELOPE_ORDER)]:
        if key in event:
            parts.extend(_section(key, event[key], full))
    return Group(*parts)


def _title(event: dict[str, Any]) -> Text:
    title = Text.assemble(("seq ", "dim"), (str(event["seq"]), "bold"), "  ",
                          (one_line(kind(event.get("event_type")), 60), "bold cyan"), " ",
                          (one_line(event.get("name"), 80), "bold"), "  ")
    title.append_text(status_text(event.get("status")))
    if event_duration(event) is not None:
        title.append(f"  {duration(event_duration(event))}")
    return title


def _envelope(event: dict[str, Any], where: str, at_ms: float | None) -> Text:
    """`key  value` lines, keys aligned (a Text, not a grid: a grid pads every line to the widest)."""
    rows = [(key, Text(one_line(event[key]))) for key in ENVELOPE_ORDER
            if key in event and not isinstance(event[key], (dict, list))]
    for key, value in rows:
        if key == "ts" and at_ms is not None:
            value.append(f"  ({offset(at_ms)} into the run)", style="dim")
    rows.append(("where", plain(where)))
    width = max(len(key) for key, _ in rows) + 2
    text = Text()
    for position, (key, value) in enumerate(rows):
        text.append(("\n" if position else "") + key.ljust(width), style="dim")
        text.append_text(value)
    return text


def _section(key: str, value: Any, full: bool) -> list[RenderableType]:
    heading = Text(f"\n{key}", style="bold")
    if key == "error" and isinstance(value, dict) and isinstance(value.get("stack"), str):
        rest = {k: v for k, v in value.items() if k != "stack"}
        return [heading, json_block(rest, full), Text("stack", style="dim"), _stack(value["stack"], full)]
    return [heading, json_block(value, full)]


def json_block(value: Any, full: bool) -> Syntax:
    """`value` as indented, highlighted JSON with every control character visible."""
    shown = value if full else fold(value, FOLD)
    return Syntax(visible(pretty_json(shown)), "json", theme="ansi_dark", background_color="default",
                  word_wrap=True)


def _stack(stack: str, full: bool) -> Text:
    """A traceback as text; folded to its end, where the exception is."""
    if full or len(stack) <= FOLD * 2:
        return plain(stack.rstrip("\n"))
    hidden = len(stack) - FOLD * 2
    text = Text(f"… ({hidden} more chars, --full to show)\n", style="dim italic")
    text.append_text(plain(stack[-FOLD * 2:].rstrip("\n")))
    return text
