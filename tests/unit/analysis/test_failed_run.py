"""A run's outcome reads the one definition of a failed run: `failed` for a crash, a non-zero exit and a run that
gave up, its own status otherwise; and no finding says a run that gave up completed."""

from __future__ import annotations

from dataclasses import dataclass

from namel3ss_debug.analysis.failed_run import RunOutcome, consistent, outcome, outcome_said


@dataclass(frozen=True)
class _Finding:
    kind: str
    severity: str
    run_id: str = "r1"
    title: str = "the run gave up: its final answer apologises after tool:get_weather#1 failed"


def test_a_crash_a_non_zero_exit_and_a_critical_give_up_are_each_failed() -> None:
    gave_up = [_Finding("apology_after_failure", "critical")]
    assert outcome("failed", 1, []) == RunOutcome("failed")
    assert outcome("completed", 2, []) == RunOutcome("failed")
    assert outcome("completed", 0, gave_up) == RunOutcome("failed", "apology_after_failure")
    assert outcome("failed", 1, gave_up) == RunOutcome("failed")  # its end failed it first


def test_a_run_that_did_not_fail_keeps_its_status() -> None:
    assert outcome("completed", 0, [_Finding("apology_after_failure", "warning")]) == RunOutcome("completed")
    assert outcome("stopped", None, [_Finding("turn_limit", "critical")]) == RunOutcome("stopped")
    assert outcome(None, None, []) == RunOutcome("unfinished")


def test_every_screen_says_an_outcome_in_one_phrase() -> None:
    assert outcome_said("failed", 0, "turn_limit") == "failed (gave up)"
    assert outcome_said("failed", 1) == "failed (exit 1)"
    assert outcome_said("stopped", 1, None, "no recorded answer") == "stopped: no recorded answer"


def test_a_swallowed_error_of_a_run_that_gave_up_is_left_out_and_kept_elsewhere() -> None:
    findings = [_Finding("swallowed_error", "warning", "r1"), _Finding("turn_limit", "critical", "r1"),
                _Finding("swallowed_error", "warning", "r2"), _Finding("turn_limit", "warning", "r3"),
                _Finding("swallowed_error", "warning", "r3")]
    assert [(f.kind, f.run_id) for f in consistent(findings)] == [
        ("turn_limit", "r1"), ("swallowed_error", "r2"), ("turn_limit", "r3"), ("swallowed_error", "r3")]
