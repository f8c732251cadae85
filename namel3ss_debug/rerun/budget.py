"""A budget of model calls across a command's reruns (`diagnose --experiment`'s `--max-calls`): each LLM call the
rerun lets go live takes one before it is sent, and the one that finds the budget spent stops the run there
(`RerunStop`: the app is stopped, nothing is sent), so the command never sends more than it was allowed.

    budget = CallBudget(40)
    session = Budgeted(recording, policy, budget)   # a Rerun whose live LLM calls take from the budget
    budget.spent, budget.left
"""

from __future__ import annotations

import threading
from typing import Callable

from ..model.json_types import Foreign
from ..model.rerun_protocol import AnsweredSpan, Asked, RerunStop
from .answerer import Rerun
from .answers import Answer
from .policy import Policy
from ..recording.calls import Recording

LLM = "llm"


class BudgetSpent(RerunStop):
    """A live model call refused because the budget is spent: the rerun stops before sending it."""


class CallBudget:
    """At most `most` live model calls (None: no limit), counted as they are taken; safe across threads."""

    def __init__(self, most: int | None = None):
        self.most = most
        self.spent = 0
        self._lock = threading.Lock()

    @property
    def left(self) -> int | None:
        return None if self.most is None else self.most - self.spent

    def take(self, call: str) -> None:
        """Count one model call about to go live; BudgetSpent, before it is sent, when none is left."""
        with self._lock:
            if self.most is not None and self.spent >= self.most:
                raise BudgetSpent(f"{call} was not sent: the budget of {self.most} model calls (--max-calls) "
                                  "is spent")
            self.spent += 1


class Budgeted(Rerun):
    """A rerun whose LLM calls that go live take from `budget` first."""

    def __init__(self, recording: Recording, policy: Policy, budget: CallBudget,
                 inputs_of: Callable[[str, Foreign], Foreign] | None = None):
        super().__init__(recording, policy, inputs_of=inputs_of)
        self.budget = budget

    def answer(self, asked: Asked, span: AnsweredSpan, inputs: Foreign) -> Answer | None:
        answer = super().answer(asked, span, inputs)
        if answer is None and asked.component == LLM:
            self.budget.take(f"{asked.component}:{asked.name}")
        return answer
