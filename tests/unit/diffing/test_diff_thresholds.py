"""`--fail-on` expressions: the grammar, errors that name their column, and evaluation against two runs."""

from __future__ import annotations

import math

import pytest
from diffruns import agent_run, profile

from namel3ss_debug.diffing.thresholds import evaluate, parse_threshold
from namel3ss_debug.model.errors import UsageError


@pytest.mark.parametrize("text, parsed", [
    ("cost>+10%", ("cost", None, None, ">", 10.0, True, "%")),
    ("p95(llm) > +20%", ("p95(llm)", "p95", "llm", ">", 20.0, True, "%")),
    ("p95(tool:search)>=+1.5s", ("p95(tool:search)", "p95", "tool:search", ">=", 1500.0, False, "ms")),
    ("max(agent_turn:researcher)>+200ms", ("max(agent_turn:researcher)", "max", "agent_turn:researcher", ">", 200.0,
                                           False, "ms")),
    ("llm_calls<-2", ("llm_calls", None, None, "<", -2.0, False, "count")),
    ("count( tool:fetch page )<=+0", ("count(tool:fetch page)", "count", "tool:fetch page", "<=", 0.0, False,
                                      "count")),
    ("tokens>+.5%", ("tokens", None, None, ">", 0.5, True, "%")),
    ("duration>+2m", ("duration", None, None, ">", 120_000.0, False, "ms")),
    ("cost>+0.05", ("cost", None, None, ">", 0.05, False, "usd")),
])
def test_expressions_parse(text, parsed):
    t = parse_threshold(text)
    assert (t.metric, t.stat, t.target, t.operator, t.amount, t.relative, t.unit) == parsed


@pytest.mark.parametrize("text, column, words", [
    ("", 1, "expected a metric"),
    ("latency>+1%", 1, "unknown metric 'latency'"),
    ("cost>>10%", 6, "expected a signed change"),
    ("cost=+10%", 5, "expected an operator"),
    ("cost>10%", 6, "a change needs its sign"),
    ("p95>+20%", 4, "expected ( after p95"),
    ("p95(llm>+20%", 13, "expected ) to close"),
    ("p95()>+20%", 5, "expected a TARGET"),
    ("p95(search)>+20%", 5, "'search' is not a component"),
    ("cost>+10ms", 9, "'ms' is a time unit, and this metric is in usd"),
    ("cost>+10% or more", 11, "unexpected 'or more'"),
])
def test_a_mistake_names_its_column(text, column, words):
    with pytest.raises(UsageError) as raised:
        parse_threshold(text)
    assert f"column {column}: {words}" in raised.value.message


@pytest.fixture(scope="module")
def runs():
    return profile(agent_run(llm_ms=100.0)).report, profile(agent_run(llm_ms=150.0, searches=("a", "b"))).report


def test_a_relative_threshold_is_crossed_past_its_percentage(runs):
    crossed = evaluate(parse_threshold("p95(llm)>+20%"), *runs)
    kept = evaluate(parse_threshold("p95(llm)>+60%"), *runs)
    assert (crossed.crossed, crossed.change, kept.crossed) == (True, 50.0, False)


def test_an_absolute_threshold_compares_the_change_in_the_metric_s_unit(runs):
    result = evaluate(parse_threshold("p95(llm:writer)>=+50ms"), *runs)
    assert (result.base, result.new, result.change, result.crossed) == (100.0, 150.0, 50.0, True)


def test_a_decrease_threshold_is_crossed_only_by_a_large_enough_drop(runs):
    base, new = runs
    assert [evaluate(parse_threshold("tool_calls<-0"), new, base).crossed,
            evaluate(parse_threshold("tool_calls<-1"), new, base).crossed] == [True, False]


def test_from_zero_any_increase_crosses_a_percentage_and_has_no_change_figure(runs):
    base, new = runs
    result = evaluate(parse_threshold("count(tool:search)>+1000%"), base, base)
    grown = evaluate(parse_threshold("errors>+1000%"), profile(agent_run()).report,
                     profile(agent_run(fail_search=True)).report)
    assert (result.crossed, result.change) == (False, 0.0)
    assert (grown.crossed, grown.change, grown.note) == \
        (True, None, "BASE was 0: any increase is infinitely many percent")


def test_a_target_only_new_has_counts_from_zero_and_has_no_latency_in_base(runs):
    base = profile(agent_run(searches=())).report
    new = runs[1]
    assert evaluate(parse_threshold("count(tool:search)>+1"), base, new).crossed is True
    missing = evaluate(parse_threshold("p95(tool:search)>+1%"), base, new)
    assert (missing.crossed, missing.note) == (False, "no figure in BASE")


def test_a_target_neither_run_has_is_a_usage_error(runs):
    with pytest.raises(UsageError, match="neither run has operation 'tool:serch'"):
        evaluate(parse_threshold("p95(tool:serch)>+1%"), *runs)


def test_the_parsed_amount_is_finite():
    assert math.isfinite(parse_threshold("cost>+10%").amount)
