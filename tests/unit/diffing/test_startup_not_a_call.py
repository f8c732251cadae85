"""The run's start-up span is no call: a run recorded before the tracer wrote one diffs clean against a run
that has one, in the C recorder as in its reference."""

from __future__ import annotations

from diffruns import agent_run, profile
from tracefactory import insert_startup

from namel3ss_debug.diffing.compare import diff_runs


def test_a_run_with_a_start_up_diffs_clean_against_one_without():
    report = diff_runs(profile(agent_run()), profile(insert_startup(agent_run())))
    assert (report.calls.divergence, report.calls.added, report.calls.removed) == (None, 0, 0)


def test_the_start_up_is_not_in_the_call_sequence():
    calls = profile(insert_startup(agent_run())).calls.calls
    assert not [op for op in calls.operations() if "start-up" in op]
