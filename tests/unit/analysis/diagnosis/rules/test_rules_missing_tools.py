"""The `missing_tool` rule (`rules/missing_tools.py`'s docstring states it) over hand-built steps: a model asking
again and again for a tool the app does not have, seen in the request's tools or in the app's answers (each
framework's words as its installed version writes them); and the runs that look alike but are not (a tool that
exists and fails, an ask nothing recorded an answer to, fewer asks than the threshold)."""

from __future__ import annotations

from typing import Any

import pytest
from support.handsteps import step

from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules.missing_tools import missing_tool
from namel3ss_debug.analysis.diagnosis.rules.missing_words import says_missing
from namel3ss_debug.analysis.diagnosis.rules.tools import tool_failing_repeatedly
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
RAW_LOOP = "error: no tool named web_search"


def judged(steps: list[Step], rule: Any = missing_tool, status: str = "completed", **thresholds: Any) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "assistant", 0, status=status, steps=steps)
    return list(rule(agent, RunClues(RUN, 0, agents={"a1": "assistant"}), Judging(Thresholds(**thresholds))))


def asking(seq: int, name: str = "web_search", offered: tuple[str, ...] | None = None) -> Step:
    return step(seq, "llm", "chat", asked=(ToolAsk(name, '{"query": "news"}', f"call_{seq}"),), offered=offered)


def refused(seq: int, asker: int, words: str = RAW_LOOP, name: str = "web_search") -> Step:
    """The app's answer to the call, made from the wire, read as an error (as the raw openai loop records it)."""
    return step(seq, "tool", name, status="failed", error_type="ToolError", error_message=words, handled=True,
                inferred=True, source="wire", tool_call_id=f"call_{asker}", asked_by=asker,
                arguments='{"query": "news"}')


def refusals(times: int, words: str = RAW_LOOP, offered: tuple[str, ...] | None = None) -> list[Step]:
    steps: list[Step] = []
    for index in range(times):
        steps += [asking(10 * index, offered=offered), refused(10 * index + 2, 10 * index, words)]
    return steps + [step(10 * times, "llm", "chat", text="I could not search the web.")]


def test_a_model_told_four_times_there_is_no_such_tool_is_said_once() -> None:
    [finding] = judged(refusals(4))
    assert (finding.kind, finding.severity, finding.confidence) == ("missing_tool", "critical", "high")
    assert finding.title == "the model asked 4 times for `web_search`, a tool the app does not have"
    assert "threshold 3, diagnose_missing_tool_asks" in finding.why and RAW_LOOP in finding.why
    assert finding.setting == "diagnose_missing_tool_asks" and finding.figures == {"asks": 4.0}
    assert [item.address for item in finding.evidence] == ["llm:chat#0", "tool:web_search#2", "llm:chat#30"]
    assert "give the app a `web_search` tool" in finding.suggestion
    assert "tell the model which tools exist" in finding.suggestion


def test_the_request_s_tools_alone_show_the_tool_missing() -> None:
    # no answer step recorded (a decorated app's own dispatch): the requests offered get_weather only
    steps = [asking(seq, offered=("get_weather",)) for seq in (0, 10, 20)]
    steps += [step(30, "tool", "get_weather", result='{"sky": "sunny"}'), step(32, "llm", "chat", text="Sunny.")]
    [finding] = judged(steps)
    assert finding.severity == "warning"  # it moved on to a tool it has and completed it
    assert "the request offered get_weather" in finding.why and finding.figures == {"asks": 3.0, "offered": 1.0}
    assert "(get_weather)" in finding.suggestion


def test_fewer_asks_than_the_threshold_are_unknown_tool_s_not_this_rule_s() -> None:
    assert judged(refusals(2)) == []
    assert [finding.kind for finding in judged(refusals(2), missing_tool_asks=2)] == ["missing_tool"]


def test_an_ask_with_neither_tools_nor_an_answer_recorded_says_nothing() -> None:
    # a tool the app may run untraced: no request's tools, no answer to read
    assert judged([asking(seq) for seq in (0, 10, 20, 30)]) == []


def test_a_tool_that_ran_is_a_tool_the_app_has() -> None:
    steps = refusals(3) + [asking(40), step(42, "tool", "web_search", asked_by=40, result='["news"]')]
    assert judged(steps) == []


def test_a_tool_that_exists_and_fails_is_not_missing() -> None:
    steps = refusals(4, words="Error in tool web_search: page not found")
    assert judged(steps) == []
    assert [finding.kind for finding in judged(steps, tool_failing_repeatedly)] == ["tool_failing_repeatedly"]


def test_tool_failing_repeatedly_steps_aside_for_a_missing_tool() -> None:
    assert judged(refusals(4), tool_failing_repeatedly) == []
    # below missing_tool's threshold, nothing else says it: the failures are still said
    assert len(judged(refusals(4), tool_failing_repeatedly, missing_tool_asks=5)) == 1


# each framework's words for a tool it does not have, as its installed version writes them (see the rule's docstring)
FRAMEWORK_WORDS = {
    "langgraph": "Error: web_search is not a valid tool, try one of [get_weather].",
    "pydantic-ai": "Unknown tool name: 'web_search'. Available tools: 'get_weather'",
    "smolagents": "Unknown tool web_search, should be one of: get_weather, final_answer.",
    "strands": "Unknown tool: web_search",
    "openai-agents": "Tool 'web_search' not found.",
    "openai-agents in agent": "Tool web_search not found in agent assistant",
    "llama-index": "Tool web_search not found. Please select a tool that is available.",
    "haystack": "Tool 'web_search' not found. Available tools: get_weather",
    "google-adk": "Tool 'web_search' not found.\nAvailable tools: get_weather",
    "autogen workbench": "Error: tool 'web_search' not found in any workbench",
    "autogen tool agent": "Error: Tool not found: web_search",
    "crewai": "Action 'web_search' don't exist, these are the only available Actions:\nTool Name: get_weather",
    "agno": "Error: The requested tool does not exist or is not available.",
    "raw loop": RAW_LOOP,
    "raw loop, such": "no such tool: web_search",
}
NOT_MISSING = {
    "a data error in the tool": "Error in tool web_search: page not found",
    "another tool missing": "Error: get_forecast is not a valid tool, try one of [web_search].",
    "a key error": "KeyError: 'web_search'",
    "no results": "no results for web_search",
    "a longer name": "Unknown tool web_search_v2, should be one of: web_search.",
}


@pytest.mark.parametrize("words", list(FRAMEWORK_WORDS.values()), ids=list(FRAMEWORK_WORDS))
def test_each_framework_s_words_for_a_missing_tool_are_read(words: str) -> None:
    assert says_missing(refused(2, 0, words), "web_search")
    assert [finding.kind for finding in judged(refusals(3, words))] == ["missing_tool"]


@pytest.mark.parametrize("words", list(NOT_MISSING.values()), ids=list(NOT_MISSING))
def test_words_that_do_not_say_this_tool_is_missing_are_not_read_so(words: str) -> None:
    assert not says_missing(refused(2, 0, words), "web_search")


def test_a_result_sent_back_as_text_is_read_too() -> None:
    answer = step(2, "tool", "web_search", result=FRAMEWORK_WORDS["langgraph"], source="wire", tool_call_id="call_0")
    assert says_missing(answer, "web_search")
