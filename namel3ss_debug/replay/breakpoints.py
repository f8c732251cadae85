"""Breakpoints as data: what they stop at, their condition, and one rule deciding a hit (bdb's `effective`).

Targets, checked against the recording when set (one that can never stop is an error naming the nearest
recorded candidates):

    llm_call_start    an event type
    llm               a component: the start of each of its calls, and its instant events
    tool:search       a component's calls by name (shell patterns such as tool:search* too)
    tool:search#3     the third such call
    search            a name, whatever the component
    @120              the event with seq 120
    errors            an event with status failed, or an error_occurred event (not one a mock replaced)

`TARGET if CONDITION` stops only where the condition (see `expr`) holds; a temporary breakpoint is
deleted at its first stop; an ignore count lets that many hits (whose condition holds) pass. As in
pdb, the hit count counts every time an enabled breakpoint's target is reached, whether its condition
holds or not, also when a run is walked again after `back` or `goto`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from ..model.errors import UsageError
from ..model.events import COMPONENTS
from .expr import Expr, ExprError, parse_expression, truthy
from .misses import nearest_recorded, no_such_call
from .timeline import END, Timeline, as_number
from .view import EventView

_PATTERN_CHARS = "*?["
T = TypeVar("T")


class BreakpointError(UsageError):
    """A breakpoint that cannot be set or changed."""


@dataclass(frozen=True)
class Target:
    """What a breakpoint stops at, as the user wrote it, and a test of a position."""

    text: str
    match: Callable[[int], bool] = field(compare=False, repr=False)


@dataclass
class Breakpoint:
    number: int
    target: Target
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

    def __init__(self, timeline: Timeline, mocked: Callable[[int], bool] | None = None):
        """`mocked(i)` says whether a mock replaced the result at position i (a mocked failure is no error)."""
        self.timeline = timeline
        self.mocked = mocked or (lambda index: False)
        self.items: dict[int, Breakpoint] = {}
        self.retired: dict[int, Breakpoint] = {}  # temporary breakpoints after their stop, for its report
        self._next = 1

    def add(self, spec: str, temporary: bool = False, column: int = 1) -> Breakpoint:
        """A breakpoint from `TARGET [if CONDITION]`; `column` is where `spec` starts in the command line,
        so that a mistake in the condition is pointed at where the user typed it."""
        target, condition = parse_spec(spec, column, lambda text: parse_target(text, self.timeline, self.mocked),
                                       BreakpointError, "e.g. b llm, b tool:search#2, b errors, b @12",
                                       "e.g. b llm if duration_ms > 500")
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

    def hits(self, index: int, view_of: Callable[[int], EventView]) -> tuple[int, ...]:
        """The numbers of the breakpoints that stop at `index`, counting hits and ignores on the way."""
        hit: list[int] = []
        view: EventView | None = None
        for breakpoint in list(self.items.values()):
            if not breakpoint.enabled or not breakpoint.target.match(index):
                continue
            breakpoint.hits += 1  # as bdb counts: every time it is reached, whatever its condition says
            if breakpoint.condition is not None:
                view = view if view is not None else view_of(index)
                if not truthy(breakpoint.condition, view.resolve):
                    continue
            if breakpoint.ignore > 0:  # an ignore count passes hits whose condition holds
                breakpoint.ignore -= 1
                continue
            hit.append(breakpoint.number)
            if breakpoint.temporary:
                self.retired[breakpoint.number] = self.items.pop(breakpoint.number)
        return tuple(hit)


def parse_spec(spec: str, column: int, target_of: Callable[[str], T], error: type[UsageError], examples: str,
               if_example: str) -> tuple[T, Expr | None]:
    """`TARGET [if CONDITION]`: the target (as `target_of` makes it from its text) and the condition, whose
    errors point at their column in the command line (`spec` starts at `column` there)."""
    target_text, _, rest = spec.strip().partition(" ")
    if not target_text:
        raise error("a breakpoint needs a target", hint=examples)
    target = target_of(target_text)
    rest = rest.strip()
    if not rest:
        return target, None
    if not rest.startswith("if") or rest[2:3] not in (" ", ""):
        raise error(f"expected `if CONDITION` after {target_text}, not {rest!r}", hint=if_example)
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


def parse_target(text: str, timeline: Timeline, mocked: Callable[[int], bool] = lambda index: False) -> Target:
    """A target, checked against what the run recorded."""
    t = timeline
    if text == "errors":
        return Target(text, _errors(t, mocked))
    if text.startswith("@"):
        return Target(text, _seq(text, t))
    if ":" in text:
        return Target(text, _call(text, t))
    if text in COMPONENTS or t.components.find(text) is not None:
        return Target(text, _component(text, t))
    code = t.types.find(text)
    if code is not None:
        return Target(text, lambda j: t.type_code[j] == code)
    names = _name_codes(text, t)
    if names:
        return Target(text, lambda j: t.name_code[j] in names and t.kind[j] != END)
    candidates = ["errors", *t.components.texts, *t.types.texts, *t.names.texts,
                  *(f"{c}:{n}" for c, n, _ in t.recorded_calls())]
    raise BreakpointError(f"{text} is not an event type, component or name in this run",
                          hint=_nearest(text, candidates))


def _errors(t: Timeline, mocked: Callable[[int], bool]) -> Callable[[int], bool]:
    failed, error = t.statuses.find("failed"), t.types.find("error_occurred")
    return lambda j: (t.status_code[j] == failed or t.type_code[j] == error) and not mocked(j)


def _seq(text: str, t: Timeline) -> Callable[[int], bool]:
    seq = as_number(text[1:])
    if seq is None:
        raise BreakpointError(f"{text}: a position is @ and a seq number", hint="e.g. b @120")
    t.require_position(seq, BreakpointError)
    return lambda j: t.seq[j] == seq


def _component(text: str, t: Timeline) -> Callable[[int], bool]:
    code = t.components.find(text)
    if code is None:
        present = ", ".join(t.components.texts)
        raise BreakpointError(f"the run has no {text} events", hint=f"components in this run: {present}")
    return lambda j: t.component_code[j] == code and t.kind[j] != END


def split_call(text: str, error: type[UsageError] = UsageError) -> tuple[str, str, int | None]:
    """`tool:search#2` -> ("tool", "search", 2); a call number that is not 1, 2, ... raises `error`."""
    component, _, name = text.partition(":")
    number = None
    if "#" in name:
        name, _, digits = name.rpartition("#")
        number = as_number(digits)
        if not number:
            raise error(f"{text}: a call number is # and a number from 1", hint=f"e.g. {component}:{name}#1")
    return component, name, number


def _call(text: str, t: Timeline) -> Callable[[int], bool]:
    component, name, number = split_call(text, BreakpointError)
    code = t.components.find(component)
    names = _name_codes(name, t)
    calls = [(c, n, count) for c, n, count in t.recorded_calls() if c == component and t.names.find(n) in names]
    if code is None or not calls:
        raise BreakpointError(f"no recorded call matches {component}:{name}",
                              hint=_nearest(f"{component}:{name}", [f"{c}:{n}" for c, n, _ in t.recorded_calls()]))
    if number is not None and number > max(count for _, _, count in calls):
        most = max(count for _, _, count in calls)
        raise BreakpointError(no_such_call(f"{component}:{name}", most, number),
                              hint=f"calls are {component}:{name}#1 .. #{most}")
    return lambda j: (t.component_code[j] == code and t.name_code[j] in names and t.kind[j] != END
                      and (number is None or t.call[j] == number))


def _name_codes(pattern: str, t: Timeline) -> frozenset[int]:
    if any(char in pattern for char in _PATTERN_CHARS):
        return frozenset(code for code, name in enumerate(t.names.texts) if fnmatch.fnmatchcase(name, pattern))
    code = t.names.find(pattern)
    return frozenset() if code is None else frozenset({code})


def _nearest(text: str, candidates: list[str]) -> str:
    nearest = nearest_recorded(text, candidates)
    if nearest:
        return "nearest recorded: " + ", ".join(nearest)
    return "targets: an event type, a component, component:name[#N], a name, @SEQ or errors"
