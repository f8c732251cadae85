"""`fail_on_finding`: the rule reads the diagnosis's findings, judged with the thresholds it is given (verify's
outcome passes the workspace's `diagnose_*` keys), and its value reads as a rule's."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tracefactory import retried_tool_run

from namel3ss_debug.analysis.thresholds import Judging, Thresholds
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.checks.rules import rules_from_value
from namel3ss_debug.ops.judged import judge_run
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.checks.rules import rules_from_flags
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def retried(path: Path) -> RunSource:
    retried_tool_run().write(path)
    return RunSource(str(path), (str(path),))


def test_the_rule_judges_with_the_thresholds_given(tmp_path: Path) -> None:
    source = retried(tmp_path / "run.jsonl")
    rules = rules_from_value("fail_on_finding", ["retry_without_backoff"], "test")
    check, _ = judge_run(source, TraceReader(ReadProblems()), rules)
    assert not check.passed  # 0 ms between the retries: under the default 100 ms
    tuned = Options(judging=Judging(Thresholds(backoff_ms=0.0)))
    check, _ = judge_run(source, TraceReader(ReadProblems()), rules, tuned)
    assert check.passed


def test_kind_and_severity_are_read_with_warning_the_default() -> None:
    [any_critical, loop] = rules_from_value("fail_on_finding", ["any:critical", "call_loop"], "file")
    assert (any_critical.target, any_critical.limit, loop.target, loop.limit) == (
        "any", "critical", "call_loop", "warning")


@pytest.mark.parametrize("text", ["call_loop:", "nothing", ":warning"])
def test_a_value_that_is_no_kind_and_severity_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--fail-on-finding"):
        rules_from_flags({"fail_on_finding": [text]})
