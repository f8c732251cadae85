"""The nearest recorded calls a miss offers (`rerun/candidates.py`): calls of the missed call's kind only, and
reasons that state only what the recording holds."""

from __future__ import annotations

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@trace_llm_call(name="ask")
def ask(prompt: str) -> str:
    return f"answer to {prompt}"


@trace_tool_call(name="search")
def search(query: str) -> str:
    return f"found {query}"


@trace_agent_execution(name="a")
def agent_a(prompts: list[str]) -> list[str]:
    return [ask(prompt) for prompt in prompts]


@trace_agent_execution(name="b")
def agent_b(prompts: list[str]) -> list[str]:
    return [ask(prompt) for prompt in prompts]


def missed(recorded, changed):
    """The one miss of a rerun of `recorded()` whose app is `changed`."""
    _, events = record(recorded)
    result, _, session = rerun(events, changed)
    assert isinstance(result, RerunMiss), result
    [miss] = session.tally.misses
    return miss


def occurrence(candidate) -> str:
    return next(reason for reason in candidate.reasons if reason.startswith("occurrence:"))


def test_a_missed_llm_call_is_offered_llm_calls_only() -> None:
    def recorded() -> None:
        with span("chain", "pipeline"):
            search("x")
            agent_a(["p"])
            agent_b(["q"])

    def changed() -> None:
        with span("chain", "pipeline"):
            search("x")
            agent_a(["p", "r"])

    miss = missed(recorded, changed)
    assert miss.call == "llm:ask#2"
    assert [candidate.key for candidate in miss.candidates] == ["llm:ask#1", "llm:ask#2"]  # no tool, agent, chain
    assert not any(reason.startswith("component:") for c in miss.candidates for reason in c.reasons)


def test_with_no_call_of_its_kind_recorded_none_is_offered() -> None:
    def changed() -> None:
        agent_a(["p"])
        search("x")

    miss = missed(lambda: agent_a(["p"]), changed)
    assert (miss.call, miss.candidates) == ("tool:search#1", ())


def test_the_occurrence_reason_names_the_recordings_call_of_that_number_under_another_span() -> None:
    # recorded: llm:ask#1 under agent a, llm:ask#2 under agent b; the rerun asks twice under agent a
    miss = missed(lambda: (agent_a(["p"]), agent_b(["q"])), lambda: agent_a(["p", "q"]))
    first, second = miss.candidates
    assert first.key == "llm:ask#2"  # it asks what the rerun's call asks
    assert occurrence(second) == ("occurrence: recorded as llm:ask#1 there; this call is #2 there, and the "
                                  "recording has none there (its llm:ask#2 is under agent:b#1)")
    assert not any("has no #2" in reason for reason in second.reasons)


def test_the_occurrence_reason_says_when_the_recording_has_no_such_call_anywhere() -> None:
    miss = missed(lambda: agent_a(["p"]), lambda: agent_a(["p", "q"]))
    [only] = miss.candidates
    assert occurrence(only) == ("occurrence: recorded as llm:ask#1 there; this call is #2 there, and the "
                                "recording has no llm:ask#2")


def test_the_occurrence_reason_names_the_recordings_call_there_that_asked_something_else() -> None:
    # recorded: ask(p), ask(q) under agent a; the rerun asks p, then p again: strict matching misses it
    _, events = record(lambda: agent_a(["p", "q"]))
    result, _, session = rerun(events, lambda: agent_a(["p", "p"]), strict=True)
    assert isinstance(result, RerunMiss), result
    [miss] = session.tally.misses
    by_key = {candidate.key: candidate for candidate in miss.candidates}
    assert occurrence(by_key["llm:ask#1"]) == ("occurrence: recorded as llm:ask#1 there; this call is #2 there, "
                                               "and the recording's #2 there (llm:ask#2) asks something else")
