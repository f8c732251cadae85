"""The limit rules over hand-built steps (`rules/turn_limits.py`'s and `rules/limits.py`'s docstrings state them):
a run ended by a framework's turn limit or by a context-window error, a prompt near its model's window with the call
at which it overflows, a prompt growing call after call with the cost of the growth, and the look-alikes that do not
fire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.handsteps import step
from support.findingtraces import findings_of, traced
from namel3ss_debug import trace_agent_execution, trace_llm_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.limits import (context_near_limit, context_overflow, growth_cost,
                                                            overflow_call, prompt_growth)
from namel3ss_debug.analysis.diagnosis.rules.turn_limits import turn_limit
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
WINDOWS = {"gpt-4o": 128_000, "small": 10_000}


def llm(seq: int, tokens: int | None, model: str = "gpt-4o", **fields: Any) -> Step:
    return step(seq, "llm", "chat", model=model, input_tokens=tokens, **fields)


def error(seq: int, kind: str, message: str, component: str = "app", name: str = "error") -> Step:
    return step(seq, component, name, status="failed", error_type=kind, error_message=message)


def judging(**thresholds: Any) -> Judging:
    return Judging(Thresholds(**thresholds), WINDOWS.get)


def run_of(steps: list[Step], errors: list[Step], **fields: Any) -> RunClues:
    return RunClues(RUN, 0, agents={"a1": "weather"}, opening=steps, recent=steps, errors=errors, **fields)


def run_findings(rule: Any, run: RunClues) -> list[Finding]:
    return list(rule(run, RunFigures(RUN), judging()))


def agent_findings(rule: Any, steps: list[Step], **thresholds: Any) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "weather", 0, steps=steps)
    return list(rule(agent, RunClues(RUN, 0, agents={"a1": "weather"}), judging(**thresholds)))


# -- turn_limit --------------------------------------------------------------------------------------------------
LIMIT_ERRORS = [
    ("agents.exceptions.MaxTurnsExceeded", "Max turns (3) exceeded", "openai-agents", 3),
    ("GraphRecursionError", "Recursion limit of 25 reached without hitting a stop condition.", "LangGraph", 25),
    ("AgentMaxStepsError", "Reached max steps.", "smolagents", None),
    ("UsageLimitExceeded", "The next request would exceed the request_limit of 50", "pydantic-ai", 50),
    ("LlmCallsLimitExceededError", "Max number of llm calls limit of `500` exceeded", "Google ADK", 500),
    ("WorkflowRuntimeError", "Max iterations of 20 reached! Either something went wrong", "LlamaIndex", 20),
]


@pytest.mark.parametrize("kind, message, framework, limit", LIMIT_ERRORS)
def test_a_frameworks_turn_limit_error_that_ended_the_run_is_critical(kind: str, message: str, framework: str,
                                                                       limit: int | None) -> None:
    failed = error(9, kind, message)
    [finding] = run_findings(turn_limit, run_of([llm(1, 100), failed], [failed], status="failed"))
    assert (finding.kind, finding.severity, finding.confidence) == ("turn_limit", "critical", "high")
    assert framework in finding.title and [item.ref.seq for item in finding.evidence] == [1, 9]
    assert finding.evidence[0].note == "the last LLM call before the limit"
    assert finding.figures.get("limit") == limit and finding.agent == "weather"


def test_a_limit_the_app_survived_is_a_warning() -> None:
    failed = error(9, "MaxTurnsExceeded", "Max turns (10) exceeded")
    [finding] = run_findings(turn_limit, run_of([failed], [failed], status="completed", exit_code=0))
    assert finding.severity == "warning" and finding.title == "an agent was stopped by openai-agents's turn limit"
    assert "max_turns" in finding.suggestion


def test_a_frameworks_stop_text_as_the_final_answer_is_the_limit() -> None:
    answer = llm(7, 100, text="Agent stopped due to iteration limit or time limit.")
    run = run_of([answer], [], status="completed", final_text=answer.text, final_seq=7)
    [finding] = run_findings(turn_limit, run)
    assert finding.severity == "critical" and "LangChain" in finding.why
    assert [item.ref.seq for item in finding.evidence] == [7]


@pytest.mark.parametrize(("outermost", "severity", "title"), [
    (True, "critical", "the run was stopped by LangGraph's turn limit"),
    (False, "warning", "an agent was stopped by LangGraph's turn limit")])
def test_an_agents_answer_that_is_a_stop_text_written_with_no_llm_call_is_the_limit(
        outermost: bool, severity: str, title: str) -> None:
    asked = llm(7, 100)  # its answer asked for a tool: the graph answered in its place
    run = run_of([asked], [], status="completed", exit_code=0,
                 stopped_answer=("Sorry, need more steps to process this request.", "weather", outermost))
    [finding] = run_findings(turn_limit, run)
    assert (finding.severity, finding.title, finding.agent) == (severity, title, "weather")
    assert "remaining_steps" in finding.suggestion and [item.ref.seq for item in finding.evidence] == [7]


def test_an_agents_ordinary_answer_is_no_limit() -> None:
    run = run_of([llm(7, 100)], [], status="completed", exit_code=0, stopped_answer=None)
    assert run_findings(turn_limit, run) == []


def test_a_run_ended_with_the_limit_as_its_end_error_is_judged() -> None:
    run = run_of([], [], status="failed", end_error_type="MaxTurnsExceeded", end_error_message="Max turns (4) exceeded")
    [finding] = run_findings(turn_limit, run)
    assert finding.figures == {"limit": 4.0} and finding.evidence == []


def test_an_end_error_cites_the_last_llm_call_not_the_final_answer_as_the_limit() -> None:
    answer = llm(7, 100, text="Checking again.")
    run = run_of([answer], [], status="failed", end_error_type="MaxTurnsExceeded",
                 end_error_message="Max turns (4) exceeded", final_text=answer.text, final_seq=7)
    [finding] = run_findings(turn_limit, run)
    assert [(item.ref.seq, item.note) for item in finding.evidence] == [(7, "the last LLM call before the limit")]


def test_other_errors_and_token_budgets_are_not_turn_limits() -> None:
    failed = [error(3, "ValueError", "bad city"), error(5, "RecursionError", "maximum recursion depth exceeded"),
              error(7, "UsageLimitExceeded", "The next request would exceed the total_tokens_limit of 100")]
    assert run_findings(turn_limit, run_of(failed, failed, status="failed")) == []


# -- context_overflow --------------------------------------------------------------------------------------------
OVERFLOWS = [
    ("HTTP 400", "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512"),
    ("openai.BadRequestError", "Error code: 400 - {'error': {'code': 'context_length_exceeded'}}"),
    ("HTTP 400", "prompt is too long: 210432 tokens > 200000 maximum"),
    ("HTTP 400", "input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000"),
    ("HTTP 400", "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576)."),
    ("litellm.ContextWindowExceededError", "too long"),
]


@pytest.mark.parametrize("kind, message", OVERFLOWS)
def test_a_context_window_error_that_ended_the_run_is_critical(kind: str, message: str) -> None:
    failed = llm(9, None, status="failed", error_type=kind, error_message=message)
    steps = [llm(1, 90_000), llm(5, 120_000), failed]
    [finding] = run_findings(context_overflow, run_of(steps, [failed], status="failed"))
    assert (finding.kind, finding.severity) == ("context_overflow", "critical")
    assert [item.ref.seq for item in finding.evidence] == [5, 9]
    assert "120,000 tokens" in finding.why and "window 128,000 tokens" in finding.why
    assert finding.figures == {"errors": 1.0, "window": 128_000.0}


def test_an_overflow_the_app_trimmed_and_went_past_is_a_warning() -> None:
    failed = llm(5, None, status="failed", error_type="HTTP 400", error_message="prompt is too long: 9 > 8")
    steps = [llm(1, 100), failed, llm(7, 50)]
    [finding] = run_findings(context_overflow, run_of(steps, [failed], status="completed"))
    assert finding.severity == "warning" and "a later call of the same model completed" in finding.why


def test_a_bad_request_that_is_not_about_the_window_is_no_overflow() -> None:
    failed = llm(5, None, status="failed", error_type="HTTP 400", error_message="Invalid 'messages[1].role'")
    assert run_findings(context_overflow, run_of([failed], [failed], status="failed")) == []


# -- context_near_limit ------------------------------------------------------------------------------------------
def test_a_prompt_past_the_share_of_its_window_is_near_the_limit_with_the_overflow_call() -> None:
    steps = [llm(1, 6000, model="small"), llm(3, 7000, model="small"), llm(5, 8500, model="small")]
    [finding] = agent_findings(context_near_limit, steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("context_near_limit", "warning", "high")
    assert finding.figures["share"] == 0.85 and finding.figures["overflow_call"] == 5
    assert "85% of small's 10,000-token window (threshold 80%, diagnose_context_share)" in finding.why
    assert "passes the window at call 5" in finding.why and finding.setting == "diagnose_context_share"
    assert [item.ref.seq for item in finding.evidence] == [1, 3, 5]


def test_a_prompt_under_the_share_or_of_an_unknown_window_is_not_near_the_limit() -> None:
    assert agent_findings(context_near_limit, [llm(1, 7900, model="small")]) == []
    assert agent_findings(context_near_limit, [llm(1, 900_000, model="unknown-model")]) == []
    assert len(agent_findings(context_near_limit, [llm(1, 7900, model="small")], context_share=0.75)) == 1


def test_the_overflow_call_is_a_least_squares_line_of_the_last_prompts() -> None:
    assert overflow_call([1000, 2000, 3000], 5500) == 6
    assert overflow_call([5000, 5000], 5500) is None
    assert overflow_call([100, 9000, 2000, 3000, 4000, 5000, 6000], 10_000) == 11  # the first two are not fitted


# -- prompt_growth -----------------------------------------------------------------------------------------------
def grown(tokens: list[int], costs: list[float | None] | None = None) -> list[Step]:
    costs = costs or [0.01] * len(tokens)
    return [llm(2 * index + 1, count, cost_usd=cost) for index, (count, cost) in enumerate(zip(tokens, costs))]


def test_a_prompt_three_times_larger_after_four_growing_calls_is_a_warning_with_its_cost() -> None:
    [finding] = agent_findings(prompt_growth, grown([2000, 3000, 4400, 6000]))
    assert (finding.kind, finding.severity, finding.confidence) == ("prompt_growth", "warning", "high")
    assert finding.figures["extra_tokens"] == 1000 + 2400 + 4000 and finding.figures["growth"] == 3.0
    expected = 0.01 * 1000 / 3000 + 0.01 * 2400 / 4400 + 0.01 * 4000 / 6000
    assert abs(finding.figures["cost_usd"] - expected) < 1e-12 and "at most $0.0155" in finding.why
    assert "threshold 4, diagnose_growth_turns" in finding.why and finding.setting == "diagnose_growth_turns"
    assert [item.ref.seq for item in finding.evidence] == [1, 3, 5, 7]


def test_the_small_growth_every_agent_loop_has_is_info() -> None:
    [finding] = agent_findings(prompt_growth, grown([1000, 1100, 1200, 1300]))
    assert (finding.severity, finding.confidence) == ("info", "medium")


def test_a_small_prompt_that_tripled_is_info() -> None:
    [finding] = agent_findings(prompt_growth, grown([12, 40, 90, 135]))
    assert finding.severity == "info" and "under 4,000 tokens" in finding.why


def test_growth_near_the_window_is_a_warning_though_under_three_times() -> None:
    steps = [llm(index, tokens, model="small", cost_usd=0.01) for index, tokens in enumerate([5000, 6000, 7000, 8100])]
    [finding] = agent_findings(prompt_growth, steps)
    assert finding.severity == "warning" and "near the window (10,000)" in finding.why


def test_the_growths_cost_is_unknown_not_zero_when_a_call_has_no_cost() -> None:
    [finding] = agent_findings(prompt_growth, grown([1000, 1500, 2200, 3000], [0.01, 0.01, None, 0.01]))
    assert "cost_usd" not in finding.figures and "unknown" in finding.why
    assert growth_cost(grown([1000, 1500], [None, 0.01])) == 0.01 * 500 / 1500  # the first call's cost is not used


def test_three_growing_calls_or_a_shrinking_prompt_are_no_growth() -> None:
    assert agent_findings(prompt_growth, grown([1000, 1500, 2200])) == []
    assert agent_findings(prompt_growth, grown([1000, 1500, 1400, 2200, 3000])) == []


def test_calls_of_another_model_between_do_not_break_a_models_row() -> None:
    steps = grown([1000, 1500, 2200, 3000])
    steps.insert(2, llm(4, 50, model="small", cost_usd=0.001))
    [finding] = agent_findings(prompt_growth, steps)
    assert finding.figures["calls"] == 4


# -- through traces of decorated apps (`analyze` with the findings section) -------------------------------------------
class MaxTurnsExceeded(Exception):
    """openai-agents' error, as its name and message read."""


