"""The swallowed-error rules over hand-built steps (`rules/swallowed.py`'s docstring states them): a failure nothing
redid in a run that reports success, a final answer that apologises after one, and the runs that recovered (a retry
that succeeded, the model calling the tool again) or ended failed, which do not fire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.handsteps import step
from support.findingtraces import findings_of, traced
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.swallowed import (answer_gives_up, apology_after_failure, apology_in,
                                                               swallowed_error, unrecovered)
from namel3ss_debug.analysis.diagnosis.notes.steps import RunClues, Step
from namel3ss_debug.analysis.thresholds import Judging

RUN = "run-1"
APOLOGY = "I'm sorry, I couldn't get the weather for Paris, FR right now."


def failed_tool(seq: int, name: str = "get_weather") -> Step:
    return step(seq, "tool", name, status="failed", error_type="KeyError", error_message="'Paris, FR'",
                arguments='{"city": "Paris, FR"}')


def run_of(steps: list[Step], final: str | None = None, **fields: Any) -> RunClues:
    """A run's clues: every step kept, its failed ones its errors, its last LLM answer the final text."""
    answers = [item for item in steps if item.component == "llm" and item.text]
    fields.setdefault("status", "completed")
    return RunClues(RUN, 0, agents={"a1": "planner"}, opening=steps[:64], recent=steps[-256:],
                    errors=[item for item in steps if item.status == "failed"],
                    final_text=final if final is not None else (answers[-1].text if answers else None),
                    final_seq=answers[-1].seq if answers else None, **fields)


def judge(rule: Any, run: RunClues) -> list[Finding]:
    return list(rule(run, RunFigures(RUN), Judging()))


def weather_run(*middle: Step, answer: str = "It is 14 C in Paris.", **fields: Any) -> RunClues:
    return run_of([step(0, "llm", "chat"), failed_tool(2), *middle, step(20, "llm", "chat", text=answer)], **fields)


# -- swallowed_error ---------------------------------------------------------------------------------------------
def test_a_failed_tool_never_redone_in_a_run_that_reports_success_is_swallowed() -> None:
    [finding] = judge(swallowed_error, weather_run(exit_code=0))
    assert (finding.kind, finding.severity, finding.confidence) == ("swallowed_error", "warning", "medium")
    assert [item.address for item in finding.evidence] == ["tool:get_weather#2"] and finding.agent == "planner"
    assert "KeyError: 'Paris, FR'" in finding.why and "exit code 0" in finding.why
    assert '{"city": "Paris, FR"}' in finding.suggestion and finding.figures == {"count": 1.0}


def test_a_retry_that_succeeded_or_a_later_call_of_the_tool_recovers() -> None:
    assert judge(swallowed_error, weather_run(step(6, "tool", "get_weather"))) == []


def test_a_run_that_ended_failed_or_with_an_exit_code_did_not_swallow_it() -> None:
    assert judge(swallowed_error, weather_run(status="failed")) == []
    assert judge(swallowed_error, weather_run(exit_code=1)) == []
    assert judge(swallowed_error, weather_run(status=None)) == []


def test_a_failed_llm_call_retried_successfully_is_recovered_and_one_never_retried_is_not() -> None:
    failed = step(4, "llm", "chat", status="failed", error_type="HTTP 500", error_message="server error")
    assert judge(swallowed_error, run_of([failed, step(6, "llm", "chat", text="Done.")])) == []
    [finding] = judge(swallowed_error, run_of([step(2, "llm", "chat", text="Draft."), failed]))
    assert finding.evidence[0].address == "llm:chat#4"


def test_each_failed_operation_is_one_finding_with_all_its_failures() -> None:
    found = judge(swallowed_error, weather_run(failed_tool(4), failed_tool(6, name="get_time")))
    assert sorted((item.title.split()[0], item.figures["count"]) for item in found) == [
        ("tool:get_time", 1.0), ("tool:get_weather", 2.0)]


def test_a_failure_older_than_the_kept_steps_is_not_judged() -> None:
    old = failed_tool(2)
    run = RunClues(RUN, 0, status="completed", opening=[old], recent=[step(900, "llm", "chat", text="ok")],
                   errors=[old])
    assert unrecovered(run) == [] and judge(swallowed_error, run) == []


# -- apology_after_failure ---------------------------------------------------------------------------------------
def test_an_apology_after_a_failure_nothing_redid_is_the_run_giving_up() -> None:
    [finding] = judge(apology_after_failure, weather_run(answer=APOLOGY))
    assert (finding.kind, finding.severity, finding.confidence) == ("apology_after_failure", "critical", "high")
    assert [item.address for item in finding.evidence] == ["tool:get_weather#2", "llm:chat#20"]
    assert finding.evidence[1].note.startswith("final answer: I'm sorry")
    assert "tool:get_weather#2 failed with KeyError" in finding.why and "fail-on-finding" in finding.suggestion


