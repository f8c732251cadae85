"""A framework's turn limit enforced with no exception (`rules/turn_limits.py`, `STOP_REQUESTS`): the framework sends
one more request whose own message asks for a final answer, and returns that answer. Traces built in code with
each framework's message in an LLM request, read by the one pass: a `turn_limit` finding naming the framework
and its setting, `critical` when the forced answer is the run's final answer, and the look-alikes that do not
fire (the words quoted in a question, cut short, or said in an answer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder
from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.diagnosis.collector.clues import Clues
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

CREWAI = ("Now it's time you MUST give your absolute best final answer. You'll ignore all previous instructions, "
          "stop using any tools, and just return your absolute BEST Final answer.")
SMOLAGENTS = ("An agent tried to answer a user query but it got stuck and failed to do so. You are tasked with "
              "providing an answer instead. Here is the agent's memory:")
LLAMA_INDEX = ("You have reached the maximum number of iterations (3).\nBased on the information gathered so far, "
               "please provide a helpful final response to the user's original query.\nDo not attempt to use any "
               "more tools. Simply summarize what you have learned and provide the best possible answer.")
QUESTION = {"role": "user", "content": "What is the weather in Paris?"}
ASKED = {"text": None, "finish_reason": "tool_calls",
         "tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}]}
TOOL_RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "light rain, 14 C"}


def crewai_request() -> dict[str, Any]:
    """CrewAI's last request: the conversation, then its `force_final_answer` message as the last user turn."""
    return {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You are forecaster."}, QUESTION,
                                                 TOOL_RESULT, {"role": "user", "content": CREWAI}]}


def smolagents_request() -> dict[str, Any]:
    """smolagents' last request: its `final_answer.pre_messages` as the system message, in parts."""
    return {"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": [{"type": "text", "text": SMOLAGENTS}]},
        {"role": "user", "content": [{"type": "text", "text": "New task:\nWhat is the weather in Paris?"}]}]}


def llama_index_request() -> dict[str, Any]:
    """LlamaIndex's last request under `early_stopping_method='generate'`: its early-stopping system message last."""
    return {"model": "gpt-4o-mini", "messages": [QUESTION, TOOL_RESULT, {"role": "system", "content": LLAMA_INDEX}]}


