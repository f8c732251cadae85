"""What a replay breakpoint stops at: positions of the recorded run, checked against it when set.

A target that can never stop is an error naming the nearest recorded candidates:

    llm_call_start    an event type
    llm               a component: the start of each of its calls, and its instant events
    tool:search       a component's calls by name (shell patterns such as tool:search* too)
    tool:search#3     the third such call
    search            a name, whatever the component
    @120              the event with seq 120
    errors            an event with status failed, or an error_occurred event (not one a mock replaced)
"""

from __future__ import annotations

import fnmatch
from typing import Callable

from ..model.calls import CallAddress
from ..model.events import COMPONENTS
from .breakpoints import BreakpointError, BreakpointTable, BreakpointTarget
from ..recording.misses import nearest_recorded, no_such_call
from ..recording.timeline import END, Timeline, as_number

_PATTERN_CHARS = "*?["


def event_breakpoints(timeline: Timeline, mocked: Callable[[int], bool] | None = None) -> BreakpointTable:
    """The breakpoint table of a replay; `mocked(i)` says whether a mock replaced the result at position i
    (a mocked failure is no error)."""
    mocked = mocked or (lambda index: False)
    return BreakpointTable(lambda text: parse_target(text, timeline, mocked),
                           "e.g. b llm, b tool:search#2, b errors, b @12", "e.g. b llm if duration_ms > 500")


def parse_target(text: str, timeline: Timeline,
                 mocked: Callable[[int], bool] = lambda index: False) -> BreakpointTarget:
    """A target, checked against what the run recorded."""
    t = timeline
    if text == "errors":
        return BreakpointTarget(text, _errors(t, mocked))
    if text.startswith("@"):
        return BreakpointTarget(text, _seq(text, t))
    if ":" in text:
        return BreakpointTarget(text, _call(text, t))
    if text in COMPONENTS or t.components.find(text) is not None:
        return BreakpointTarget(text, _component(text, t))
    code = t.types.find(text)
    if code is not None:
        return BreakpointTarget(text, lambda j: t.type_code[j] == code)
    names = _name_codes(text, t)
    if names:
        return BreakpointTarget(text, lambda j: t.name_code[j] in names and t.kind[j] != END)
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


def _call(text: str, t: Timeline) -> Callable[[int], bool]:
    component, name, number = CallAddress.parse(text, BreakpointError)
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