def test_an_apology_late_in_the_answer_is_less_sure() -> None:
    answer = "Here is what I found about your trip to Paris and the museums you asked about. " \
             "Unfortunately I was unable to get the weather."
    [finding] = judge(apology_after_failure, weather_run(answer=answer))
    assert finding.confidence == "medium"


def test_an_apology_after_a_recovered_failure_still_gives_up_less_surely() -> None:
    [finding] = judge(apology_after_failure, weather_run(step(6, "tool", "get_weather"), answer=APOLOGY))
    assert (finding.kind, finding.severity, finding.confidence) == ("apology_after_failure", "critical", "medium")
    assert "a later call of it completed" in finding.why


def test_an_apology_with_no_failure_is_not_an_apology_after_failure_but_an_answer_that_gives_up() -> None:
    run = run_of([step(0, "llm", "chat", text=APOLOGY)])
    assert judge(apology_after_failure, run) == []
    [finding] = judge(answer_gives_up, run)
    assert (finding.kind, finding.severity, finding.confidence) == ("answer_gives_up", "warning", "low")
    assert [item.address for item in finding.evidence] == ["llm:chat#0"]
    assert judge(answer_gives_up, weather_run(answer=APOLOGY)) == [], "a failure before it: apology_after_failure"
    assert judge(answer_gives_up, run_of([step(0, "llm", "chat", text="It is 14 C.")])) == []


def test_an_answer_that_does_not_apologise_does_not_fire() -> None:
    assert judge(apology_after_failure, weather_run(answer="It is 14 C in Paris.")) == []


def test_the_apology_phrases_are_matched_lower_cased_with_plain_apostrophes() -> None:
    assert apology_in("I\u2019m sorry, that failed.") == 0
    assert apology_in("Unfortunately, I am not able to reach the service.") == 20
    assert apology_in("I apologize for the trouble.") == 0
    assert apology_in("The forecast: sunny, 21 C.") is None and apology_in(None) is None


# -- through traces of decorated apps (`analyze` with the findings section) -------------------------------------------
STATIONS = {"Paris": "light rain, 14 C"}


@trace_tool_call
def get_weather(city: str) -> str:
    return STATIONS[city]


@trace_llm_call(name="planner_llm")
def planner_llm(messages: list[dict[str, str]], answer: str) -> dict[str, Any]:
    return {"text": answer}


@trace_agent_execution(name="planner")
def planner(cities: list[str], answer: str, apology: str) -> str:
    """Asks for the weather of each city in turn until one answers; answers with `apology` when none did."""
    messages = [{"role": "user", "content": "What's the weather in Paris?"}]
    for city in cities:
        try:
            messages.append({"role": "tool", "content": get_weather(city)})
            return str(planner_llm(messages, answer)["text"])
        except KeyError as exc:
            messages.append({"role": "tool", "content": f"error: {exc!r}"})
    return str(planner_llm(messages, apology)["text"])


def test_a_traced_tool_failure_the_app_hid_behind_a_confident_answer_is_swallowed(tmp_path: Path) -> None:
    path = traced(tmp_path / "hid.jsonl", lambda: planner(["Paris, FR"], "x", "It is 14 C in Paris."))
    [finding] = findings_of(path, "swallowed_error")
    assert finding.evidence[0].address == "tool:get_weather#1" and finding.agent == "planner"
    assert "KeyError" in finding.why and findings_of(path, "apology_after_failure") == []


def test_a_traced_apology_after_the_tool_failed_is_the_run_giving_up(tmp_path: Path) -> None:
    path = traced(tmp_path / "sorry.jsonl", lambda: planner(["Paris, FR"], "x", APOLOGY))
    [finding] = findings_of(path, "apology_after_failure")
    assert [item.address for item in finding.evidence] == ["tool:get_weather#1", "llm:planner_llm#1"]
    assert finding.severity == "critical" and finding.agent == "planner"


def test_a_traced_failure_retried_with_a_city_that_answers_is_recovered(tmp_path: Path) -> None:
    path = traced(tmp_path / "retried.jsonl", lambda: planner(["Paris, FR", "Paris"], "Light rain, 14 C.", APOLOGY))
    assert findings_of(path, "swallowed_error") == [] and findings_of(path, "apology_after_failure") == []
