"""The diagnosis rules, one file per family (`limits`, the largest, in two: `turn_limits.py` and `limits.py`). Each
file lists its rules in `AGENT_RULES` (judged when an agent execution ends, over its steps) and `RUN_RULES` (judged
once the run is read, over the run's clues and figures); `registry.py` gathers them (apart from this module, which
the families import).

A rule is a pure function that returns the findings it is sure enough of (`analysis/thresholds.py` says where each
stops), each with its evidence, its why (the rule and the figures) and what to try. It never raises on odd data: a step
without the field it needs is passed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ...records.report import CriticalPath, Loop, RepeatedCall, Retry, SlowSpan
from ...thresholds import Judging
from ...records.findings import Finding
from ..notes.steps import AgentSteps, RunClues


@dataclass(frozen=True)
class RunFigures:
    """The report's figures of one run that run rules read (computed once, in `build.py`)."""

    run_id: str
    critical_path: CriticalPath | None = None
    slow: tuple[SlowSpan, ...] = ()
    retries: tuple[Retry, ...] = ()
    repeated_calls: tuple[RepeatedCall, ...] = ()
    loops: tuple[Loop, ...] = ()


AgentRule = Callable[[AgentSteps, RunClues, Judging], Iterable[Finding]]
RunRule = Callable[[RunClues, RunFigures, Judging], Iterable[Finding]]
