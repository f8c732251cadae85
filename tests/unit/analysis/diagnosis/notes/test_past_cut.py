"""An agent's steps past the ones the pass keeps (`thresholds.MAX_AGENT_STEPS`, made small here) are counted: a
rule's counts and outcomes are the whole agent's, and its finding says what it did not read."""

from __future__ import annotations

from pathlib import Path

import pytest

from namel3ss_debug.analysis.diagnosis.collector import clues
from namel3ss_debug.analysis.diagnosis.notes.past_cut import MAX_OPERATIONS, PastCut, note_of
from namel3ss_debug.analysis.diagnosis.notes.steps import Step
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder, error

CUT = 8  # the steps kept of an agent in these tests


@pytest.fixture(autouse=True)
def small_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clues, "MAX_AGENT_STEPS", CUT)


def flaky(path: Path, failures: int, successes: int) -> Path:
    """One agent whose tool fails `failures` times at once on one input, then succeeds `successes` times."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for index in range(failures + successes):
        if index < failures:
            trace.span("llm", "chat", 1.0, agent)
            trace.span("tool", "get_weather", 1.0, agent, status="failed", inputs={"city": "Paris, FR"},
                       error=error("KeyError", "'Paris, FR'"))
        else:
            trace.span("tool", "get_weather", 1.0, agent, inputs={"city": "Paris, FR"})
    trace.end(agent, 1.0, advance=False)
    trace.run_end()
    return trace.write(path)


def test_a_tool_that_failed_past_the_cut_then_succeeded_is_counted_whole_and_recovered(tmp_path: Path) -> None:
    [found] = findings_of(flaky(tmp_path / "t.jsonl", failures=10, successes=10), "tool_failing_repeatedly")
    assert found.figures["count"] == 10  # 4 kept (8 steps: an LLM call and a tool each), 6 past the cut
    assert found.severity == "warning" and "it succeeded later" in found.why
    assert "the agent had 30 steps: the rule read its first 8" in found.why


def test_a_tool_that_never_succeeded_past_the_cut_is_critical(tmp_path: Path) -> None:
    [found] = findings_of(flaky(tmp_path / "t.jsonl", failures=10, successes=0), "tool_failing_repeatedly")
    assert found.figures["count"] == 10 and found.severity == "critical" and "never succeeded" in found.why


def test_retries_past_the_cut_that_then_succeeded_are_not_said_to_have_never_succeeded(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for index in range(20):
        failed = index < 18
        trace.span("tool", "fetch", 1.0, agent, status="failed" if failed else "completed",
                   inputs={"url": "x"}, error=error("ConnectionError", "reset", "network") if failed else None)
    trace.end(agent, 1.0, advance=False)
    trace.run_end()
    [found] = findings_of(trace.write(tmp_path / "t.jsonl"), "retry_without_backoff")
    assert found.title.startswith("tool:fetch retried at least 7 times")  # the kept steps' retries: a floor
    assert "the retries then succeeded" in found.why and found.figures["recovered"] == 1
    assert "the rule read its first 8" in found.why


def test_an_agent_within_the_cut_says_nothing_of_one(tmp_path: Path) -> None:
    [found] = findings_of(flaky(tmp_path / "t.jsonl", failures=3, successes=1), "tool_failing_repeatedly")
    assert found.figures["count"] == 3 and "the rule read" not in found.why


def test_calls_of_operations_past_the_counted_ones_are_said_to_be_counted_only_as_a_number() -> None:
    past = PastCut()
    for index in range(MAX_OPERATIONS + 2):
        past.note(Step(index, index + 1, f"s{index}", "p", "tool", f"tool{index}", "tool_call", f"tool:t#{index}",
                       "a1", "2026-11-26T10:00:00Z", status="completed"))
    assert len(past.operations) == MAX_OPERATIONS and past.others == 2
    assert note_of(4096, 10, past).endswith("(2 of them, of operations past the first 1,024, counted only as a number)")
    assert "counted only" not in note_of(4096, 10, PastCut())
