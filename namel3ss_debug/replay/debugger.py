"""A replay session: one command line in, the records it answers with out (pdb's `Pdb`, without I/O).

The shell reads lines and renders the records; tests feed lines and look at the records. A mistake
(an unknown command, a bad breakpoint or expression, a seq the run does not have) is answered with an
error record and the session goes on (`commands.CommandSession`).
"""

from __future__ import annotations

from ..model.errors import UsageError
from .breakpoints import parse_condition
from .commands import CommandSession, numbers
from .engine import ReplayEngine, Stop
from .expr import Expr
from .mock_specs import parse_mock
from .outputs import Listing, Message, MockInfo, Mocks, Output, StopReport, Value, Where
from .reports import (
    breakpoint_list, centred, clear_breakpoints, frame, listing, run_info, set_breakpoint, span_bounds, stats,
    stop_report, value_of,
)
from ..recording.timeline import as_number

LIST_AROUND = 5  # events shown before and after the cursor by `list`
LONGLIST_MAX = 200


class ReplaySession(CommandSession):
    """The engine, the displays, and where a repeated `list` goes on from."""

    def __init__(self, engine: ReplayEngine):
        super().__init__()
        self.engine = engine
        self.displays: list[Expr] = []
        self._listed_to: int | None = None  # where a repeated `list` goes on from

    def start(self) -> list[StopReport]:
        """The first stop, before any command (a breakpoint set at the first event is hit there)."""
        return [stop_report(self.engine, self.engine.arrive(), self.displays)]

    def _before(self, command: str) -> None:
        if command != "list":
            self._listed_to = None

    def _report(self, stop: Stop) -> list[Output]:
        return [stop_report(self.engine, stop, self.displays)]

    # -- moving ---------------------------------------------------------------------------------

    def do_step(self, argument: str, column: int) -> list[Output]:
        """step
        Go to the next event, into the insides of a call."""
        return self._report(self.engine.step())

    def do_next(self, argument: str, column: int) -> list[Output]:
        """next
        Go to the next event at this level: over the insides of the call that starts here."""
        return self._report(self.engine.next())

    def do_finish(self, argument: str, column: int) -> list[Output]:
        """finish
        Go to the end of the span the cursor is in (at a call's start: that call's end)."""
        return self._report(self.engine.finish())

    def do_continue(self, argument: str, column: int) -> list[Output]:
        """continue
        Go on to the next breakpoint, or to the end of the run."""
        return self._report(self.engine.cont())

    def do_until(self, argument: str, column: int) -> list[Output]:
        """until [SEQ]
        Go on to the first event with a seq of at least SEQ; without SEQ, past repeated calls of the
        same operation (a loop). Either way, no further than the end of the span around the event."""
        return self._report(self.engine.until(_seq(argument, "until") if argument else None))

    def do_back(self, argument: str, column: int) -> list[Output]:
        """back
        Return to the previous stop (again and again, to the first)."""
        return self._report(self.engine.back())

    def do_goto(self, argument: str, column: int) -> list[Output]:
        """goto SEQ
        Jump to the event with this seq (breakpoints between are not looked at)."""
        if not argument:
            raise UsageError("goto needs a seq", hint="e.g. goto 0")
        return self._report(self.engine.goto(_seq(argument, "goto")))

    # -- breakpoints ----------------------------------------------------------------------------

    def do_break(self, argument: str, column: int) -> list[Output]:
        """break [TARGET [if CONDITION]]
        Stop at TARGET; without one, list the breakpoints.

        TARGET: an event type (llm_call_start), a component (llm), component:name
        (tool:search, patterns such as tool:search*), component:name#N (the N-th call),
        a name (search), @SEQ (one event) or errors (failed events and error events).
        CONDITION compares fields: duration_ms > 500 and usage.total_tokens > 1000,
        "timeout" in error.message, error.type == "TimeoutError". At a call's start,
        a field it lacks (outputs, duration_ms, usage, error) is read from the call's
        end; its own status is "started" (test `error`, or break on the end event:
        tool_call_end if status == "failed")."""
        if not argument:
            return [breakpoint_list(self.engine.breakpoints)]
        return [set_breakpoint(self.engine.breakpoints, argument, column)]

    def do_tbreak(self, argument: str, column: int) -> list[Output]:
        """tbreak TARGET [if CONDITION]
        Set a temporary breakpoint: deleted when it first stops (TARGET as for break)."""
        if not argument:
            raise UsageError("tbreak needs a target", hint="e.g. tbreak llm")
        return [set_breakpoint(self.engine.breakpoints, argument, column, temporary=True)]

    def do_clear(self, argument: str, column: int) -> list[Output]:
        """clear [NUMBER ...]
        Delete these breakpoints; without numbers, delete them all."""
        return clear_breakpoints(self.engine.breakpoints, numbers(argument, "clear") if argument else None)

    def do_disable(self, argument: str, column: int) -> list[Output]:
        """disable NUMBER ...
        Disable these breakpoints (they stay in the list; enable brings them back)."""
        return self._switch(argument, "disable", False)

    def do_enable(self, argument: str, column: int) -> list[Output]:
        """enable NUMBER ...
        Enable these breakpoints."""
        return self._switch(argument, "enable", True)

    def _switch(self, argument: str, name: str, enabled: bool) -> list[Output]:
        breakpoints = [self.engine.breakpoints.get(number) for number in numbers(argument, name)]
        for breakpoint in breakpoints:
            breakpoint.enabled = enabled
        return [Message(f"{'Enabled' if enabled else 'Disabled'} breakpoint {b.number}") for b in breakpoints]

    def do_condition(self, argument: str, column: int) -> list[Output]:
        """condition NUMBER [CONDITION]
        Set a breakpoint's condition; without one, remove it (the breakpoint always stops)."""
        number_text, _, condition = argument.partition(" ")
        number = numbers(number_text, "condition")[0]
        condition = condition.strip()
        at = column + argument.index(condition) if condition else column
        breakpoint = self.engine.breakpoints.condition(number, condition or None, at)
        if breakpoint.condition is None:
            return [Message(f"Breakpoint {number} is now unconditional")]
        return [Message(f"New condition set for breakpoint {number}: {breakpoint.condition.text}")]

    def do_ignore(self, argument: str, column: int) -> list[Output]:
        """ignore NUMBER COUNT
        Let the next COUNT hits of a breakpoint pass without stopping."""
        parts = argument.split()
        if len(parts) != 2:
            raise UsageError("ignore needs a breakpoint number and a count", hint="e.g. ignore 1 3")
        breakpoint = self.engine.breakpoints.get(numbers(parts[0], "ignore")[0])
        breakpoint.ignore = numbers(parts[1], "ignore")[0]
        return [Message(f"Breakpoint {breakpoint.number} will ignore its next {breakpoint.ignore} hit(s)")]

    # -- looking --------------------------------------------------------------------------------

    def do_where(self, argument: str, column: int) -> list[Output]:
        """where
        Show the spans around the current event, outermost first, and the event."""
        t, index = self.engine.timeline, self.engine.index
        frames = [frame(t, position) for position in t.enclosing(index)]
        return [Where((*frames, frame(t, index)))]

    def do_list(self, argument: str, column: int) -> list[Output]:
        """list [SEQ | FIRST,LAST]
        List events around the cursor (or around SEQ, or those with seqs from FIRST to LAST); list
        again to go on."""
        t = self.engine.timeline
        if "," in argument:
            first_text, _, last_text = argument.partition(",")
            bounds = t.span_of_seqs(_seq(first_text.strip(), "list"), _seq(last_text.strip(), "list"))
            if bounds is None:
                raise UsageError(f"no event has a seq from {first_text.strip()} to {last_text.strip()}",
                                 hint=f"the run has seq {t.seq[0]}..{t.seq[len(t) - 1]}")
            first, last = bounds
        elif argument or self._listed_to is None:
            middle = self._position(argument) if argument else self.engine.index
            first, last = centred(len(t), middle, LIST_AROUND)
        else:
            first, last = self._listed_to + 1, self._listed_to + 1 + 2 * LIST_AROUND
        if first >= len(t):
            return [Message("(the end of the run)")]
        shown = listing(self.engine, first, last)
        self._listed_to = min(max(last, first), len(t) - 1)
        return [shown]

    def do_longlist(self, argument: str, column: int) -> list[Output]:
        """longlist
        List every event of the span the cursor is in (up to 200)."""
        first, last = span_bounds(self.engine.timeline, self.engine.index)
        shown = listing(self.engine, first, min(last, first + LONGLIST_MAX - 1))
        return [Listing(shown.rows, shown.more_before, last > first + LONGLIST_MAX - 1)]

    def do_p(self, argument: str, column: int) -> list[Output]:
        """p [EXPRESSION]
        Print a field or expression of the current event as JSON on one line (outputs,
        usage.total_tokens, inputs.query, error.message == "x"); without one, the whole event."""
        return [self._value(argument, column, pretty=False)]

    def do_pp(self, argument: str, column: int) -> list[Output]:
        """pp [EXPRESSION]
        Pretty-print a field or expression of the current event, in full: JSON indented, a string as
        its text (an LLM's answer with its line breaks)."""
        return [self._value(argument, column, pretty=True)]

    def _value(self, argument: str, column: int, pretty: bool) -> Value:
        expr = parse_condition(argument, column) if argument else None
        value, missing = value_of(expr, self.engine.current)
        return Value(argument or "<event>", value, missing, pretty or expr is None)

    def do_display(self, argument: str, column: int) -> list[Output]:
        """display [EXPRESSION]
        Show an expression's value at every stop; without one, list the displays."""
        if not argument:
            shown: list[Output] = [Value(expr.text, *value_of(expr, self.engine.current), named=True)
                                   for expr in self.displays]
            return shown or [Message("No displays")]
        expr = parse_condition(argument, column)
        self.displays.append(expr)
        value, missing = value_of(expr, self.engine.current)
        return [Value(expr.text, value, missing, named=True)]

    def do_undisplay(self, argument: str, column: int) -> list[Output]:
        """undisplay [EXPRESSION]
        Stop showing an expression at every stop; without one, stop showing all of them."""
        if not argument:
            count, self.displays = len(self.displays), []
            return [Message(f"Removed {count} display(s)")]
        kept = [expr for expr in self.displays if expr.text != argument]
        if len(kept) == len(self.displays):
            raise UsageError(f"no display {argument!r}", hint="`display` lists them")
        self.displays = kept
        return [Message(f"Removed display {argument}")]

    # -- mocks ----------------------------------------------------------------------------------

    def do_mock(self, argument: str, column: int) -> list[Output]:
        """mock [KEY=JSON | KEY=@FILE | clear [KEY]]
        Replace the recorded result of calls with a value of yours; without an argument, list the mocks.

        KEY: component:name#N (the N-th call), component:name (every call) or an end
        event type (llm_call_end). The events after the first mocked one are marked
        as recorded before the mock: they may have diverged."""
        mocks = self.engine.mocks
        if not argument:
            return [Mocks(tuple(MockInfo(m.key.text, m.origin, mocks.count(m.key.text), m.value)
                                for m in mocks.mocks.values()))]
        if argument == "clear" or argument.startswith("clear "):
            key = argument[len("clear"):].strip() or None
            count = mocks.clear(key)
            if key is not None and not count:
                raise UsageError(f"no mock {key}", hint="`mock` lists them")
            self.engine.refresh()
            return [Message(f"Cleared {count} mock(s)")]
        mock = parse_mock(argument, "mock")
        positions = mocks.set(mock)
        self.engine.refresh()
        seqs = [self.engine.timeline.seq[p] for p in positions]
        where = ", ".join(str(s) for s in seqs[:5]) + (" ..." if len(seqs) > 5 else "")
        return [Message(f"Mock {mock.key.text} replaces {len(seqs)} event(s) (seq {where}); "
                        f"events after seq {seqs[0]} may have diverged")]

    # -- the run --------------------------------------------------------------------------------

    def do_info(self, argument: str, column: int) -> list[Output]:
        """info [breakpoints | mocks | displays]
        Show the run (its id, files, events, how it started and ended), or one of the lists."""
        if argument in ("breakpoints", "break", "b"):
            return self.do_break("", column)
        if argument in ("mocks", "mock"):
            return self.do_mock("", column)
        if argument in ("displays", "display"):
            return self.do_display("", column)
        if argument:
            raise UsageError(f"info {argument!r}: nothing by that name", hint="info, info breakpoints, info mocks, "
                             "info displays")
        return [run_info(self.engine)]

    def do_stats(self, argument: str, column: int) -> list[Output]:
        """stats
        Count the run's events, calls, failures and time in calls per component, and how many the cursor passed."""
        return [stats(self.engine)]

    def _position(self, text: str) -> int:
        return self.engine.timeline.require_position(_seq(text.strip(), "list"))


COMMANDS = ReplaySession.commands


def _seq(text: str, command: str) -> int:
    seq = as_number(text)
    if seq is None:
        raise UsageError(f"{command}: {text!r} is not a seq number", hint=f"e.g. {command} 12")
    return seq
