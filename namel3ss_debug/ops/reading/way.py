"""A way of reading a plan's runs (`Way`: whole, in batches, in parts, by a given reader), and what a read gives
(`ReadResult`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ...analysis.prices import Pricer
from ...analysis.records.report import Report
from ...store.problems import ReadProblems
from ..environment import Environment
from .watching import Watching

if TYPE_CHECKING:
    from .plan import ReadPlan


@dataclass(frozen=True)
class ReadResult:
    """What a read gives: the report, what the reading met, and how many records it read."""

    report: Report
    problems: ReadProblems
    events: int


class Way(Protocol):
    """How a plan's runs are read into one report (`whole.Whole`, `batches.Batches`, `parts.Parts`,
    `given.GivenReader`)."""

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> ReadResult: ...
