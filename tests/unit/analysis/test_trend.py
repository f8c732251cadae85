"""`analysis/trend.py`: figures across run rows, worked by hand; and what `runs` judges a regression with
(`diffing/row_thresholds.py`), how it reads `--since 2d` and `--finding`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from namel3ss_debug.analysis.run_row import OperationTimes, RunRow
from namel3ss_debug.analysis.trend import (
    crashed,
    day_trends,
    error_rate,
    operation_trends,
    regressions,
    tool_trends,
    trend,
)
from namel3ss_debug.diffing.row_thresholds import DEFAULT_RULES, row_judges
from namel3ss_debug.model.choices import FINDING_KINDS
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.ops.runs.listing import finding_pairs, moment


def row(run_id: str, started: str | None = "2026-11-20T10:00:00.000000Z", **fields: Any) -> RunRow:
    values: dict[str, Any] = dict(
        files=[], entry="script app.py", duration_ms=1000.0, status="completed", exit_code=0, models=[],
        frameworks=[], tags=[], llm_calls=1, tool_calls=0, total_tokens=100, cost_usd=0.01, unpriced_calls=0,
        errors=0, handled_errors=0, unhandled_errors=0, health="healthy", findings={},
        findings_by_severity={})
    values.update(fields)
    return RunRow(run_id=run_id, started=started, **values)


def test_an_operation_p50_and_p95_are_over_every_span_of_every_run() -> None:
    rows = [row("a"), row("b"), row("c")]
    operations = {"a": [OperationTimes("tool:search", [10.0, 20.0], 1)],
                  "b": [OperationTimes("tool:search", [30.0, 40.0, 50.0], 0), OperationTimes("llm:chat", [5.0], 0)],
                  "c": []}
    search, chat = operation_trends(rows, operations)
    # 10..50: the median is 30; the 95th percentile 40 + 0.8 * 10 (rank 3.8 of 0..4)
    assert (search.operation, search.runs, search.spans, search.p50_ms, search.p95_ms, search.errors) == \
        ("tool:search", 2, 5, 30.0, pytest.approx(48.0), 1)
    assert (chat.spans, chat.p50_ms, chat.p95_ms) == (1, 5.0, 5.0)


def test_an_operation_of_a_run_not_chosen_is_left_out() -> None:
    (only,) = operation_trends([row("a")], {"a": [OperationTimes("tool:x", [1.0], 0)],
                                             "z": [OperationTimes("tool:x", [99.0], 0)]})
    assert only.spans == 1 and only.p95_ms == 1.0


def test_a_day_sums_known_costs_counts_the_unpriced_and_has_no_cost_when_none_is_known() -> None:
    rows = [row("a", "2026-11-20T01:00:00.000000Z", cost_usd=0.25, total_tokens=10),
            row("b", "2026-11-20T23:59:59.999999Z", cost_usd=0.5, unpriced_calls=2, total_tokens=20),
            row("c", "2026-11-21T00:00:00.000000Z", cost_usd=None, unpriced_calls=1, total_tokens=5),
            row("d", "2026-11-22T00:00:00.000000Z", cost_usd=None, llm_calls=0, total_tokens=0),
            row("e", None)]
    first, second, third = day_trends(rows)
    assert (first.day, first.runs, first.cost_usd, first.unpriced_runs, first.total_tokens) == \
        ("2026-11-20", 2, 0.75, 1, 30)
    assert (second.day, second.cost_usd, second.unpriced_runs) == ("2026-11-21", None, 1)
    assert (third.day, third.cost_usd, third.unpriced_runs) == ("2026-11-22", None, 0)


def test_the_error_rate_counts_runs_with_errors_and_unhandled_apart() -> None:
    rate = error_rate([row("a"), row("b", errors=2, handled_errors=2), row("c", errors=1, unhandled_errors=1),
                       row("d")])
    assert (rate.runs, rate.with_errors, rate.with_unhandled, rate.rate, rate.unhandled_rate) == (4, 2, 1, 0.5, 0.25)
    assert error_rate([]).rate is None


def test_the_tools_that_fail_most_by_failures_per_call() -> None:
    rows = [row("a", tools={"search": [10, 1], "fetch": [2, 2], "ok": [5, 0]}),
            row("b", tools={"search": [10, 3], "pay": [4, 2]})]
    assert [(tool.tool, tool.calls, tool.failures, tool.failure_rate, tool.runs) for tool in tool_trends(rows)] == [
        ("fetch", 2, 2, 1.0, 1), ("pay", 4, 2, 0.5, 1), ("search", 20, 4, 0.2, 2)]


def _judged(*expressions: str):
    return [judge for _, judge in row_judges(expressions)]


def test_a_run_is_judged_against_the_run_before_of_its_entry_by_start() -> None:
    rows = [row("late", "2026-11-20T12:00:00.000000Z", total_tokens=300),
            row("first", "2026-11-20T08:00:00.000000Z", total_tokens=100),
            row("other", "2026-11-20T09:00:00.000000Z", entry="script other.py", total_tokens=1),
            row("middle", "2026-11-20T10:00:00.000000Z", total_tokens=100)]
    (found,) = regressions(rows, _judged("tokens>+50%"))
    assert (found.run_id, found.previous, found.entry) == ("late", "middle", "script app.py")
    (reason,) = found.reasons
    assert (reason.metric, reason.before, reason.after, reason.change, reason.unit, reason.rule) == \
        ("tokens", 100, 300, 200.0, "%", "tokens>+50%")


def test_health_worse_and_a_new_warning_finding_are_regressions_and_an_info_one_is_not() -> None:
    before = row("a", "2026-11-20T08:00:00.000000Z", findings={"call_loop": "info", "cacheable_calls": "warning"})
    after = row("b", "2026-11-20T09:00:00.000000Z", health="degraded",
                findings={"call_loop": "warning", "cacheable_calls": "warning", "prompt_growth": "info"})
    (found,) = regressions([before, after], [])
    assert [(reason.metric, reason.after) for reason in found.reasons] == [("health", "degraded"),
                                                                           ("findings", ["call_loop"])]
    assert regressions([after, row("c", "2026-11-20T10:00:00.000000Z", health="degraded",
                                   findings={"prompt_growth": "info"})], []) == []


def test_a_figure_one_run_lacks_is_not_judged_and_a_rise_from_0_crosses_a_relative_rule() -> None:
    base = row("a", "2026-11-20T08:00:00.000000Z", cost_usd=0.01, errors=0)
    unpriced = row("b", "2026-11-20T09:00:00.000000Z", cost_usd=5.0, unpriced_calls=1)
    unfinished = row("c", "2026-11-20T10:00:00.000000Z", duration_ms=None, cost_usd=0.01, status="unfinished")
    assert regressions([base, unpriced], _judged("cost>+10%")) == []  # a lower bound is no figure to compare
    assert regressions([base, unfinished], _judged("duration>+10%")) == []
    erred = row("d", "2026-11-20T11:00:00.000000Z", errors=1, handled_errors=1)
    (found,) = regressions([base, erred], _judged("errors>+50%"))
    assert found.reasons[0].change is None and found.reasons[0].after == 1  # from 0: infinitely many percent


def _at(hour: int) -> str:
    return f"2026-11-20T{hour:02d}:00:00.000000Z"


def test_a_run_after_a_crash_is_judged_against_the_last_run_that_did_not_crash() -> None:
    crash: dict[str, Any] = {"status": "failed", "exit_code": 1, "health": "failing", "total_tokens": 80}
    rows = [row("good", _at(8), total_tokens=190), row("crash", _at(9), **crash),
            row("killed", _at(10), status="unfinished", exit_code=None, duration_ms=None, total_tokens=40),
            row("exit-2", _at(11), exit_code=2, total_tokens=60), row("back", _at(12), total_tokens=190),
            row("crash-2", _at(13), **crash), row("costly", _at(14), total_tokens=380)]
    found = regressions(rows, _judged("tokens>+25%"))
    assert [(item.run_id, item.previous, item.crashed_between, [reason.metric for reason in item.reasons])
            for item in found] == [("crash", "good", 0, ["health"]), ("crash-2", "back", 0, ["health"]),
                                   ("costly", "back", 1, ["tokens"])]


def test_a_run_with_no_run_before_it_that_did_not_crash_is_not_judged() -> None:
    rows = [row("crash", _at(8), status="failed", exit_code=1, total_tokens=10),
            row("first-good", _at(9), total_tokens=190)]
    assert regressions(rows, _judged("tokens>+25%")) == []


@pytest.mark.parametrize("fields, said", [
    ({}, False), ({"exit_code": None}, False), ({"status": "skipped", "exit_code": None}, False),
    ({"status": "failed"}, True), ({"status": "unfinished", "exit_code": None}, True), ({"exit_code": 130}, True),
])
def test_a_run_crashed_when_it_failed_exited_otherwise_than_0_or_never_ended(fields, said: bool) -> None:
    assert crashed(row("r", **fields)) is said


def test_the_default_rules_and_a_rule_that_is_no_run_figure() -> None:
    assert [rule for rule, _ in row_judges(())] == list(DEFAULT_RULES)
    with pytest.raises(UsageError, match=r"--regression 'p95\(llm\)>\+1%'.*run index"):
        row_judges(("p95(llm)>+1%",))
    with pytest.raises(UsageError, match="--regression .*column"):
        row_judges(("cost>>1",))


def test_the_trend_names_its_rules_and_spans_the_runs_starts() -> None:
    rows = [row("a", "2026-11-21T00:00:00.000000Z"), row("b", "2026-11-19T00:00:00.000000Z"), row("c", None)]
    figures = trend(rows, {}, row_judges(("cost>+1%",)))
    assert (figures.runs, figures.first, figures.last, figures.rules) == (
        3, "2026-11-19T00:00:00.000000Z", "2026-11-21T00:00:00.000000Z", ["cost>+1%"])


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, at", [
    ("2d", "2026-11-24T12:00:00.000000Z"),
    ("3h", "2026-11-26T09:00:00.000000Z"),
    ("1.5h", "2026-11-26T10:30:00.000000Z"),
    ("30m", "2026-11-26T11:30:00.000000Z"),
    ("1w", "2026-11-19T12:00:00.000000Z"),
    ("2026-11-20", "2026-11-20T00:00:00.000000Z"),
    ("2026-11-20T09:00+02:00", "2026-11-20T07:00:00.000000Z"),
])
def test_a_time_is_back_from_now_or_a_moment_in_utc(text: str, at: str) -> None:
    assert moment(text, "--since", NOW) == at


@pytest.mark.parametrize("text", ["yesterday", "+30s", "2x", "99999999w"])
def test_a_time_that_is_neither_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        moment(text, "--since", NOW)


def test_finding_reads_as_check_fail_on_finding() -> None:
    assert finding_pairs("call_loop") == [("call_loop", "warning")]
    assert finding_pairs("call_loop:info") == [("call_loop", "info")]
    assert finding_pairs("any:critical") == [(kind, "critical") for kind in FINDING_KINDS]
    with pytest.raises(UsageError, match="did you mean 'call_loop'"):
        finding_pairs("call_loops")


def test_a_run_its_rerun_stopped_is_neither_judged_nor_a_baseline_nor_a_crash() -> None:
    stopped: dict[str, Any] = {"status": "stopped", "stopped": "no recorded answer", "exit_code": 1,
                               "health": "stopped", "total_tokens": 10}
    rows = [row("good", _at(8), total_tokens=100), row("stopped", _at(9), **stopped),
            row("costly", _at(10), total_tokens=200)]
    (found,) = regressions(rows, _judged("tokens>+25%"))
    assert (found.run_id, found.previous, found.crashed_between) == ("costly", "good", 0)
