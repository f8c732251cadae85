"""The summary `trace` prints never shows an unknown cost as $0: a cost recorded on some calls only is a lower
bound, and calls that recorded neither usage nor cost are said to be of unknown cost."""

from __future__ import annotations

import io

from rich.console import Console

from namel3ss_debug.analysis.summary import summarize
from namel3ss_debug.render.summary import render_summary

USAGE = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}


def llm_end(span_id: str, **fields) -> dict:
    return {"event_type": "llm_call_end", "component": "llm", "span_id": span_id, "name": "x", **fields}


def llm_line(events: list[dict]) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_summary(console, summarize(events), ["run.jsonl"])
    return next(line for line in console.file.getvalue().splitlines() if line.startswith("llm calls"))


def test_a_cost_recorded_on_every_call_is_the_cost():
    assert llm_line([llm_end("a", usage=USAGE, cost_usd=0.5)]) == "llm calls   1  tokens 5 (in 3, out 2)  cost $0.5000"


def test_a_cost_recorded_on_some_calls_is_a_lower_bound():
    line = llm_line([llm_end("a", usage=USAGE, cost_usd=0.5), llm_end("b", usage=USAGE)])
    assert line.endswith("cost at least $0.5000 (1 call without a recorded cost)")


def test_a_call_without_usage_or_cost_is_of_unknown_cost_not_free():
    events = [llm_end("a", usage=USAGE, cost_usd=0.5), llm_end("b"), llm_end("c", usage={"total_tokens": 4})]
    summary = summarize(events)
    assert (summary.cost_usd, summary.uncosted_llm_calls, summary.no_usage_llm_calls) == (0.5, 2, 2)
    assert llm_line(events).endswith("cost at least $0.5000 (2 calls without a recorded cost)  "
                                     "2 calls without usage: cost unknown")
    assert llm_line([llm_end("b")]).endswith("tokens 0 (in 0, out 0)  1 call without usage: cost unknown")


def test_a_recorded_zero_is_a_usage_and_a_cost_makes_any_call_priced():
    summary = summarize([llm_end("a", usage={"input_tokens": 0, "output_tokens": 0}), llm_end("b", cost_usd=0.1)])
    assert (summary.uncosted_llm_calls, summary.no_usage_llm_calls) == (1, 0)


def test_only_llm_calls_count_as_analyze_counts_them():
    """An agent that records its calls' cost again as a total does not double the cost."""
    events = [llm_end("a", usage=USAGE, cost_usd=0.5),
              {"event_type": "agent_execution_end", "component": "agent", "span_id": "b", "cost_usd": 0.5}]
    assert (summarize(events).cost_usd, summarize(events).uncosted_llm_calls) == (0.5, 0)
