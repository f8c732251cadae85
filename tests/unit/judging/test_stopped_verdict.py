"""verify's verdict of a try that a miss stopped: what failed before the stop decides `regressed` when it is a
failure the recording has not (and the new run got no further than the recording's first failure); otherwise the
try has no outcome of its own and is `inconclusive`."""

from __future__ import annotations

from namel3ss_debug.judging.outcome import Failure, Outcome
from namel3ss_debug.judging.verdict import judge

STOP = "llm:openai.chat#2 had no recorded answer (the miss is shown below)"
HANDLED_KEY = Failure("handled", "KeyError", "handled KeyError")
UNHANDLED_VALUE = Failure("unhandled", "ValueError", "unhandled ValueError")


def ran(status: str, *failures: Failure, reached: int = 2) -> Outcome:
    return Outcome("r", status, 0 if status == "completed" else 1, failures, None, reached, 0, 0)


def test_a_run_that_passed_and_a_try_with_a_failure_before_the_stop_is_regressed() -> None:
    said = judge(ran("completed"), ran("stopped", HANDLED_KEY, reached=1), STOP)
    assert said.verdict == "regressed" and said.exit_code == 1
    assert said.why == ("before it was stopped, the new run failed where the recording did not: handled KeyError "
                        f"(then {STOP})")


def test_nothing_failed_before_the_stop_is_inconclusive() -> None:
    said = judge(ran("completed"), ran("stopped"), STOP)
    assert (said.verdict, said.why) == ("inconclusive", f"the new run was stopped: {STOP}")


def test_the_recordings_own_failure_before_the_stop_is_inconclusive() -> None:
    assert judge(ran("failed", HANDLED_KEY), ran("stopped", HANDLED_KEY), STOP).verdict == "inconclusive"


def test_a_new_failure_after_the_recordings_first_may_be_a_fix_that_got_further_so_it_is_inconclusive() -> None:
    recorded = ran("failed", UNHANDLED_VALUE, reached=1)
    assert judge(recorded, ran("stopped", HANDLED_KEY, reached=3), STOP).verdict == "inconclusive"
    assert judge(recorded, ran("stopped", HANDLED_KEY, reached=1), STOP).verdict == "regressed"


def test_no_trace_or_a_recording_that_never_ended_is_inconclusive() -> None:
    assert judge(ran("completed"), None, STOP).verdict == "inconclusive"
    assert judge(ran("unfinished"), ran("stopped", HANDLED_KEY), STOP).verdict == "inconclusive"
