"""`rerun/budget.py`: a live model call takes from the budget before it is sent; the one that finds it spent stops
the rerun (a RerunStop: the app is stopped there, nothing is sent)."""

from __future__ import annotations

import threading

import pytest

from support.rerunhelpers import record

from namel3ss_debug import get_tracer, trace_llm_call
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.model.rerun_protocol import RerunStop
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.budget import BudgetSpent, Budgeted, CallBudget
from namel3ss_debug.rerun.fork import ForkPlan
from namel3ss_debug.rerun.fork_policy import ForkPolicy
from namel3ss_debug.testing.capture import capture_events


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


def test_a_fork_stops_at_the_call_past_the_budget_before_it_runs():
    ran: list[str] = []

    @trace_llm_call(name="chat")
    def chat(prompt: str) -> str:
        ran.append(prompt)
        return f"said {prompt}"

    def app() -> list[str]:
        return [chat(f"step {number}") for number in range(1, 5)]

    _, events = record(app)
    ran.clear()
    budget = CallBudget(2)
    session = Budgeted(Recording(timeline_of(events, "old.jsonl"), PathTable()),
                       ForkPolicy(plan=ForkPlan("llm:chat#2", "reask")), budget, inputs_of=recorded_form)
    get_tracer().rerun = session
    try:
        with capture_events():
            with pytest.raises(BudgetSpent, match="llm:chat was not sent: the budget of 2 model calls"):
                app()
    finally:
        get_tracer().rerun = None
    assert (ran, budget.spent) == (["step 2", "step 3"], 2)  # call 1 answered from the recording, 4 never sent