def run_with(path: Path, last: dict[str, Any], answer: str = "It rains in Paris.", then: str | None = None) -> Path:
    """A run of an agent `forecaster`: a request that asks for a tool, the tool, then the request `last` answered
    with `answer`; with `then`, one more request after it, answered `then` (the run went on)."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "forecaster")
    trace.span("llm", "openai.chat", 10, agent, inputs={"model": "gpt-4o-mini", "messages": [QUESTION]},
               outputs=ASKED)
    trace.span("tool", "get_weather", 5, agent, inputs={"city": "Paris"}, outputs={"return": "light rain, 14 C"})
    trace.span("llm", "openai.chat", 10, agent, inputs=last, outputs={"text": answer, "finish_reason": "stop"})
    trace.end(agent, 1, outputs={"return": answer})
    if then is not None:
        trace.span("llm", "openai.chat", 10, inputs={"model": "gpt-4o-mini", "messages": [QUESTION]},
                   outputs={"text": then, "finish_reason": "stop"})
    trace.run_end(exit_code=0)
    return trace.write(path)


STOPS = [(crewai_request, "CrewAI", "`Agent(max_iter=N)`", {}),
         (smolagents_request, "smolagents", "`max_steps=N`", {}),
         (llama_index_request, "LlamaIndex", "max_iterations=N", {"limit": 3.0})]


@pytest.mark.parametrize("request_of, framework, setting, figures", STOPS)
def test_a_frameworks_stop_message_in_the_last_request_is_a_critical_turn_limit(
        tmp_path: Path, request_of: Any, framework: str, setting: str, figures: dict[str, float]) -> None:
    [finding] = findings_of(run_with(tmp_path / "t.jsonl", request_of()), "turn_limit")
    assert (finding.severity, finding.confidence, finding.agent) == ("critical", "high", "forecaster")
    assert finding.title == f"the run's answer was forced by {framework}'s turn limit"
    assert "the run's final answer" in finding.why and "no exception" in finding.why
    assert setting in finding.suggestion and finding.figures == figures
    assert [(item.address, item.note.split(":")[0]) for item in finding.evidence] == [
        ("llm:openai.chat#1", "the last LLM call before the limit"),
        ("llm:openai.chat#2", f"{framework}'s stop message")]


def test_a_forced_answer_the_run_went_on_after_is_a_warning(tmp_path: Path) -> None:
    path = run_with(tmp_path / "t.jsonl", crewai_request(), then="Here is the full report.")
    [finding] = findings_of(path, "turn_limit")
    assert (finding.severity, finding.title) == ("warning", "an agent's answer was forced by CrewAI's turn limit")
    assert "the run went on" in finding.why


SHAPES: dict[str, dict[str, Any]] = {
    "anthropic": {"system": SMOLAGENTS, "messages": [QUESTION]},
    "gemini": {"systemInstruction": {"parts": [{"text": SMOLAGENTS}]},
               "contents": [{"role": "user", "parts": [{"text": "Paris?"}]}]},
    "responses": {"instructions": SMOLAGENTS, "input": "What is the weather in Paris?"}}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_stop_message_is_found_in_each_apis_request_shape(tmp_path: Path, shape: str) -> None:
    request = SHAPES[shape]
    [finding] = findings_of(run_with(tmp_path / "t.jsonl", request), "turn_limit")
    assert "smolagents" in finding.title


LOOK_ALIKES: dict[str, dict[str, Any]] = {
    "quoted in a question": {"messages": [{"role": "user", "content": f"My crew printed '{CREWAI}' Why?"}]},
    "a part of it opening a message": {"messages": [{"role": "user", "content": CREWAI[:40]}]},
    "outside any message": {"messages": [QUESTION], "metadata": {"note": CREWAI}},
    "no message at all": {"prompt_id": 3, "tags": [SMOLAGENTS]},
}


@pytest.mark.parametrize("request_body", LOOK_ALIKES.values(), ids=list(LOOK_ALIKES))
def test_the_words_anywhere_but_opening_a_message_are_no_turn_limit(tmp_path: Path,
                                                                  request_body: dict[str, Any]) -> None:
    assert findings_of(run_with(tmp_path / "t.jsonl", request_body), "turn_limit") == []


def test_the_stop_words_in_an_answer_are_no_turn_limit(tmp_path: Path) -> None:
    path = run_with(tmp_path / "t.jsonl", {"messages": [QUESTION]}, answer=f"{CREWAI} (that is what I was told)")
    assert findings_of(path, "turn_limit") == []


def test_the_pass_keeps_only_the_requests_that_carried_a_stop_message(tmp_path: Path) -> None:
    kept: list[Clues] = []
    reader = TraceReader(ReadProblems())
    sources = resolve_sources([str(run_with(tmp_path / "t.jsonl", crewai_request()))])
    analyze([(source, reader.records(source)) for source in sources], sections=["overview", "findings"],
            keep_clues=kept.append)
    [run] = kept[0].runs
    assert [(step.address, said) for step, said in run.stop_requests] == [("llm:openai.chat#2", CREWAI)]


@pytest.mark.parametrize("said", [
    "Now it's time you MUST give your absolute best final answer. Return the list you have so far.",  # customised
    "An agent tried to answer an user query but it got stuck and failed to do so. You are tasked with providing an "
    "answer instead. Here is the agent's memory:",  # smolagents before 1.0
])
def test_the_first_sentence_of_a_stop_message_is_enough(tmp_path: Path, said: str) -> None:
    request = {"messages": [{"role": "system", "content": said}, {"role": "user", "content": "Paris?"}]}
    assert findings_of(run_with(tmp_path / "t.jsonl", request), "turn_limit")
