"""The replay engine: a cursor over a recorded run and one stop rule (CPython's bdb, without a program).

Every move (`step`, `next`, `finish`, `until`, `continue`) only chooses a rule; one loop advances the
cursor an event at a time, asks the breakpoints about each event, and stops where a breakpoint is hit
or the rule says so. `goto` and `back` jump without looking at what lies between. Each move returns a
`Stop`: data, never text. Nothing here reads a terminal or prints.

Levels (see `Timeline`): a call's start and end are at its depth, an instant event one deeper than its
parent. `next` stops at the next event no deeper than this one (over a call's insides), `finish` at the
next one outside the span the cursor is in (its end), `until` like `next` past repeated calls of the
same operation, or to a seq, but not past the end of the span around the current event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..model.errors import UsageError
from .breakpoints import BreakpointTable
from ..recording.mocks import MockTable
from .event_targets import event_breakpoints
from ..recording.timeline import START, Timeline
from .view import EventView

MAX_HISTORY = 10_000


class ReplayError(UsageError):
    """A move that cannot be made (back from the first stop, goto a seq the run does not have)."""


@dataclass(frozen=True)
class Stop:
    """Where the cursor stopped and why.

    `reason`: start, step, next, finish, until, continue, goto, back, breakpoint, end. `breakpoints`:
    the numbers of those hit here. `diverged_after`: the seq of the first mocked event before this one
    (this event was recorded before that mock existed, and might not happen so now).
    """

    reason: str
    index: int
    seq: int
    view: EventView
    breakpoints: tuple[int, ...] = ()
    diverged_after: int | None = None
    at_end: bool = False

    @property
    def mocked(self) -> bool:
        return self.view.mock is not None


class ReplayEngine:
    """A session's position in a run, its breakpoints and mocks, and the stops so far."""

    def __init__(self, timeline: Timeline, breakpoints: BreakpointTable | None = None,
                 mocks: MockTable | None = None):
        self.timeline = timeline
        self.mocks = mocks if mocks is not None else MockTable(timeline)
        self.breakpoints = breakpoints if breakpoints is not None else event_breakpoints(
            timeline, lambda index: self.mocks.key_at(index) is not None)
        self.history: list[Stop] = []
        self._arrived = False
        self._push(self._stop("start", 0))

    @property
    def current(self) -> Stop:
        return self.history[-1]

    @property
    def index(self) -> int:
        return self.current.index

    # -- moves ----------------------------------------------------------------------------------

    def step(self) -> Stop:
        """To the next event, into a call's insides."""
        return self._advance("step", lambda j: True)

    def next(self) -> Stop:
        """To the next event at this level or above: over the insides of the call starting here."""
        depth, level = self.timeline.depth, self.timeline.depth[self.index]
        return self._advance("next", lambda j: depth[j] <= level)

    def finish(self) -> Stop:
        """To the end of the span the cursor is in (a start is inside its own span)."""
        depth, level = self.timeline.depth, self.timeline.container_depth(self.index)
        return self._advance("finish", lambda j: depth[j] <= level)

    def until(self, seq: int | None = None) -> Stop:
        """To the first event with a seq of at least `seq`; without one, like `next` but past repeated
        calls of the same operation (a loop). Either way no further than the end of the span around
        the current event."""
        t, here = self.timeline, self.index
        outer = t.depth[here] - 1
        if seq is not None:
            return self._advance("until", lambda j: t.seq[j] >= seq or t.depth[j] <= outer)
        level, operation = t.depth[here], (t.component_code[here], t.name_code[here])
        return self._advance("until", lambda j: t.depth[j] <= outer or (
            t.depth[j] <= level and (t.component_code[j], t.name_code[j]) != operation))

    def cont(self) -> Stop:
        """To the next breakpoint, or the end of the run."""
        return self._advance("continue", None)

    def goto(self, seq: int) -> Stop:
        """Jump to the event with this seq (breakpoints between are not looked at)."""
        return self._push(self._stop("goto", self.timeline.require_position(seq, ReplayError)))

    def back(self) -> Stop:
        """Back to the stop before this one."""
        if len(self.history) < 2:
            raise ReplayError("this is the first stop: there is nothing to go back to",
                              hint="`goto N` jumps to any seq")
        self.history.pop()
        previous = self.history.pop()
        return self._push(self._stop("back", previous.index, previous.breakpoints))

    def arrive(self) -> Stop:
        """The first stop, with the breakpoints of its event looked at (once: later calls return it as is)."""
        stop = self.current
        if not self._arrived and stop.reason == "start" and self.breakpoints.active():
            hits = self.breakpoints.hits(stop.index, self.view)
            if hits:
                self.history[-1] = self._stop("breakpoint", stop.index, hits)
        self._arrived = True
        return self.current

    def refresh(self) -> Stop:
        """The current stop again, seen anew (after a mock was set or cleared)."""
        stop = self.current
        self.history[-1] = self._stop(stop.reason, stop.index, stop.breakpoints)
        return self.history[-1]

    # -- the loop -------------------------------------------------------------------------------

    def _advance(self, reason: str, rule: Callable[[int], bool] | None) -> Stop:
        last = len(self.timeline) - 1
        if self.index >= last:  # nowhere to go: say so, without a stop for `back` to return to
            return self._stop("end", last)
        check = self.breakpoints.hits if self.breakpoints.active() else None
        for j in range(self.index + 1, last + 1):
            hits = check(j, self.view) if check is not None else ()
            if hits:
                return self._push(self._stop("breakpoint", j, hits))
            if rule is not None and rule(j):
                return self._push(self._stop(reason, j))
        return self._push(self._stop("end", last))

    def view(self, index: int) -> EventView:
        """The event at `index` with mocks applied, and its call's other event."""
        t = self.timeline
        partner = t.partner(index)
        key = self.mocks.key_at(index)
        if key is None and partner is not None and t.kind[index] == START:
            key = self.mocks.key_at(partner)
        return EventView(index, self.mocks.apply(index, t.event(index)),
                         self.mocks.apply(partner, t.event(partner)) if partner is not None else None, key)

    def _stop(self, reason: str, index: int, breakpoints: tuple[int, ...] = ()) -> Stop:
        first = self.mocks.first()
        diverged = self.timeline.seq[first] if first is not None and index > first else None
        return Stop(reason, index, self.timeline.seq[index], self.view(index), breakpoints, diverged,
                    at_end=index == len(self.timeline) - 1)

    def _push(self, stop: Stop) -> Stop:
        self.history.append(stop)
        if len(self.history) > MAX_HISTORY:
            del self.history[0]
        return stop
