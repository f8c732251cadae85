"""What a rerun's breakpoint (`replay --rerun --step`, `b` at its console) stops before: live calls.

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
The table, its numbers and its hit rule are replay's (`replay/breakpoints.py`).

Unlike replay's targets, one is not checked against the recording: a rerun may make calls the
recording never saw. Only its form is checked, and a component must be one the tracer knows.
"""

from __future__ import annotations

import difflib
import fnmatch
from typing import TYPE_CHECKING, Callable

from ..model.calls import CallAddress
from ..model.events import COMPONENTS
from ..replay.breakpoints import BreakpointError, BreakpointTable, BreakpointTarget
from ..replay.view import EventView

if TYPE_CHECKING:
    from ..rerun.answerer import PendingCall

Match = Callable[["PendingCall"], bool]
_EXAMPLES = "e.g. b llm, b tool:search, b tool:search#2, b errors, b tool:search if inputs.query == \"x\""


def call_breakpoints() -> BreakpointTable:
    """The breakpoint table of a rerun (read its hits with `call_view`)."""
    return BreakpointTable(parse_target, _EXAMPLES, 'e.g. b tool:search if inputs.query == "x"')


def call_view(pending: PendingCall) -> EventView:
    """The call as a condition (and `p`) reads it."""
    return EventView(0, pending.view())


def parse_target(text: str) -> BreakpointTarget:
    """The test of a live call that a target stands for."""
    return BreakpointTarget(text, _match(text))


def _match(text: str) -> Match:
    if text == "errors":
        return _errors
    if text.startswith("@"):
        raise BreakpointError(f"{text}: a rerun has no seqs to stop at (its events are not written yet)",
                              hint="name the call instead: b tool:search#2")
    if ":" in text:
        return _call(text)
    if text in COMPONENTS:
        return lambda pending: pending.live.component == text
    if text.endswith("_start"):
        return lambda pending: f"{pending.live.prefix}_start" == text
    if text.endswith("_end"):
        raise BreakpointError(f"{text}: a rerun stops before a call, at its start",
                              hint=f"b {text.removesuffix('_end')}_start")
    return lambda pending: fnmatch.fnmatchcase(pending.live.name, text)


def _errors(pending: PendingCall) -> bool:
    answer = pending.answer
    return pending.miss is not None or (answer is not None and answer.error is not None)


def _call(text: str) -> Match:
    component, name, number = CallAddress.parse(text, BreakpointError)
    if not component or not name:
        raise BreakpointError(f"{text}: a call is component:name", hint="e.g. b tool:search, b llm:planner#2")
    if not any(fnmatch.fnmatchcase(known, component) for known in COMPONENTS):
        close = difflib.get_close_matches(component, COMPONENTS, n=2, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else f"components: {', '.join(COMPONENTS)}"
        raise BreakpointError(f"{text}: {component} is not a component", hint=hint)
    return lambda pending: (fnmatch.fnmatchcase(pending.live.component, component)
                            and fnmatch.fnmatchcase(pending.live.name, name)
                            and (number is None or pending.live.number == number))
