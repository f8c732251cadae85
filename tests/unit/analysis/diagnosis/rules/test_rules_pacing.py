"""The pacing rules (`rules/pacing.py`'s docstring states them) over hand-built steps, then through traces read by
the one pass: retries without back-off, rate-limit errors in bursts, and the healthy cases that do not fire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.pacing import rate_limit_burst, retry_without_backoff
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step
from namel3ss_debug.analysis.thresholds import Judging, Thresholds
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder

RUN = "run-1"
START = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
KINDS = {"llm": "llm_call", "tool": "tool_call", "agent": "agent_turn", "error": "error_occurred"}


def at(ms: float) -> str:
    return (START + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def step(seq: int, component: str, name: str, start_ms: float, duration_ms: float | None, *,
         parent: str = "p", span: str | None = None, **fields: Any) -> Step:
    fields.setdefault("status", "completed")
    kind = KINDS[component]
    return Step(seq, None if kind == "error_occurred" else seq + 1, span or f"s{seq}", parent,
                "tool" if component == "error" else component, name, kind, f"{component}:{name}#{seq}", "a1",
                at(start_ms), duration_ms=duration_ms, **fields)


def failed(seq: int, start_ms: float, duration_ms: float = 50, **fields: Any) -> Step:
    fields.setdefault("error_type", "ConnectionError")
    fields.setdefault("error_message", "connection reset")
    fields.setdefault("error_category", "network")
    fields.setdefault("inputs_key", 7)
    return step(seq, "tool", "fetch", start_ms, duration_ms, status="failed", **fields)


def agent(steps: list[Step]) -> AgentSteps:
    return AgentSteps(RUN, "a1", "researcher", 0, steps=steps)


def clues(**fields: Any) -> RunClues:
    return RunClues(RUN, 0, agents={"a1": "researcher"}, **fields)


def retries(gap_ms: float) -> list[Step]:
    """fetch fails, is retried `gap_ms` after and fails again, then retried `gap_ms` after and succeeds."""
    return [failed(0, 0), failed(2, 50 + gap_ms), step(4, "tool", "fetch", 100 + 2 * gap_ms, 50, inputs_key=7)]


def test_a_call_retried_twice_at_once_after_failing_is_a_retry_without_backoff() -> None:
    [finding] = retry_without_backoff(agent(retries(5)), clues(), Judging())
    assert (finding.kind, finding.severity, finding.confidence) == ("retry_without_backoff", "warning", "high")
    assert finding.setting == "diagnose_backoff_ms" and finding.agent == "researcher"
    assert [item.ref.seq for item in finding.evidence] == [0, 2, 4]
    assert finding.evidence[1].address == "tool:fetch#2" and "5.0 ms" in finding.evidence[1].note
    assert finding.figures["quick_retries"] == 2 and finding.figures["recovered"] == 1
    assert abs(finding.figures["max_gap_ms"] - 5) < 1e-6
    assert "100 ms" in finding.why and "diagnose_backoff_ms" in finding.why and "back-off" in finding.suggestion


def test_an_error_no_pause_cures_is_told_not_to_be_retried_rather_than_backed_off() -> None:
    steps = [failed(seq, seq * 26, 25, error_type="KeyError", error_message="'Paris, FR'", error_category="parameter",
                    arguments='{"city": "Paris, FR"}') for seq in (0, 2, 4)]
    [finding] = retry_without_backoff(agent(steps), clues(), Judging())
    assert "does not pass by retrying" in finding.suggestion and '{"city": "Paris, FR"}' in finding.suggestion
    assert "wait_random_exponential" not in finding.suggestion and finding.figures["recovered"] == 0


def test_retries_after_a_pause_longer_than_backoff_ms_are_paced() -> None:
    assert list(retry_without_backoff(agent(retries(250)), clues(), Judging())) == []


def test_backoff_ms_is_the_threshold() -> None:
    judging = Judging(Thresholds(backoff_ms=300))
    assert len(list(retry_without_backoff(agent(retries(250)), clues(), judging))) == 1


def test_one_quick_retry_is_not_enough() -> None:
    steps = [failed(0, 0), step(2, "tool", "fetch", 55, 50, inputs_key=7)]
    assert list(retry_without_backoff(agent(steps), clues(), Judging())) == []


def test_two_tools_one_answer_asked_for_are_not_retries_of_each_other() -> None:
    steps = [failed(0, 0, asked_by=9, tool_call_id="call_1"), failed(2, 51, asked_by=9, tool_call_id="call_2"),
             step(4, "tool", "fetch", 102, 50, inputs_key=7, asked_by=9, tool_call_id="call_3")]
    assert list(retry_without_backoff(agent(steps), clues(), Judging())) == []


def test_another_call_between_them_means_no_retry() -> None:
    steps = [failed(0, 0), step(2, "llm", "chat", 50, 10), failed(4, 61), step(6, "llm", "chat", 111, 10),
             step(8, "tool", "fetch", 122, 50, inputs_key=7)]
    assert list(retry_without_backoff(agent(steps), clues(), Judging())) == []


def test_different_inputs_are_another_call_not_a_retry() -> None:
    steps = [failed(0, 0), failed(2, 51, inputs_key=8), step(4, "tool", "fetch", 102, 50, inputs_key=9)]
    assert list(retry_without_backoff(agent(steps), clues(), Judging())) == []


def test_calls_without_inputs_are_retries_only_after_a_transient_error() -> None:
    def unkeyed(category: str) -> list[Step]:
        return [failed(seq, seq * 26, 25, inputs_key=None, error_category=category) for seq in (0, 2)] + [
            step(4, "tool", "fetch", 52, 50)]

    [finding] = retry_without_backoff(agent(unkeyed("timeout")), clues(), Judging())
    assert finding.confidence == "medium"
    assert list(retry_without_backoff(agent(unkeyed("parameter")), clues(), Judging())) == []


# -- rate_limit_burst ------------------------------------------------------------------------------------------------
def limited(seq: int, start_ms: float, *, parent: str = "p", span: str | None = None,
            component: str = "llm") -> Step:
    return step(seq, component, "chat", start_ms, None if component == "error" else 100, parent=parent, span=span,
                status="failed", error_type="RateLimitError", error_message="Error code: 429",
                error_category="rate_limit")


def burst(run: RunClues, judging: Judging | None = None) -> list[Any]:
    return list(rate_limit_burst(run, RunFigures(RUN), judging or Judging()))


def test_three_rate_limit_errors_within_the_window_are_a_burst() -> None:
    errors = [limited(0, 0), limited(2, 1000), limited(4, 2500)]
    [finding] = burst(clues(errors=errors, errors_seen=3))
    assert (finding.kind, finding.severity, finding.confidence) == ("rate_limit_burst", "warning", "high")
    assert [item.ref.seq for item in finding.evidence] == [0, 2, 4]
    assert finding.figures == {"count": 3.0, "window_ms": 2500.0, "total": 3.0}
    assert finding.setting == "diagnose_rate_limit_burst" and "llm:chat" in finding.suggestion
    assert "max_retries" in finding.suggestion and "Semaphore" in finding.suggestion


def test_a_run_that_ended_failed_with_a_rate_limit_error_makes_the_burst_critical() -> None:
    errors = [limited(0, 0), limited(2, 1000), limited(4, 2500)]
    run = clues(errors=errors, errors_seen=3, status="failed", end_error_type="RateLimitError",
                end_error_message="Error code: 429 - too many requests")
    assert [finding.severity for finding in burst(run)] == ["critical"]


def test_rate_limit_errors_further_apart_than_the_window_are_no_burst() -> None:
    errors = [limited(0, 0), limited(2, 6000), limited(4, 12000)]
    assert burst(clues(errors=errors, errors_seen=3)) == []
    assert len(burst(clues(errors=errors, errors_seen=3), Judging(Thresholds(burst_window_ms=13_000)))) == 1


def test_one_error_on_its_way_out_and_its_report_count_once() -> None:
    # each rate-limit error fails the LLM call, its agent turn, and is reported by an error event after it
    errors = []
    for seq, start in ((0, 0), (10, 1000)):
        errors += [limited(seq, start, parent=f"turn{seq}"),
                   limited(seq + 2, start + 100, component="error", parent="p"),
                   limited(seq + 3, start, span=f"turn{seq}", component="agent")]
    errors.sort(key=lambda error: error.seq)
    assert burst(clues(errors=errors, errors_seen=len(errors))) == []
    errors.append(limited(20, 2000))
    [finding] = burst(clues(errors=errors, errors_seen=len(errors)))
    assert [item.ref.seq for item in finding.evidence] == [0, 10, 20]


def test_other_errors_in_a_burst_are_not_rate_limits() -> None:
    errors = [failed(seq, seq * 10) for seq in range(5)]
    assert burst(clues(errors=errors, errors_seen=5)) == []


# -- through a trace read by the one pass (`analyze` with the findings section) --------------------------------------
RESET = {"type": "ConnectionError", "message": "connection reset by peer"}


def fetching(path: Path, pause_ms: float) -> Path:
    """An agent whose fetch fails twice and is retried `pause_ms` after each failure, the third time succeeding."""
    trace = TraceBuilder()
    trace.run_start()
    agent_span = trace.start("agent", "fetcher", kind="agent_execution")
    for attempt in range(3):
        if attempt:
            trace.advance(pause_ms)
        trace.span("tool", "fetch", 50, agent_span, inputs={"url": "https://example.com/a"},
                   status="completed" if attempt == 2 else "failed", error=None if attempt == 2 else RESET,
                   outputs={"return": "<html>"} if attempt == 2 else None)
    trace.end(agent_span, 150 + 2 * pause_ms, advance=False)
    trace.run_end()
    return trace.write(path)


def test_a_traced_fetch_retried_at_once_is_found_and_one_retried_after_a_pause_is_not(tmp_path: Path) -> None:
    [finding] = findings_of(fetching(tmp_path / "quick.jsonl", 2), "retry_without_backoff")
    assert finding.agent == "fetcher" and finding.severity == "warning"
    assert [item.address for item in finding.evidence] == ["tool:fetch#1", "tool:fetch#2", "tool:fetch#3"]
    assert abs(finding.figures["max_gap_ms"] - 2) < 1e-3
    assert findings_of(fetching(tmp_path / "paced.jsonl", 800), "retry_without_backoff") == []


def rate_limited(path: Path, apart_ms: float) -> Path:
    """Three LLM calls refused with 429 `apart_ms` after one another, then one answered."""
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(3):
        trace.span("llm", "chat", 100, inputs={"messages": [{"role": "user", "content": "hi"}]}, status="failed",
                   error={"type": "RateLimitError", "message": "Error code: 429 - Rate limit reached"})
        trace.advance(apart_ms)
    trace.span("llm", "chat", 300, inputs={"messages": [{"role": "user", "content": "hi"}]},
               outputs={"text": "hello"})
    trace.run_end()
    return trace.write(path)


def test_traced_rate_limit_errors_in_a_burst_are_found_and_spread_ones_are_not(tmp_path: Path) -> None:
    [finding] = findings_of(rate_limited(tmp_path / "burst.jsonl", 400), "rate_limit_burst")
    assert [item.address for item in finding.evidence] == ["llm:chat#1", "llm:chat#2", "llm:chat#3"]
    assert finding.figures["count"] == 3 and finding.severity == "warning"
    assert findings_of(rate_limited(tmp_path / "spread.jsonl", 6000), "rate_limit_burst") == []
