"""`rerun/budget.py`: a live model call takes from the budget before it is sent; the one that finds it spent stops
the rerun (a RerunStop: the app is stopped there, nothing is sent)."""

from __future__ import annotations

import threading

import pytest

from namel3ss_debug.model.rerun_protocol import RerunStop
from namel3ss_debug.rerun.budget import BudgetSpent, CallBudget


def test_the_call_past_the_budget_is_refused_before_it_goes():
    budget = CallBudget(2)
    budget.take("llm:openai.chat")
    budget.take("llm:openai.chat")
    with pytest.raises(BudgetSpent, match="llm:openai.chat was not sent: the budget of 2 model calls"):
        budget.take("llm:openai.chat")
    assert (budget.spent, budget.left) == (2, 0)
    assert issubclass(BudgetSpent, RerunStop)  # it stops the rerun as a miss does


def test_no_limit_counts_only():
    budget = CallBudget()
    for _ in range(5):
        budget.take("llm:x")
    assert (budget.spent, budget.left) == (5, None)


def test_threads_never_take_more_than_the_budget():
    budget = CallBudget(50)
    refused: list[int] = []

    def take() -> None:
        for _ in range(20):
            try:
                budget.take("llm:x")
            except BudgetSpent:
                refused.append(1)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (budget.spent, len(refused)) == (50, 160 - 50)
