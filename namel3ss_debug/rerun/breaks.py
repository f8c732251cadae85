"""Breakpoints of a rerun (`replay --rerun --step`, `b` at its console): the live calls to stop before.

    llm               a component: each of its calls
    llm_call_start    an event type: each call that starts with it
    tool:search       a component's calls by name (shell patterns too: tool:search*, tool:*)
    tool:search#2     the second call of tool:search in this rerun
    search            a name (a pattern too), whatever the component
    errors            a call about to raise (its answer is an exception), or one the recording has no
                      result for

`TARGET if CONDITION` stops only where CONDITION (replay's expression language, `replay/expr.py`) holds
over the call as `PendingCall.view()` shows it (component, name, event_type, inputs, key, path, outputs,
error, source, recorded): `b tool:search if inputs.query == "x"`, `b llm if "timeout" in error.message`.

Unlike replay's breakpoints, a target is not checked against the recording: a rerun may make calls the
recording never saw. Only its form is checked, and a component must be one the tracer knows.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..model.errors import UsageError
from ..model.events import COMPONENTS
from ..replay.breakpoints import parse_spec, split_call
from ..replay.expr import Expr, truthy
from ..replay.outputs import BreakpointInfo
from ..replay.timeline import as_number
from ..replay.view import EventView

if TYPE_CHECKING:
    from .session import PendingCall

Match = Callable[["PendingCall"], bool]
_EXAMPLES = "e.g. b llm, b tool:search, b tool:search#2, b errors, b tool:search if inputs.query == \"x\""


class BreakError(UsageError):
    """A rerun breakpoint that cannot be set or cleared."""


@dataclass(frozen=True)
class Break:
    """A breakpoint: its number, its target as written, the test of a call, and its condition."""

    number: int
    target: str
    match: Match = field(compare=False, repr=False)
    condition: Expr | None = None

    def describe(self) -> str:
        """`tool:search#2 if inputs.query == "x"`."""
        return self.target + (f" if {self.condition.text}" if self.condition is not None else "")


class BreakTable:
    """The breakpoints of one rerun, numbered from 1 in the order they were set, and their hit counts."""

    def __init__(self) -> None:
        self.items: dict[int, Break] = {}
        self.hits: Counter[int] = Counter()
        self._next = 1

    def add(self, spec: str, column: int = 1) -> Break:
        """A breakpoint from `TARGET [if CONDITION]`; `column` is where `spec` starts in the command
        line, so a mistake in the condition is pointed at where it was typed."""
        created = parse_break(spec, self._next, column)
        self.items[created.number] = created
        self._next += 1
        return created

    def remove(self, text: str) -> list[Break]:
        """Deletes the breakpoints numbered in `text` (`1 3`, `1,3`): all of them or, on a wrong
        number, none."""
        numbers = _numbers(text)
        for number in numbers:
            if number not in self.items:
                known = ", ".join(str(n) for n in self.items) or "none"
                raise BreakError(f"no breakpoint number {number}", hint=f"breakpoints: {known}")
        return [self.items.pop(number) for number in numbers]

    def clear(self) -> int:
        count = len(self.items)
        self.items.clear()
        return count

    def hit(self, pending: PendingCall) -> tuple[int, ...]:
        """The numbers of the breakpoints that stop before this call; a hit counts every time a
        target is reached, whatever its condition says (as in pdb)."""
        hit: list[int] = []
        resolve = None
        for item in self.items.values():
            if not item.match(pending):
                continue
            self.hits[item.number] += 1
            if item.condition is not None:
                resolve = resolve or EventView(0, pending.view()).resolve
                if not truthy(item.condition, resolve):
                    continue
            hit.append(item.number)
        return tuple(hit)

    def info(self) -> tuple[BreakpointInfo, ...]:
        """The table as replay's `info breakpoints` shows one."""
        return tuple(BreakpointInfo(b.number, b.describe(), False, True, 0, self.hits[b.number])
                     for b in self.items.values())


def parse_break(spec: str, number: int, column: int = 1) -> Break:
    """`TARGET [if CONDITION]` as a Break numbered `number`."""
    match, condition = parse_spec(spec, column, parse_target, BreakError, _EXAMPLES,
                                  'e.g. b tool:search if inputs.query == "x"')
    return Break(number, spec.strip().partition(" ")[0], match, condition)


def parse_target(text: str) -> Match:
    """The test of a live call that a target stands for."""
    if text == "errors":
        return _errors
    if text.startswith("@"):
        raise BreakError(f"{text}: a rerun has no seqs to stop at (its events are not written yet)",
                         hint="name the call instead: b tool:search#2")
    if ":" in text:
        return _call(text)
    if text in COMPONENTS:
        return lambda pending: pending.live.component == text
    if text.endswith("_start"):
        return lambda pending: f"{pending.live.prefix}_start" == text
    if text.endswith("_end"):
        raise BreakError(f"{text}: a rerun stops before a call, at its start",
                         hint=f"b {text.removesuffix('_end')}_start")
    return lambda pending: fnmatch.fnmatchcase(pending.live.name, text)


def _errors(pending: PendingCall) -> bool:
    answer = pending.answer
    return pending.miss is not None or (answer is not None and answer.error is not None)


def _call(text: str) -> Match:
    component, name, number = split_call(text, BreakError)
    if not component or not name:
        raise BreakError(f"{text}: a call is component:name", hint="e.g. b tool:search, b llm:planner#2")
    if not any(fnmatch.fnmatchcase(known, component) for known in COMPONENTS):
        close = difflib.get_close_matches(component, COMPONENTS, n=2, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else f"components: {', '.join(COMPONENTS)}"
        raise BreakError(f"{text}: {component} is not a component", hint=hint)
    return lambda pending: (fnmatch.fnmatchcase(pending.live.component, component)
                            and fnmatch.fnmatchcase(pending.live.name, name)
                            and (number is None or pending.live.number == number))


def _numbers(text: str) -> list[int]:
    numbers: dict[int, None] = {}  # in order, once each
    for part in text.replace(",", " ").split():
        number = as_number(part)
        if number is None:
            raise BreakError(f"clear: {part!r} is not a breakpoint number", hint="e.g. clear 1")
        numbers[number] = None
    return list(numbers)