class BadRequestError(Exception):
    """openai's error for a 400, as its message reads."""


@trace_llm_call(name="reader_llm", model="gpt-4o-mini")
def reader_llm(prompt: str, tokens: int, overflow: str | None = None) -> dict[str, Any]:
    if overflow is not None:
        raise BadRequestError(overflow)
    return {"text": f"Read {len(prompt)} characters.", "usage": {"input_tokens": tokens, "output_tokens": 20}}


@trace_agent_execution(name="reader")
def reader(tokens: list[int], limit: int | None = None, overflow: str | None = None) -> str:
    said = ""
    for turn_number, count in enumerate(tokens, 1):
        said = reader_llm(f"page {turn_number}", count)["text"]
        if limit is not None and turn_number >= limit:
            raise MaxTurnsExceeded(f"Max turns ({limit}) exceeded")
    if overflow is not None:
        reader_llm("one page more", 0, overflow)
    return said


OVERFLOW = ("Error code: 400 - {'error': {'message': \"This model's maximum context length is 128000 tokens. However, "
            "your messages resulted in 130512 tokens.\", 'code': 'context_length_exceeded'}}")


def test_a_traced_run_ended_by_max_turns_is_a_critical_turn_limit(tmp_path: Path) -> None:
    path = traced(tmp_path / "turns.jsonl", lambda: reader([1000, 1100, 1200], limit=3))
    [finding] = findings_of(path, "turn_limit")
    assert (finding.severity, finding.agent, finding.figures) == ("critical", "reader", {"limit": 3.0})
    assert "llm:reader_llm#3" in [item.address for item in finding.evidence]


