"""The blame's levels and the order of its rules' steps come from each path's measured figures, system by system
(`calibration.py`), never from the rule's own say."""

from __future__ import annotations

from namel3ss_debug.analysis.diagnosis.blame import calibration
from namel3ss_debug.analysis.diagnosis.blame.judge import blame_run, failure_of
from namel3ss_debug.analysis.diagnosis.blame.measured import MEASURED

from test_blame_rules import asking, failed_run, keyerror, step

SURE = {"a": (20, 18, 17), "b": (10, 9, 8)}  # 90%/85% and 90%/80%: right at least 80% of the time on both


def test_high_needs_eighty_percent_on_agent_and_step_on_every_system_of_ten_runs_and_two_such_systems() -> None:
    assert calibration.level_of("p", {"p": SURE}) == "high"
    assert calibration.level_of("p", {"p": {**SURE, "c": (10, 10, 7)}}) == "medium"  # one system below 80% on the step
    assert calibration.level_of("p", {"p": {**SURE, "c": (9, 0, 0)}}) == "high"  # under 10 runs: not counted
    assert calibration.level_of("p", {"p": {"a": (20, 18, 17)}}) == "low"  # one system alone: fitted to it
    assert calibration.level_of("p", {"p": {**SURE, "c": (10, 10, 5)}}) == "low"  # the step half the time: not more
    assert calibration.level_of("unmeasured", {"p": SURE}) == "low"


def test_measured_paths_are_tried_by_how_often_they_named_the_step_and_the_others_keep_their_places() -> None:
    table = {"good": {"a": (10, 9, 9)}, "poor": {"a": (10, 9, 2)}, "few": {"a": (3, 3, 3)}}
    items = ["poor", "few", "good", "new"]
    assert calibration.ordered(items, items, table) == ["good", "few", "poor", "new"]
    assert calibration.ordered(items, items, {}) == items


def test_a_system_left_out_is_no_part_of_the_table_that_scores_it() -> None:
    assert calibration.without({"p": {"a": (1, 1, 1), "b": (2, 2, 2)}}, "a") == {"p": {"b": (2, 2, 2)}}


def test_the_blame_takes_its_level_from_the_table_not_from_the_rule() -> None:
    steps = [step(0, "llm", "plan", "a1", text="Plan: look up the weather in Paris, FR and report it."),
             asking(2), keyerror(4, asked_by=2)]
    run = failed_run(steps)
    failure = failure_of(run, [])
    assert failure is not None
    assert blame_run(run, failure, [], {}).confidence == "low"
    blame = blame_run(run, failure, [], {"error.value_from_agent": SURE})
    assert (blame.path, blame.confidence, blame.candidates[0].path) == ("error.value_from_agent", "high",
                                                                        "error.value_from_agent")


def test_the_shipped_table_gives_no_path_a_level_it_did_not_earn() -> None:
    for path in MEASURED:
        counted = [figures for figures in MEASURED[path].values() if figures[0] >= calibration.MIN_RUNS]
        if calibration.level_of(path, MEASURED) != "low":
            assert len(counted) >= calibration.MIN_SYSTEMS
