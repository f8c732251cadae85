"""The agent rules' registry: a rule that needs a failed step or a tool call an answer asked for
(`registry.NEEDS`), which the collector leaves out for an agent whose steps hold none, finds something on an agent
that has it and nothing on the same agent without it; leaving rules out keeps the others' order."""

from __future__ import annotations

from support.handsteps import step
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.diagnosis.rules.registry import ASKED, EVERYTHING, FAILED, NEEDS, agent_rules, holds
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def retried(failed: bool = True, asked: bool = True) -> list[Step]:
    """The model asking four times for get_weather (with arguments of the wrong type, and once for a tool it was
    not offered) or only saying it calls it, the tool answering each time (failing the same way, or completing),
    then a claim that all passed."""
    steps: list[Step] = []
    for index in range(4):
        asks = (ToolAsk("get_weather", '{"city": 7}', f"c{index}", True, {"city": 7}),
                ToolAsk("get_time", "{}", f"t{index}", True, {})) if asked else ()
        ended = dict(status="failed", error_type="KeyError", error_message="'Paris, FR'") if failed else {}
        steps += [step(10 * index, "llm", "chat", asked=asks, offered=("get_weather",), schemas_key=1,
                       text=None if asked else "Calling get_weather."),
                  step(10 * index + 2, "tool", "get_weather", asked_by=10 * index, inputs_key=7,
                       arguments='{"city": 7}', **ended)]
    return steps + [step(50, "llm", "chat", text="Checked: all tests pass now.")]


def kinds(steps: list[Step], needing: int) -> set[str]:
    agent = AgentSteps(RUN, "a1", "weather", 0, status="failed", steps=steps)
    run = RunClues(RUN, 0, agents={"a1": "weather"}, schemas={1: {"get_weather": WEATHER}})
    return {finding.kind for rule, needs in NEEDS.items() if needs == needing
            for finding in rule(agent, run, Judging(Thresholds()))}


def test_the_rules_after_a_failure_find_it_and_nothing_once_nothing_failed() -> None:
    assert kinds(retried(), FAILED) >= {"tool_failing_repeatedly", "success_claimed_after_failure"}
    assert kinds(retried(failed=False), FAILED) == set()


def test_the_rules_of_asked_calls_find_them_and_nothing_once_nothing_was_asked() -> None:
    assert kinds(retried(), ASKED) >= {"unknown_tool", "bad_tool_arguments"}
    assert kinds(retried(asked=False), ASKED) == set()


def test_what_steps_hold_is_a_failure_and_an_ask_as_bits() -> None:
    assert holds(retried()) == EVERYTHING
    assert holds(retried(failed=False)) == ASKED
    assert holds(retried(asked=False)) == FAILED
    assert holds(retried(failed=False, asked=False)) == 0


def test_an_agent_is_judged_by_the_rules_its_steps_can_satisfy_in_their_order() -> None:
    every = agent_rules()
    assert set(NEEDS) <= set(every)
    for held in range(EVERYTHING + 1):
        assert agent_rules(held) == [rule for rule in every if not NEEDS.get(rule, 0) & ~held]
    assert len(agent_rules(0)) == len(every) - len(NEEDS)
