"""The dominant rules (`rules/dominant.py`'s docstring states them) over hand-built clues, then through traces read
by the one pass: one call or model most of the cost or time, a slow tool on the critical path, and the healthy
cases that do not fire (a run of one call)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from namel3ss_debug import trace_llm_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.dominant import (dominant_cost, dominant_latency,
                                                              slow_tool_on_critical_path)
from namel3ss_debug.analysis.diagnosis.notes.steps import ModelSpend, RunClues, Step
from namel3ss_debug.analysis.thresholds import Judging, Thresholds
from namel3ss_debug.analysis.records.refs import Ref
from namel3ss_debug.analysis.records.report import CriticalPath, PathStep, SlowSpan
from namel3ss_debug.testing.capture import capture_events
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder

RUN = "run-1"


def step(seq: int, component: str, name: str, duration_ms: float, **fields: Any) -> Step:
    kind = {"llm": "llm_call", "tool": "tool_call"}[component]
    return Step(seq, seq + 1, f"s{seq}", "p", component, name, kind, f"{component}:{name}#{seq}", "a1",
                "2026-11-26T10:00:00Z", status="completed", duration_ms=duration_ms, **fields)


def llm(seq: int, cost: float | None, model: str = "gpt-4o", duration_ms: float = 100, **fields: Any) -> Step:
    return step(seq, "llm", "chat", duration_ms, model=model, cost_usd=cost, **fields)


def priced(steps: list[Step], **fields: Any) -> RunClues:
    """A run's clues as the collector sums them: cost per model, the run's cost, the costliest and slowest call."""
    models: dict[str, ModelSpend] = {}
    for call in steps:
        if call.component == "llm":
            spend = models.setdefault(call.model or "(no model)", ModelSpend())
            spend.calls += 1
            spend.cost += call.cost_usd or 0.0
            spend.unpriced += call.cost_usd is None
            spend.ms += call.duration_ms or 0.0
    known = [call for call in steps if call.cost_usd is not None]
    fields.setdefault("cost_usd", sum(call.cost_usd or 0.0 for call in known) if known else None)
    return RunClues(RUN, 0, agents={"a1": "writer"}, opening=steps, models=models,
                    unpriced_calls=sum(call.component == "llm" and call.cost_usd is None for call in steps),
                    costliest=max(known, key=lambda call: call.cost_usd or 0.0) if known else None,
                    slowest=max(steps, key=lambda call: call.duration_ms or 0.0), **fields)


def judge(rule: Any, run: RunClues, figures: RunFigures | None = None, **thresholds: Any) -> list[Finding]:
    return list(rule(run, figures or RunFigures(RUN), Judging(Thresholds(**thresholds))))


# -- dominant_cost -----------------------------------------------------------------------------------------------
def test_one_call_most_of_a_runs_cost_dominates_it() -> None:
    run = priced([llm(0, 0.01), llm(2, 0.06, input_tokens=30_000), llm(4, 0.01)])
    [finding] = judge(dominant_cost, run)
    assert (finding.kind, finding.severity, finding.confidence) == ("dominant_cost", "info", "high")
    assert [item.ref.seq for item in finding.evidence] == [2] and finding.agent == "writer"
    assert abs(finding.figures["share"] - 0.75) < 1e-9 and finding.figures["calls"] == 3
    assert "75%" in finding.title and "30,000 prompt tokens" in finding.suggestion
    assert finding.setting == "diagnose_dominant_share" and "threshold 50%" in finding.why


def test_a_run_of_one_call_is_dominated_by_it_and_that_is_no_finding() -> None:
    assert judge(dominant_cost, priced([llm(0, 0.05)])) == []


def test_a_run_with_an_unpriced_call_has_no_known_share() -> None:
    assert judge(dominant_cost, priced([llm(0, 0.01), llm(2, 0.06), llm(4, None, model="local")])) == []


def test_a_call_must_be_twice_an_even_share_and_dominant_share() -> None:
    assert judge(dominant_cost, priced([llm(0, 0.01), llm(2, 0.09)])) == []  # of two calls one always has half
    assert judge(dominant_cost, priced([llm(0, 0.01), llm(2, 0.01), llm(4, 0.03)])) == []  # 60% < 2/3
    run = priced([llm(0, 0.01), llm(2, 0.045), llm(4, 0.01), llm(6, 0.01), llm(8, 0.01)])  # 53% of five calls
    assert len(judge(dominant_cost, run)) == 1
    assert judge(dominant_cost, run, dominant_share=0.6) == []


def test_a_cost_under_a_tenth_of_a_cent_is_not_worth_a_finding() -> None:
    assert judge(dominant_cost, priced([llm(0, 0.0001), llm(2, 0.0006), llm(4, 0.0001)])) == []


def test_one_model_costing_far_more_than_its_share_of_calls_dominates() -> None:
    run = priced([llm(0, 0.03), llm(2, 0.03), *(llm(seq, 0.0025, model="gpt-4o-mini") for seq in (4, 6, 8, 10))])
    [finding] = judge(dominant_cost, run)
    assert finding.title.startswith("model gpt-4o is 86%") and finding.figures["calls"] == 2
    assert [item.ref.seq for item in finding.evidence] == [0, 2] and "cheaper model" in finding.suggestion
    assert "33% of the calls" in finding.why


def test_a_model_making_most_of_the_calls_is_expected_to_cost_most() -> None:
    run = priced([llm(0, 0.03), llm(2, 0.03), llm(4, 0.03), llm(6, 0.03), llm(8, 0.005, model="gpt-4o-mini")])
    assert judge(dominant_cost, run) == []


# -- dominant_latency --------------------------------------------------------------------------------------------
def path(total: float, *steps: PathStep) -> RunFigures:
    return RunFigures(RUN, CriticalPath(RUN, total, list(steps)))


def test_one_call_most_of_a_runs_time_dominates_it() -> None:
    run = priced([llm(0, None, duration_ms=300), llm(2, None, duration_ms=3000, output_tokens=1200),
                  step(4, "tool", "search", 200)])
    [finding] = judge(dominant_latency, run, path(4000.0))
    assert (finding.kind, finding.severity) == ("dominant_latency", "info")
    assert [item.ref.seq for item in finding.evidence] == [2]
    assert finding.figures == {"duration_ms": 3000.0, "share": 0.75, "run_ms": 4000.0}
    assert "max_tokens" in finding.suggestion and "1,200 answer tokens" in finding.suggestion


def test_the_runs_duration_stands_for_a_missing_critical_path() -> None:
    run = priced([llm(0, None, duration_ms=300), llm(2, None, duration_ms=3000)], duration_ms=3500.0)
    assert [finding.figures["run_ms"] for finding in judge(dominant_latency, run)] == [3500.0]


def test_latency_is_not_said_of_one_call_of_a_short_call_or_of_a_tool() -> None:
    assert judge(dominant_latency, priced([llm(0, None, duration_ms=3000)]), path(3100.0)) == []
    assert judge(dominant_latency, priced([llm(0, None, duration_ms=50), llm(2, None, duration_ms=400)]),
                 path(500.0)) == []
    tool_run = priced([llm(0, None, duration_ms=300), step(2, "tool", "search", 3000)])
    assert judge(dominant_latency, tool_run, path(3300.0)) == []


# -- slow_tool_on_critical_path ----------------------------------------------------------------------------------
def test_a_tool_that_is_a_large_share_of_the_critical_path_is_said() -> None:
    run = priced([llm(0, None, duration_ms=1000), step(2, "tool", "search", 1500), step(4, "tool", "search", 900),
                  llm(6, None, duration_ms=1000)])
    figures = path(4400.0, PathStep("tool", "search", 2400.0, 2, 2400 / 4400, "tool_call"),
                   PathStep("llm", "chat", 2000.0, 2, 2000 / 4400, "llm_call"))
    [finding] = judge(slow_tool_on_critical_path, run, figures)
    assert (finding.kind, finding.severity) == ("slow_tool_on_critical_path", "info")
    assert [item.ref.seq for item in finding.evidence] == [2, 4] and finding.agent == "writer"
    assert finding.figures["calls"] == 2 and abs(finding.figures["share"] - 2400 / 4400) < 1e-9
    assert finding.setting == "diagnose_slow_tool_share" and "tool:search" in finding.title


def test_a_tool_under_the_share_or_alone_on_the_path_is_not_said() -> None:
    run = priced([llm(0, None, duration_ms=3000), step(2, "tool", "search", 1000)])
    small = path(4000.0, PathStep("llm", "chat", 3000.0, 1, 0.75), PathStep("tool", "search", 1000.0, 1, 0.25))
    assert judge(slow_tool_on_critical_path, run, small) == []
    alone = priced([step(2, "tool", "search", 1000)])
    assert judge(slow_tool_on_critical_path, alone, path(1000.0, PathStep("tool", "search", 1000.0, 1, 1.0))) == []


def test_the_reports_slow_spans_stand_for_a_tool_call_not_kept() -> None:
    run = priced([llm(0, None, duration_ms=1000)])
    ref = Ref(RUN, 500, "s500", "tool", "search", "tool_call")
    figures = RunFigures(RUN, CriticalPath(RUN, 3000.0, [PathStep("tool", "search", 2000.0, 1, 2 / 3),
                                                         PathStep("llm", "chat", 1000.0, 1, 1 / 3)]),
                         slow=(SlowSpan(ref, 2000.0, "completed"),))
    [finding] = judge(slow_tool_on_critical_path, run, figures)
    assert finding.evidence[0].ref == ref
    assert judge(slow_tool_on_critical_path, run, RunFigures(RUN, figures.critical_path)) == []


# -- through traces read by the one pass (`analyze` with the findings section) ---------------------------------------
@trace_llm_call(name="answer", model="test-model")
def answer(question: str, prompt_tokens: int) -> dict[str, Any]:
    return {"text": "ok", "usage": {"input_tokens": prompt_tokens, "output_tokens": 10}}


def answered(path: Path, prompts: list[int]) -> Path:
    """A decorated app making one LLM call per prompt size, priced by `price_overrides`."""
    with capture_events(price_overrides={"test-model": {"input": 1.0, "output": 1.0}}) as run:
        for number, tokens in enumerate(prompts):
            answer(f"question {number}", tokens)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in run.events))
    return path


def test_a_decorated_apps_costly_call_is_found_and_even_calls_are_not(tmp_path: Path) -> None:
    [finding] = findings_of(answered(tmp_path / "costly.jsonl", [90, 9_990, 90]), "dominant_cost")
    assert finding.evidence[0].address == "llm:answer#2" and abs(finding.figures["share"] - 10_000 / 10_200) < 1e-9
    assert findings_of(answered(tmp_path / "even.jsonl", [1000, 1000, 1000]), "dominant_cost") == []
    assert findings_of(answered(tmp_path / "one.jsonl", [9_990]), "dominant_cost") == []


def timed(path: Path, llm_ms: tuple[float, float], tool_ms: float) -> Path:
    """An agent: an LLM call, a search tool, another LLM call, one after another."""
    trace = TraceBuilder()
    trace.run_start()
    agent_span = trace.start("agent", "researcher", kind="agent_execution")
    trace.span("llm", "chat", llm_ms[0], agent_span, inputs={"n": 1}, outputs={"text": "search it"})
    trace.span("tool", "search", tool_ms, agent_span, inputs={"q": "lyon"}, outputs={"return": "522,969"})
    trace.span("llm", "chat", llm_ms[1], agent_span, inputs={"n": 2}, outputs={"text": "522,969"})
    trace.end(agent_span, sum(llm_ms) + tool_ms, advance=False)
    trace.run_end()
    return trace.write(path)


def test_a_traced_slow_llm_call_dominates_the_runs_time_and_even_calls_do_not(tmp_path: Path) -> None:
    [finding] = findings_of(timed(tmp_path / "slow.jsonl", (300.0, 3000.0), 200.0), "dominant_latency")
    assert finding.evidence[0].address == "llm:chat#2" and finding.agent == "researcher"
    assert abs(finding.figures["share"] - 3000 / 3500) < 1e-6
    assert findings_of(timed(tmp_path / "even.jsonl", (1000.0, 1000.0), 1000.0), "dominant_latency") == []


def test_a_traced_slow_tool_on_the_critical_path_is_found_and_a_quick_one_is_not(tmp_path: Path) -> None:
    [finding] = findings_of(timed(tmp_path / "slow_tool.jsonl", (500.0, 500.0), 2000.0), "slow_tool_on_critical_path")
    assert finding.evidence[0].address == "tool:search#1" and abs(finding.figures["share"] - 2 / 3) < 1e-3
    assert findings_of(timed(tmp_path / "quick_tool.jsonl", (500.0, 500.0), 100.0), "slow_tool_on_critical_path") == []
