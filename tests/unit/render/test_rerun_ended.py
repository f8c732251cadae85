"""How a rerun's report says the runs ended (`render/rerun/text.py`'s `ended` row): a run its rerun stopped says
`stopped:`, why, and the stop's own words in brackets when they say more than why (a miss's call and reason);
a quit at the console, whose words are its why, says it once."""

from __future__ import annotations

import pytest
from rich.console import Console

from namel3ss_debug.judging.compare import Comparison
from namel3ss_debug.judging.report import RerunReport, RunEnding
from namel3ss_debug.render.rerun.rerun_json import report_dict
from namel3ss_debug.render.rerun.text import render_report

MISS = "namel3ss_debug.model.rerun_protocol.RerunMiss"
QUIT = "namel3ss_debug.model.rerun_protocol.RerunQuit"


def ended_row(new: RunEnding) -> str:
    """The `rerun:` line of the report's `ended` row."""
    report = RerunReport("r1", "old.jsonl", "r2", ("new.jsonl",), ("app.py",), "/tmp", "call", "error",
                         {"recorded": 1}, (), (), (), None, RunEnding("completed", 0), new, 1)
    console = Console(width=200, color_system=None, record=True)
    with console.capture() as captured:
        console.print(render_report(report))
    return next(line.strip() for line in captured.get().splitlines() if line.strip().startswith("rerun:    "))


@pytest.mark.parametrize(("error_type", "message", "row"), [
    (MISS, "tool:search#2 at agent:a#1 > tool:search#2: the recording has no call here",
     "rerun:    stopped: no recorded answer (tool:search#2 at agent:a#1 > tool:search#2: the recording has no call "
     "here)"),
    (QUIT, "quit at the rerun's console", "rerun:    stopped: quit at the rerun's console"),
], ids=["miss", "quit"])
def test_a_stopped_run_says_why_and_the_stops_words_when_they_say_more(error_type: str, message: str,
                                                                       row: str) -> None:
    run_end = {"status": "failed", "attrs": {"exit_code": 1}, "error": {"type": error_type, "message": message}}
    assert ended_row(RunEnding.of(run_end)) == row


def rendered(old: RunEnding, new: RunEnding) -> list[str]:
    """The report's lines, for a rerun whose every call was answered and whose events matched the recording."""
    report = RerunReport("r1", "old.jsonl", "r2", ("new.jsonl",), ("app.py",), "/tmp", "call", "error",
                         {"recorded": 2}, (), (), (), Comparison(4, 0, 0, 0, None), old, new, 1)
    console = Console(width=200, color_system=None, record=True)
    with console.capture() as captured:
        console.print(render_report(report))
    return [line.strip() for line in captured.get().splitlines() if line.strip()]


def test_a_reproduced_failure_says_the_run_failed_again():
    failed = RunEnding("failed", 1, "ValueError", "boom")
    lines = rendered(failed, failed)
    assert lines[0] == "reproduced: the run failed again as recorded"
    assert "ended         recorded: failed, exit code 1, ValueError: boom" in lines


def test_a_run_that_completed_with_a_failing_exit_code_says_it_failed():
    exited = RunEnding("completed", 2)
    lines = rendered(exited, exited)
    assert lines[0] == "reproduced: the run failed again as recorded"
    assert "rerun:    failed: completed, exit code 2" in lines


def test_a_reproduced_run_that_ended_well_says_the_rerun_matches():
    done = RunEnding("completed", 0)
    assert rendered(done, done)[0] == "reproduced: the rerun matches the recording"


def test_the_json_says_whether_each_run_failed():
    report = RerunReport("r1", "old.jsonl", "r2", ("new.jsonl",), ("app.py",), "/tmp", "call", "error",
                         {"recorded": 2}, (), (), (), Comparison(4, 0, 0, 0, None),
                         RunEnding("failed", 1, "ValueError", "boom"), RunEnding("completed", 0), 1)
    assert report_dict(report)["failed"] == {"recorded": True, "rerun": False}
