"""`unchanged_after_error` (`rules/unchanged.py`'s docstring states it): a failed tool call run again with the same
arguments after the model saw its error, failing the same way; and the runs that look alike but are not (changed
code, another error, an app's own retry, a tool `tool_failing_repeatedly` already names), over hand-built steps and
a traced group chat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.handsteps import step
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder, error
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules.unchanged import unchanged_after_error
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
CODE = '{"code": "print(mean([]))"}'


def asking(seq: int, code: str = CODE) -> Step:
    return step(seq, "llm", "chat", asked=(ToolAsk("run_code", code, f"call_{seq}"),))


def ran(seq: int, code: str = CODE, asked_by: int | None = None, error_type: str | None = "NameError",
        message: str = "name 'mean' is not defined") -> Step:
    if error_type is None:
        return step(seq, "tool", "run_code", inputs_key=hash(code), arguments=code, asked_by=asked_by, result="3.0")
    return step(seq, "tool", "run_code", status="failed", inputs_key=hash(code), arguments=code, asked_by=asked_by,
                error_type=error_type, error_message=message)


def judged(steps: list[Step], status: str = "completed", **thresholds: Any) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "coder", 0, status=status, steps=steps)
    run = RunClues(RUN, 0, agents={"a1": "coder"})
    return list(unchanged_after_error(agent, run, Judging(Thresholds(**thresholds))))


def test_the_same_code_run_again_after_the_model_saw_it_fail_is_unchanged() -> None:
    steps = [asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4), step(8, "llm", "chat", text="Sorry.")]
    [finding] = judged(steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("unchanged_after_error", "warning", "high")
    assert [item.address for item in finding.evidence] == ["llm:chat#0", "tool:run_code#2", "llm:chat#4",
                                                           "tool:run_code#6"]
    assert finding.evidence[2].note == "saw the error and asked for run_code again with the same arguments"
    assert finding.title == "the model ran run_code again unchanged after it failed with NameError"
    assert "tool:run_code#6 ran run_code with the same arguments as tool:run_code#2" in finding.why
    assert finding.figures == {"unchanged": 1.0} and finding.agent == "coder"


def test_critical_when_the_agent_then_ended_failed() -> None:
    steps = [asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4)]
    [finding] = judged(steps, status="failed")
    assert finding.severity == "critical" and "the agent then ended failed" in finding.why


def test_changed_code_is_no_finding_though_it_fails_the_same_way() -> None:
    fixed = '{"code": "from statistics import mean; print(mean([]))"}'
    steps = [asking(0), ran(2, asked_by=0), asking(4, fixed), ran(6, fixed, asked_by=4)]
    assert judged(steps) == []


def test_the_same_code_failing_another_way_or_succeeding_is_no_finding() -> None:
    assert judged([asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4, error_type="TimeoutError")]) == []
    assert judged([asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4, error_type=None)]) == []


def test_another_message_of_the_same_error_type_is_medium() -> None:
    steps = [asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4, message="name 'np' is not defined")]
    assert [finding.confidence for finding in judged(steps)] == ["medium"]


def test_a_retry_with_no_model_call_between_is_the_apps_not_the_models() -> None:
    assert judged([asking(0), ran(2, asked_by=0), ran(4, asked_by=0)]) == []


def test_a_tool_that_tool_failing_repeatedly_names_is_not_said_twice() -> None:
    steps = [asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4), asking(8), ran(10, asked_by=8)]
    assert judged(steps) == []  # three failures: tool_failing_repeatedly's
    assert [finding.figures["unchanged"] for finding in judged(steps, tool_failures=4)] == [2.0]


def test_a_group_chats_coder_running_the_same_code_again_is_named_by_its_turn(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "GroupChat")
    for number in range(2):
        coder = trace.start("agent", "Coder", team, kind="agent_turn")
        chat = trace.start("llm", "chat", coder, inputs={"messages": [{"role": "user", "content": f"try {number}"}]})
        trace.end(chat, 3, outputs={"text": "Let me run the code."})
        code = trace.start("tool", "execute_code", coder, inputs={"code": "mean([])"})
        trace.end(code, 3, status="failed", error=error("NameError", "name 'mean' is not defined"))
        trace.end(coder, 5, outputs={"output": "exitcode: 1 (execution failed)"})
    trace.end(team, 1)
    trace.run_end()
    [finding] = findings_of(trace.write(tmp_path / "chat.jsonl"), "unchanged_after_error")
    assert finding.agent == "Coder" and finding.evidence[-1].address == "tool:execute_code#2"


def test_without_inputs_recorded_the_arguments_text_is_compared_with_medium_confidence() -> None:
    steps = [asking(0), ran(2, asked_by=0), asking(4), ran(6, asked_by=4)]
    for call in (steps[1], steps[3]):
        call.inputs_key = None
    assert [finding.confidence for finding in judged(steps)] == ["medium"]
    steps[3].arguments = '{"code": "print(mean([1]))"}'
    assert judged(steps) == []
