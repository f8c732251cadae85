"""Counts, latency percentiles, tokens and cost: the figures `analyze` reports for a run built in code."""

from __future__ import annotations

import heapq
import random
import statistics

import pytest
from support.tracefactory import TraceBuilder, analyze_events, error

from namel3ss_debug.analysis.build import TOP_REPEATS, _most_called
from namel3ss_debug.analysis.collectors.figures import Repeat
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.stats import percentile


def test_percentiles_are_linear_between_closest_ranks():
    values = sorted(random.Random(3).uniform(1, 1000) for _ in range(101))
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    assert [percentile(values, p) for p in (50, 90, 95, 99)] == pytest.approx([cuts[49], cuts[89], cuts[94], cuts[98]])


def test_percentile_of_one_value_is_that_value():
    assert percentile([7.0], 99) == 7.0


def test_operation_latency_matches_the_durations_written():
    trace = TraceBuilder()
    trace.run_start()
    durations = [float(d) for d in range(1, 41)]
    for duration in durations:
        trace.span("llm", "planner", duration)
    trace.run_end()
    report = analyze_events(trace.events)
    planner = next(op for op in report.operations if op.name == "planner")
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    assert (planner.count, planner.latency.p50_ms, planner.latency.p95_ms, planner.latency.max_ms) == \
        (40, pytest.approx(cuts[49]), pytest.approx(cuts[94]), 40.0)


def test_turns_and_executions_of_one_agent_are_separate_operations():
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("agent", "researcher", 5, agent, kind="agent_turn")
    trace.end(agent, 8)
    trace.run_end()
    kinds = sorted(op.kind for op in analyze_events(trace.events).operations if op.name == "researcher")
    assert kinds == ["agent_execution", "agent_turn"]


def test_event_counts_by_type_and_component():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 3)
    trace.span("tool", "search", 4, status="failed", error=error("TimeoutError", "slow"))
    trace.instant("memory_operation", "memory", "store")
    trace.run_end()
    overview = analyze_events(trace.events).overview
    assert (overview.events, overview.event_types["tool_call_end"], overview.spans_by_component,
            overview.instants, overview.failed_spans) == (7, 2, {"tool": 2}, 1, 1)


def test_tokens_and_cost_by_model_take_the_events_cost_first_then_prices():
    trace = TraceBuilder()
    trace.run_start()
    usage = {"input_tokens": 1000, "output_tokens": 500, "total_tokens": 1500}
    trace.span("llm", "a", 10, model="m1", usage=usage, cost_usd=0.01)
    trace.span("llm", "b", 10, model="m1", usage=usage)
    trace.span("llm", "c", 10, model="nobody-prices-this", usage=usage)
    trace.run_end()
    pricer = Pricer(file_prices={"m1": {"input": 2.0, "output": 4.0}})
    llm = analyze_events(trace.events, pricer=pricer).llm
    m1 = next(m for m in llm.models if m.model == "m1")
    assert (m1.calls, m1.total_tokens, m1.cost_usd, m1.priced_by) == \
        (2, 3000, pytest.approx(0.01 + 0.004), {"event": 1, "prices_file": 1})
    assert (llm.calls, llm.total_tokens, llm.unpriced_calls) == (3, 4500, 1)


def test_genai_prices_price_a_known_model():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "a", 10, model="gpt-4o", usage={"input_tokens": 1_000_000, "output_tokens": 0})
    trace.run_end()
    model = analyze_events(trace.events).llm.models[0]
    assert model.priced_by == {"genai-prices": 1} and model.cost_usd > 0 and model.context_window == 128000


def test_price_overrides_beat_genai_prices_and_the_prices_file_beats_both():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "a", 10, model="gpt-4o", usage={"input_tokens": 1_000_000, "output_tokens": 0})
    trace.run_end()
    overridden = analyze_events(trace.events, pricer=Pricer(overrides={"gpt-4o": {"input": 1, "output": 1}}))
    both = analyze_events(trace.events, pricer=Pricer({"gpt-4o": {"input": 3, "output": 1}},
                                                     {"gpt-4o": {"input": 1, "output": 1}}))
    assert (overridden.llm.cost_usd, both.llm.cost_usd) == (pytest.approx(1.0), pytest.approx(3.0))


def test_usage_on_non_llm_spans_is_not_counted_twice():
    trace = TraceBuilder()
    trace.run_start()
    chain = trace.start("chain", "pipeline")
    trace.span("llm", "a", 5, chain, usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    trace.end(chain, 6, usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15})
    trace.run_end()
    assert analyze_events(trace.events).llm.total_tokens == 15


def test_slow_spans_are_listed_longest_first_with_their_seq():
    trace = TraceBuilder()
    trace.run_start()
    for duration in (100, 2500, 1200, 50):
        trace.span("tool", "fetch", duration)
    trace.run_end()
    slow = analyze_events(trace.events).slow
    assert (slow.count, [s.duration_ms for s in slow.top], slow.by_operation) == (2, [2500, 1200], {"tool:fetch": 2})
    assert trace.events[slow.top[0].ref.seq]["duration_ms"] == 2500


def test_tools_section_counts_failures_and_error_types():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 3, inputs={"q": "a"})
    trace.span("tool", "search", 3, inputs={"q": "a"}, status="failed", error=error("TimeoutError", "t"))
    trace.run_end()
    tool = analyze_events(trace.events).tools[0]
    assert (tool.name, tool.calls, tool.failures, tool.success_rate, tool.error_types,
            tool.repeated_identical_calls) == ("search", 2, 1, 0.5, {"TimeoutError": 1}, 1)


def test_sections_pick_what_the_report_carries():
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    report = analyze_events(trace.events, sections=["errors", "overview"])
    assert (report.sections, report.llm, report.errors is not None) == (["overview", "errors"], None, True)


def test_a_model_named_on_the_start_event_prices_the_call():
    trace = TraceBuilder()
    trace.run_start()
    call = trace.start("llm", "a")
    trace.events[-1]["model"] = "gpt-4o"
    trace.end(call, 10, usage={"input_tokens": 1000, "output_tokens": 0})
    trace.run_end()
    model = analyze_events(trace.events).llm.models[0]
    assert (model.model, model.priced_by) == ("gpt-4o", {"genai-prices": 1})


@pytest.mark.parametrize("seed", range(20))
def test_the_repeated_calls_shown_are_the_first_of_all_of_them_in_order(seed):
    """The report orders only the calls called at least as often as the TOP_REPEATS-th: the same first
    TOP_REPEATS as ordering every repeated call (ties in calls and time kept in the order they were met)."""
    rng = random.Random(seed)
    entries = [Repeat("tool", f"t{n}", rng.choice([2, 2, 2, 3, 3, 4, 9]), rng.choice([1.0, 2.0, 2.0004, 3.5]), n, "s")
               for n in range(rng.choice([0, 5, 19, 20, 21, 400]))]
    key = lambda r: (-(r.calls - 1), -round(r.ms, 3))  # noqa: E731 - the report's own order
    assert heapq.nsmallest(TOP_REPEATS, _most_called(entries), key=key) == sorted(entries, key=key)[:TOP_REPEATS]