def test_a_traced_run_that_finished_within_its_turns_has_no_turn_limit(tmp_path: Path) -> None:
    path = traced(tmp_path / "done.jsonl", lambda: reader([1000, 1100, 1200]))
    assert findings_of(path, "turn_limit") == []


def test_a_traced_context_length_error_that_ended_the_run_is_an_overflow(tmp_path: Path) -> None:
    path = traced(tmp_path / "overflow.jsonl", lambda: reader([90_000, 100_000], overflow=OVERFLOW))
    [finding] = findings_of(path, "context_overflow")
    assert finding.severity == "critical" and finding.agent == "reader"
    assert [item.address for item in finding.evidence][:2] == ["llm:reader_llm#2", "llm:reader_llm#3"]
    assert "100,000 tokens" in finding.why and "window 128,000 tokens" in finding.why


def test_a_traced_bad_request_of_another_kind_is_no_overflow(tmp_path: Path) -> None:
    path = traced(tmp_path / "bad.jsonl", lambda: reader([1000], overflow="Error code: 400 - Invalid 'role'"))
    assert findings_of(path, "context_overflow") == []


def test_a_traced_prompt_past_80_percent_of_gpt_4o_minis_window_is_near_its_limit(tmp_path: Path) -> None:
    path = traced(tmp_path / "near.jsonl", lambda: reader([60_000, 85_000, 110_000]))
    [finding] = findings_of(path, "context_near_limit")
    assert finding.evidence[-1].address == "llm:reader_llm#3" and finding.figures["window"] == 128_000
    assert finding.figures["overflow_call"] == 4  # growing 25,000 a call: 135,000 at the fourth
    assert findings_of(traced(tmp_path / "far.jsonl", lambda: reader([1000, 2000, 3000])), "context_near_limit") == []


def test_a_traced_prompt_tripling_over_four_calls_is_growth_with_a_known_cost(tmp_path: Path) -> None:
    path = traced(tmp_path / "growth.jsonl", lambda: reader([2000, 3000, 4500, 6500]))
    [finding] = findings_of(path, "prompt_growth")
    assert finding.severity == "warning" and finding.figures["extra_tokens"] == 1000 + 2500 + 4500
    assert finding.figures["cost_usd"] > 0 and "at most $" in finding.why
    assert findings_of(traced(tmp_path / "flat.jsonl", lambda: reader([2000] * 4)), "prompt_growth") == []
