"""The diff report: overview and latency changes, calls added and removed, first divergence, changed outputs."""

from __future__ import annotations

from diffruns import agent_run, profile

from namel3ss_debug.diffing.compare import change, diff_runs, first_difference, window
from namel3ss_debug.diffing.thresholds import parse_threshold


def diff(base_events, new_events, *thresholds, **options):
    return diff_runs(profile(base_events), profile(new_events), [parse_threshold(t) for t in thresholds], **options)


def overview(report):
    return {c.metric: (c.base, c.new, c.delta, c.percent) for c in report.overview}


def test_a_change_is_new_minus_base_with_a_percentage_of_base():
    assert change("cost", "usd", 0.5, 0.75) == change("cost", "usd", 0.5, 0.75)
    assert (change("x", "ms", 200.0, 150.0).delta, change("x", "ms", 200.0, 150.0).percent) == (-50.0, -25.0)


def test_a_change_from_zero_has_no_percentage_and_no_change_is_zero_percent():
    assert (change("errors", "count", 0.0, 2.0).percent, change("errors", "count", 0.0, 0.0).percent) == (None, 0.0)


def test_a_missing_figure_has_no_change():
    missing = change("cost", "usd", None, 0.1)
    assert (missing.delta, missing.percent) == (None, None)


def test_the_overview_compares_the_run_figures_side_by_side():
    figures = overview(diff(agent_run(), agent_run(searches=("a", "b"), fail_search=True)))
    assert (figures["tool_calls"], figures["llm_calls"][2], figures["errors"][:3]) == (
        (1.0, 2.0, 1.0, 100.0), 0.0, (0.0, 2.0, 2.0))


def test_identical_runs_have_no_divergence_and_no_changed_output():
    report = diff(agent_run(), agent_run())
    assert (report.calls.divergence, report.calls.added, report.calls.removed, report.outputs.changed) == \
        (None, 0, 0, 0)


def test_an_extra_tool_call_is_the_first_divergence_with_context_on_each_side():
    report = diff(agent_run(searches=("a",)), agent_run(searches=("a", "b")), context=2)
    divergence = report.calls.divergence
    assert (divergence.kind, [c.key for c in divergence.added], divergence.added_total) == \
        ("insert", ["tool:search#2"], 1)
    assert ([c.key for c in divergence.before_new], [c.key for c in divergence.after_base],
            [c.key for c in divergence.after_new]) == (
        ["llm:planner#1", "tool:search#1"], ["llm:writer#1"], ["llm:writer#1"])
    assert divergence.added[0].parent == "agent:researcher#1"


def test_calls_added_and_removed_are_counted_per_operation():
    report = diff(agent_run(searches=("a", "b", "c")), agent_run(searches=("a",)))
    assert [(r.operation, r.base, r.new, r.added, r.removed) for r in report.calls.by_operation] == [
        ("tool:search", 3, 1, 0, 2)]


def test_latency_changes_per_operation_the_largest_first():
    report = diff(agent_run(llm_ms=100.0), agent_run(llm_ms=250.0))
    rows = {row.operation: row for row in report.operations}
    assert [row.operation for row in report.operations] == [
        "llm:planner", "llm:writer", "agent:researcher", "tool:search"]  # ties by name
    assert (rows["llm:writer"].p95_ms.delta, rows["llm:writer"].p95_ms.percent, rows["tool:search"].p95_ms.delta) == \
        (150.0, 150.0, 0.0)


def test_an_operation_only_one_run_has_is_added_or_removed():
    report = diff(agent_run(searches=()), agent_run(searches=("a",)))
    row = next(r for r in report.operations if r.operation == "tool:search")
    assert (row.presence, row.count.base, row.count.new, row.p95_ms.delta, row.p95_ms.new) == \
        ("added", 0.0, 1.0, None, 20.0)


def test_components_of_instant_events_only_have_no_latency_row():
    assert "memory" not in [row.operation for row in diff(agent_run(), agent_run()).components]


def test_a_changed_llm_output_is_shown_from_just_before_where_it_differs():
    report = diff(agent_run(answer="Sunlight frees electrons."), agent_run(answer="Sunlight frees holes."))
    (item,) = report.outputs.items
    assert (report.outputs.compared, item.base.key, item.inputs_changed, item.offset) == \
        (3, "llm:writer#1", False, 24)
    assert (item.base_preview, item.new_preview) == ('{"text":"Sunlight frees electrons."}',
                                                     '{"text":"Sunlight frees holes."}')


def test_a_call_that_failed_in_one_run_only_is_a_changed_output():
    report = diff(agent_run(), agent_run(fail_search=True))
    (item,) = report.outputs.items
    assert (item.base.status, item.new.status, item.new_preview) == ("completed", "failed", "TimeoutError: late")


def test_a_tool_that_failed_in_new_only_is_the_first_divergence_at_that_tool():
    divergence = diff(agent_run(), agent_run(fail_search=True)).calls.divergence
    assert divergence is not None
    assert (divergence.kind, divergence.base_index, divergence.new_index) == ("changed", 3, 3)
    assert [(ref.key, ref.status) for ref in (*divergence.removed, *divergence.added)] == \
        [("tool:search#1", "completed"), ("tool:search#1", "failed")]
    assert [ref.key for ref in divergence.after_new] == ["llm:writer#1"]


def test_each_side_says_how_its_run_turned_out_as_analyze_health_says_it():
    report = diff(agent_run(), agent_run(fail_search=True))
    assert (report.base.outcome, report.new.outcome) == ("healthy", "degraded")
    assert report.new.outcome_reason == "completed with 1 handled error (TimeoutError 1)"


def test_only_the_first_changed_outputs_are_kept_but_all_are_counted():
    report = diff(agent_run(searches=("a", "b", "c")), agent_run(searches=("a", "b", "c"), fail_search=True),
                  outputs_shown=2)
    assert (report.outputs.changed, len(report.outputs.items)) == (3, 2)


def test_thresholds_are_evaluated_into_the_report():
    report = diff(agent_run(llm_ms=100.0), agent_run(llm_ms=130.0), "p95(llm)>+20%", "p95(llm)>+50%")
    assert [(t.expression, t.crossed) for t in report.thresholds] == [("p95(llm)>+20%", True), ("p95(llm)>+50%", False)]
    assert [t.expression for t in report.crossed] == ["p95(llm)>+20%"]


def test_a_preview_window_marks_what_it_leaves_out():
    assert (window("abcdefgh", 2, 3), window("abc", 0, 3), first_difference("same", "same")) == ("…cde…", "abc", -1)
