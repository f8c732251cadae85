"""`success_claimed_after_failure` (`rules/claims.py`'s docstring states it): a step that says the work was checked
and passed while a failed tool call before it had not been redone; and what looks alike but is not (a claim after
the tool was run again and completed, a hedged or planned check, a task said done, a claim before the failure)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from support.findingtraces import findings_of
from support.handsteps import step
from support.tracefactory import TraceBuilder, error
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules.claims import claim_in, success_claimed_after_failure
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"


def ran_tests(seq: int, failed: bool = True) -> Step:
    if failed:
        return step(seq, "tool", "run_tests", status="failed", error_type="AssertionError",
                    error_message="last([1, 2, 3]) raised IndexError")
    return step(seq, "tool", "run_tests", result="3 passed")


def said(seq: int, text: str, component: str = "llm") -> Step:
    return step(seq, component, "chat" if component == "llm" else "coder", text=text)


def judged(steps: list[Step]) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "coder", 0, steps=steps)
    return list(success_claimed_after_failure(agent, RunClues(RUN, 0, agents={"a1": "coder"}), Judging(Thresholds())))


def test_a_claim_that_the_tests_pass_after_they_failed_and_were_never_run_again_is_the_finding() -> None:
    [finding] = judged([said(0, "Here is last()."), ran_tests(2), said(4, "Fixed the off-by-one. All tests pass now.")])
    assert (finding.kind, finding.severity, finding.confidence) == ("success_claimed_after_failure", "warning", "high")
    assert [item.address for item in finding.evidence] == ["tool:run_tests#2", "llm:chat#4"]
    assert "says 'all tests pass'" in finding.why and "none ever did" in finding.why
    assert finding.figures == {"pending": 1.0}


def test_a_claim_redone_only_after_it_was_said_is_medium() -> None:
    [finding] = judged([ran_tests(2), said(4, "The code runs correctly."), ran_tests(6, failed=False)])
    assert finding.confidence == "medium" and "a later one completed after the claim" in finding.why


@pytest.mark.parametrize("steps", [
    [ran_tests(2), ran_tests(4, failed=False), said(6, "All tests pass.")],  # run again, and it passed
    [said(0, "All tests pass."), ran_tests(2)],  # the claim came before the failure
    [ran_tests(2), said(4, "Let me fix it; then all tests pass.")],  # a plan
    [ran_tests(2), said(4, "I will check that the tests pass.")],
    [ran_tests(2), said(4, "The tests failed: the index is off by one.")],
    [ran_tests(2), said(4, "The task has been successfully completed.")],  # a task said done, nothing checked
    [ran_tests(2), said(4, "")],
], ids=["redone", "before", "plan", "future", "admitted", "done", "empty"])
def test_what_looks_like_a_claim_after_a_failure_but_is_not(steps: list[Step]) -> None:
    assert judged(steps) == []


def test_an_agent_turns_output_claims_too_and_one_finding_an_agent_names_the_first_claim() -> None:
    [finding] = judged([ran_tests(2), said(4, "I have verified that it works.", "agent"),
                        said(6, "Everything executed successfully.")])
    assert finding.evidence[-1].address == "agent:coder#4"


@pytest.mark.parametrize("text, claim", [
    ("I fixed the bug. All tests pass now.", "all tests pass"),
    ("The script ran successfully and printed 3.", "ran successfully"),
    ("It has been verified against the examples.", "has been verified"),
    ("I\u2019ve run it: the tests passed.", "tests passed"),
    ("If the tests pass, we are done.", None),
    ("The tests don't pass yet.", None),
    ("It works.", None),
    (None, None),
])
def test_claim_in_reads_a_claim_of_a_check_that_passed(text: Optional[str], claim: Optional[str]) -> None:
    assert claim_in(text) == claim


def test_in_a_group_chat_the_finding_is_the_claiming_speakers_not_the_teams(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "team")
    tester = trace.start("agent", "Tester", team, kind="agent_turn")
    trace.span("tool", "run_tests", 3, tester, status="failed", inputs={"path": "last.py"},
               error=error("AssertionError", "last([1, 2, 3]) raised IndexError"))
    trace.end(tester, 5, outputs={"output": "The tests failed: IndexError in last()."})
    coder = trace.start("agent", "Coder", team, kind="agent_turn")
    trace.span("llm", "chat", 5, coder, outputs={"text": "I fixed the index. All tests pass now."})
    trace.end(coder, 5, outputs={"output": "I fixed the index. All tests pass now."})
    trace.end(team, 1)
    trace.run_end()
    [finding] = findings_of(trace.write(tmp_path / "chat.jsonl"), "success_claimed_after_failure")
    assert finding.agent == "Coder"
    assert [item.agent for item in finding.evidence] == ["Tester", "Coder"]


def test_the_evidence_names_the_last_three_pending_failures_and_the_figure_counts_them_all() -> None:
    [finding] = judged([ran_tests(2), ran_tests(4), ran_tests(6), ran_tests(8), said(10, "All tests pass.")])
    assert [item.address for item in finding.evidence] == [
        "tool:run_tests#4", "tool:run_tests#6", "tool:run_tests#8", "llm:chat#10"]
    assert finding.figures == {"pending": 4.0}
