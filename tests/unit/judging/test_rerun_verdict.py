"""A rerun's verdict: reproduced only when every call was answered from the recording and nothing parted."""

from __future__ import annotations

import dataclasses

import pytest

from namel3ss_debug.rerun.candidates import input_difference
from namel3ss_debug.judging.compare import Comparison, EventDivergence
from namel3ss_debug.judging.report import RerunReport, RunEnding

SAME = Comparison(same=4, different=0, only_old=0, only_new=0, first=None)
DONE = RunEnding("completed", 0)


def report(**changes: object) -> RerunReport:
    base = RerunReport(source_run="a", source="a.jsonl", new_run="b", new_trace=("b.jsonl",), command=("app.py",),
                       cwd=".", match="call", on_miss="error",
                       counts={"recorded": 2, "mocked": 0, "replaced": 0, "live": 0, "missed": 0}, mocked=(),
                       misses=(), notes=(), comparison=SAME, old_ending=DONE, new_ending=DONE, exit_code=0)
    return dataclasses.replace(base, **changes)


def test_every_call_answered_and_nothing_parted_is_reproduced():
    assert report().reproduced and report().not_reproduced is None


@pytest.mark.parametrize(("changes", "why"), [
    ({"counts": {"recorded": 2, "live": 1}}, "1 call(s) ran live instead of being answered from the recording"),
    ({"counts": {"recorded": 0, "live": 0}},
     "nothing was answered from the recording: the rerun made no call the recording could answer"),
    ({"comparison": None}, "the rerun wrote no trace to compare"),
    ({"comparison": dataclasses.replace(SAME, first=EventDivergence(None, None, "x"))},
     "the rerun diverged from the recording"),
    ({"new_ending": RunEnding("failed", 1)}, "the rerun ended differently"),
    ({"new_ending": RunEnding("stopped", 1, stopped="quit at the rerun's console"),
      "comparison": dataclasses.replace(SAME, first=EventDivergence(None, None, "x"))},
     "stopped: quit at the rerun's console"),  # said as the `ended` row says it, not as a divergence
])
def test_a_rerun_that_is_not_a_reproduction_says_why(changes, why):
    assert not report(**changes).reproduced and report(**changes).not_reproduced == why


def test_tools_that_ran_again_and_compare_the_same_are_a_reproduction():
    assert report(counts={"recorded": 2, "reran": 1, "live": 0}).reproduced


def test_a_rerun_whose_every_call_ran_again_answered_nothing_from_the_recording():
    assert report(counts={"recorded": 0, "reran": 2}).not_reproduced == \
        "nothing was answered from the recording: every call the rerun made ran again"


def test_a_tool_that_ran_again_and_returned_something_else_is_a_divergence():
    parted = dataclasses.replace(SAME, different=1, first=EventDivergence(None, None, "outputs.return"))
    assert report(counts={"recorded": 2, "reran": 1}, comparison=parted).not_reproduced == \
        "the rerun diverged from the recording"


def test_two_long_texts_are_shown_where_they_part_not_from_their_common_start():
    said = input_difference({"text": "x" * 80 + " [nonce 3f9a] ok"}, {"text": "x" * 80 + " [nonce 77c1] ok"},
                            words=("recorded", "rerun"))
    assert said == ("text: at character 89: recorded '..." + "x" * 16 + " [nonce 3f9a] ok', rerun '..." + "x" * 16
                    + " [nonce 77c1] ok'")


def test_a_run_its_rerun_stopped_ends_stopped_as_every_view_says_it():
    event = {"status": "failed", "attrs": {"exit_code": 1},
             "error": {"type": "namel3ss_debug.model.rerun_protocol.RerunMiss", "message": "llm:chat#2 ..."}}
    assert RunEnding.of(event) == RunEnding("stopped", 1, "namel3ss_debug.model.rerun_protocol.RerunMiss",
                                            "llm:chat#2 ...", "no recorded answer")
    crashed = {**event, "error": {"type": "KeyError", "message": "'x'"}}
    assert (RunEnding.of(crashed).status, RunEnding.of(crashed).stopped) == ("failed", None)
