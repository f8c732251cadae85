"""What replay commands answer with: frozen records, rendered as text for people or as JSON Lines.

A command never prints; it returns these, and the console hands them to `render/replay/view.py` or
`render/replay/replay_json.py`, so the two views cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.calls import CallAddress
from ..model.json_types import JsonValue
from .engine import Stop


class Output:
    """A record a command answers with (the classes below that subclass it; the rerun adds its own): what a
    session hands the shell, which renders each by its type."""

    __slots__ = ()


@dataclass(frozen=True)
class Command:
    """A console command, as `help` shows it: made from its `do_<name>` method's docstring."""

    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    details: str


@dataclass(frozen=True)
class ListedEvent:
    """One event in a list or an ancestry: enough to name it on a line."""

    seq: int
    depth: int
    kind: int  # timeline.INSTANT / START / END
    event_type: str
    component: str
    name: str
    call: int
    status: str
    duration_ms: float | None = None

    @property
    def label(self) -> str:
        """`tool:search#2`."""
        return str(CallAddress(self.component, self.name, self.call))


@dataclass(frozen=True)
class BreakpointInfo:
    number: int
    spec: str
    temporary: bool
    enabled: bool
    ignore: int
    hits: int


@dataclass(frozen=True)
class StopReport(Output):
    """A stop and what to show with it: where it is in the run and in the span tree, what was hit."""

    stop: Stop
    current: ListedEvent
    total: int
    elapsed_ms: float | None
    where: str
    ancestry: tuple[ListedEvent, ...]
    hits: tuple[BreakpointInfo, ...]
    displays: tuple[tuple[str, JsonValue, bool], ...]  # (expression, value, missing)


@dataclass(frozen=True)
class Where(Output):
    frames: tuple[ListedEvent, ...]  # outermost first; the last is the current event


@dataclass(frozen=True)
class Row:
    """One line of `list`: its event, and whether it is the current one, holds a breakpoint or was mocked."""

    frame: ListedEvent
    current: bool
    breakpoint: bool
    mocked: bool


@dataclass(frozen=True)
class Listing(Output):
    """What `list` shows: its rows, and whether the timeline goes on before and after them."""

    rows: tuple[Row, ...]
    more_before: bool
    more_after: bool


@dataclass(frozen=True)
class Value(Output):
    """The value of `p EXPR` (`pretty` for pp); a missing field is `missing`; `named` values (displays)
    are shown after their expression."""

    expression: str
    value: JsonValue
    missing: bool = False
    pretty: bool = False
    named: bool = False


@dataclass(frozen=True)
class Help(Output):
    """The command list, or (`one`) one command's whole help."""

    commands: tuple[Command, ...]
    one: bool


@dataclass(frozen=True)
class Breakpoints(Output):
    """The breakpoint table, as `break` with no argument shows it."""

    items: tuple[BreakpointInfo, ...]


@dataclass(frozen=True)
class MockInfo:
    """A mock as `mock` lists it: its key, where it was given, the events it answers and its value."""

    key: str
    origin: str
    events: int
    value: JsonValue


@dataclass(frozen=True)
class Mocks(Output):
    """The mocks `mock` with no argument lists."""

    items: tuple[MockInfo, ...]


@dataclass(frozen=True)
class Table(Output):
    """A small titled table (`info`, `stats`): rows of already-plain cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[JsonValue, ...], ...]


@dataclass(frozen=True)
class Message(Output):
    """A line of text: `info` for news, `error` for a mistake (with `pointer`: the line and a caret)."""

    text: str
    level: str = "info"
    pointer: str | None = None
