"""The run summary printed after `trace` is a view of the run's `analyze` report: the same calls, tokens, cost
(genai-prices included) and errors, handled and unhandled, in the same words; an unknown cost is never $0."""

from __future__ import annotations

import io

import orjson
from rich.console import Console

from namel3ss_debug.analysis.summary import SUMMARY_SECTIONS, summary_of
from namel3ss_debug.render.summary import render_summary
from support.tracefactory import TraceBuilder, analyze_events, error, hanging_lines, multi_line_error_run

USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def summary(trace: TraceBuilder, traffic=None):
    return summary_of(analyze_events(trace.events, sections=SUMMARY_SECTIONS), traffic)


def lines(trace: TraceBuilder, traffic=None) -> dict[str, str]:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_summary(console, summary(trace, traffic), ["run.jsonl"])
    return {line[:12].strip(): line[12:] for line in console.file.getvalue().splitlines()[1:]}


def run(*calls) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    for call in calls:
        call(trace)
    trace.run_end()
    return trace


def test_figures_are_analyzes_own():
    trace = run(lambda t: t.span("llm", "plan", 5, usage=USAGE, model="gpt-4o-mini"),
                lambda t: t.span("tool", "search", 2), lambda t: t.span("tool", "search", 2))
    report = analyze_events(trace.events)
    got = summary(trace)
    assert (got.llm_calls, got.tool_calls, got.total_tokens, got.cost_usd, got.spans_by_component) == (
        report.llm.calls, report.overview.tool_calls, report.llm.total_tokens, report.llm.cost_usd,
        report.overview.spans_by_component)
    assert (got.llm_calls, got.tool_calls, got.input_tokens, got.output_tokens) == (1, 2, 3, 2)


def test_a_model_genai_prices_knows_is_priced_though_no_cost_was_recorded():
    trace = run(lambda t: t.span("llm", "plan", 5, usage={"input_tokens": 1_000_000, "output_tokens": 0},
                                 model="gpt-4o-mini"))
    assert summary(trace).cost_usd == analyze_events(trace.events).llm.cost_usd > 0
    assert lines(trace)["llm calls"] == "1  tokens 1000000 (in 1000000, out 0)  cost $0.1500"


def test_a_recorded_cost_is_the_cost_and_an_unpriced_call_makes_it_a_lower_bound():
    trace = run(lambda t: t.span("llm", "plan", 5, usage=USAGE, model="no-such-model", cost_usd=0.5),
                lambda t: t.span("llm", "plan", 5, usage=USAGE, model="no-such-model"))
    assert lines(trace)["llm calls"].endswith("cost at least $0.5000  1 unpriced call")


def test_a_call_without_usage_or_cost_is_of_unknown_cost_not_free():
    trace = run(lambda t: t.span("llm", "plan", 5, model="gpt-4o-mini"))
    assert summary(trace).cost_usd is None
    assert lines(trace)["llm calls"].endswith("cost unknown  1 unpriced call (1 without usage)")


def test_a_handled_tool_error_is_an_error_the_app_survived():
    trace = run(lambda t: t.span("tool", "lookup", 3, status="failed", error=error("KeyError", "'id'")))
    got = summary(trace)
    assert (got.errors, got.handled_errors, got.unhandled_errors, got.failed_spans) == (1, 1, 0, 1)
    assert lines(trace)["errors"] == "1 error (1 handled, 0 unhandled), 1 failed span (KeyError x1)"


def test_a_crash_is_an_unhandled_error_counted_once():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "lookup", 3, status="failed", error=error("KeyError", "'id'"))
    trace.instant("error_occurred", "app", "KeyError", status="failed", error=error("KeyError", "'id'"),
                  attrs={"unhandled": True})
    trace.run_end("failed")
    got = summary(trace)
    assert (got.status, got.errors, got.handled_errors, got.unhandled_errors) == ("failed", 1, 0, 1)


def test_the_tool_calls_no_hook_recorded_come_from_the_runs_own_account():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 1)
    trace.run_end(tool_calls={"asked": 4, "hooked": 0, "wire": 1, "unseen": 3})
    got = summary(trace)
    assert (got.tool_calls, got.wire_tool_calls, got.unseen_tool_calls) == (1, 1, 3)


def test_llm_traffic_nothing_recorded_is_warned_of():
    trace = run()
    console = Console(file=io.StringIO(), width=300, color_system=None)
    render_summary(console, summary(trace, {"hosts": {"api.openai.com": 1}}), ["run.jsonl"])
    assert "talked to an LLM API that was not recorded (api.openai.com)" in console.file.getvalue()


def test_llm_requests_no_hook_recorded_are_warned_of_beside_recorded_calls():
    trace = run(lambda t: t.span("llm", "plan", 5, usage=USAGE, model="gpt-4o-mini"))
    traffic = {"not_hooked": {"POST api.openai.com:443/v1/chat/completions": 2}, "hosts": {"api.openai.com": 3}}
    assert summary(trace, traffic).unrecorded_llm == ["POST api.openai.com:443/v1/chat/completions"]
    legacy = {"unrecorded": {"POST api.openai.com:443/v1/chat/completions": 2}}  # 0.1.0 counted requests' own too
    assert summary(trace, legacy).unrecorded_llm == []


def test_a_health_reason_of_several_lines_hangs_under_its_first_line(tmp_path):
    events = [orjson.loads(line) for line in multi_line_error_run(tmp_path / "t.jsonl").read_bytes().splitlines()]
    console = Console(file=io.StringIO(), width=300, color_system=None)
    render_summary(console, summary_of(analyze_events(events, sections=SUMMARY_SECTIONS)), ["run.jsonl"])
    output = console.file.getvalue()
    assert "health      failing: run ended failed with GraphRecursionError: Recursion limit" in output
    assert hanging_lines(output) == []
