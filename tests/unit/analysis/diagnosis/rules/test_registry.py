"""The agent rules' registry: the rules that need a failed step (`registry.AFTER_FAILURE`), which the collector
leaves out for an agent with none, find something on a failing agent and nothing on the same agent once nothing
failed; leaving them out keeps the others' order."""

from __future__ import annotations

from support.handsteps import step
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.diagnosis.rules.registry import AFTER_FAILURE, agent_rules
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"


def retried(failed: bool) -> list[Step]:
    """The model asking for get_weather four times with the same arguments, the tool answering each time
    (failing the same way, or completing), then a claim that all passed."""
    steps: list[Step] = []
    for index in range(4):
        ask = ToolAsk("get_weather", '{"city": "Paris, FR"}', f"c{index}", True, {"city": "Paris, FR"})
        ended = dict(status="failed", error_type="KeyError", error_message="'Paris, FR'") if failed else {}
        steps += [step(10 * index, "llm", "chat", asked=(ask,)),
                  step(10 * index + 2, "tool", "get_weather", asked_by=10 * index, inputs_key=7,
                       arguments='{"city": "Paris, FR"}', **ended)]
    return steps + [step(50, "llm", "chat", text="Checked: all tests pass now.")]


def found(steps: list[Step]) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "weather", 0, status="failed", steps=steps)
    run = RunClues(RUN, 0, agents={"a1": "weather"})
    return [finding for rule in AFTER_FAILURE for finding in rule(agent, run, Judging(Thresholds()))]


def test_the_rules_after_a_failure_find_it_on_a_failing_agent() -> None:
    kinds = {finding.kind for finding in found(retried(failed=True))}
    assert kinds >= {"tool_failing_repeatedly", "success_claimed_after_failure"}


def test_the_rules_after_a_failure_find_nothing_once_nothing_failed() -> None:
    assert found(retried(failed=False)) == []


def test_an_agent_without_a_failure_is_judged_by_the_other_rules_in_their_order() -> None:
    every = agent_rules()
    assert AFTER_FAILURE <= set(every)
    assert agent_rules(failed=False) == [rule for rule in every if rule not in AFTER_FAILURE]
