"""Breakpoints as data: what they stop at, their condition, and one rule deciding a hit (bdb's `effective`).

One table serves both debuggers; what a target means is theirs. Replay's targets (`targets.py`) test a
position of a recorded run and are checked against the recording when set; the rerun's
(`launch/call_targets.py`) test a call about to be answered. Either way a breakpoint is
`TARGET [if CONDITION]`, numbered from 1 in the order they were set.

`TARGET if CONDITION` stops only where the condition (see `expr`) holds; a temporary breakpoint is
deleted at its first stop; an ignore count lets that many hits (whose condition holds) pass. As in
pdb, the hit count counts every time an enabled breakpoint's target is reached, whether its condition
holds or not, also when a run is walked again after `back` or `goto`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from ..model.errors import UsageError
from .expr import Expr, ExprError, parse_expression, truthy
from .view import EventView

Place = TypeVar("Place")  # what a breakpoint is tested at: a position in a recording (replay), a call (a rerun)


class BreakpointError(UsageError):
    """A breakpoint that cannot be set or changed."""


@dataclass(frozen=True)
class BreakpointTarget:
    """What a breakpoint stops at, as the user wrote it, and a test of a place (a position, a call)."""

    text: str
    match: Callable[[Any], bool] = field(compare=False, repr=False)  # Any: a position or a call, by target


@dataclass
class Breakpoint:
    number: int
    target: BreakpointTarget
    condition: Expr | None = None
    temporary: bool = False
    enabled: bool = True
    ignore: int = 0
    hits: int = 0

    def describe(self) -> str:
        """`tool:search#2 if duration_ms > 500`."""
        return self.target.text + (f" if {self.condition.text}" if self.condition is not None else "")


class BreakpointTable:
    """The breakpoints of one session, numbered from 1 in the order they were set."""

    def __init__(self, target_of: Callable[[str], BreakpointTarget], examples: str, if_example: str):
        """`target_of(text)` makes a target (raising BreakpointError for one that cannot be); `examples`
        and `if_example` are the hints of a spec without a target and of one with junk after it."""
        self.target_of = target_of
        self.examples, self.if_example = examples, if_example
        self.items: dict[int, Breakpoint] = {}
        self.retired: dict[int, Breakpoint] = {}  # temporary breakpoints after their stop, for its report
        self._next = 1

    def add(self, spec: str, temporary: bool = False, column: int = 1) -> Breakpoint:
        """A breakpoint from `TARGET [if CONDITION]`; `column` is where `spec` starts in the command line,
        so that a mistake in the condition is pointed at where the user typed it."""
        target, condition = self._parse(spec, column)
        breakpoint = Breakpoint(self._next, target, condition, temporary)
        self.items[breakpoint.number] = breakpoint
        self._next += 1
        return breakpoint

    def get(self, number: int) -> Breakpoint:
        if number not in self.items:
            known = ", ".join(str(n) for n in self.items) or "none"
            raise BreakpointError(f"no breakpoint number {number}", hint=f"breakpoints: {known}")
        return self.items[number]

    def remove(self, number: int) -> Breakpoint:
        return self.items.pop(self.get(number).number)

    def delete(self, numbers: list[int]) -> list[Breakpoint]:
        """Removes the breakpoints with these numbers: all of them or, on a wrong number, none."""
        for number in numbers:
            self.get(number)
        return [self.remove(number) for number in numbers]

    def clear(self) -> int:
        count = len(self.items)
        self.items.clear()
        return count

    def condition(self, number: int, text: str | None, column: int = 1) -> Breakpoint:
        """Sets a breakpoint's condition, or removes it when `text` is empty."""
        breakpoint = self.get(number)
        breakpoint.condition = parse_condition(text, column) if text else None
        return breakpoint

    def active(self) -> bool:
        return any(breakpoint.enabled for breakpoint in self.items.values())

    def hits(self, place: Place, view_of: Callable[[Place], EventView]) -> tuple[int, ...]:
        """The numbers of the breakpoints that stop at `place`, counting hits and ignores on the way;
        `view_of(place)` is what a condition reads."""
        hit: list[int] = []
        view: EventView | None = None
        for breakpoint in list(self.items.values()):
            if not breakpoint.enabled or not breakpoint.target.match(place):
                continue
            breakpoint.hits += 1  # as bdb counts: every time it is reached, whatever its condition says
            if breakpoint.condition is not None:
                view = view if view is not None else view_of(place)
                if not truthy(breakpoint.condition, view.resolve):
                    continue
            if breakpoint.ignore > 0:  # an ignore count passes hits whose condition holds
                breakpoint.ignore -= 1
                continue
            hit.append(breakpoint.number)
            if breakpoint.temporary:
                self.retired[breakpoint.number] = self.items.pop(breakpoint.number)
        return tuple(hit)

    def _parse(self, spec: str, column: int) -> tuple[BreakpointTarget, Expr | None]:
        """`TARGET [if CONDITION]`: the target and the condition, whose errors point at their column in the
        command line (`spec` starts at `column` there)."""
        target_text, _, rest = spec.strip().partition(" ")
        if not target_text:
            raise BreakpointError("a breakpoint needs a target", hint=self.examples)
        target = self.target_of(target_text)
        rest = rest.strip()
        if not rest:
            return target, None
        if not rest.startswith("if") or rest[2:3] not in (" ", ""):
            raise BreakpointError(f"expected `if CONDITION` after {target_text}, not {rest!r}", hint=self.if_example)
        text = rest[2:].strip()
        return target, parse_condition(text, column + len(spec.rstrip()) - len(text) if text else column + len(spec))


def parse_condition(text: str, column: int) -> Expr:
    """A condition (or the expression of `p` or `display`), with any error's column counted from the start
    of the command line: `column` is where `text` starts there."""
    if not text:
        raise ExprError("a condition is missing after `if`", column, text)
    try:
        return parse_expression(text)
    except ExprError as error:
        raise ExprError(error.reason, error.column + column - 1, text, hint=error.hint) from None
