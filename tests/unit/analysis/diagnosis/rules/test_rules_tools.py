"""The tool rules (`rules/tools.py`'s docstring states them): a tool failing the same way while the model keeps
asking for it, a tool the request did not offer, arguments that are not JSON or do not fit the schema; and the
runs that look alike but are fine (a tool that failed twice, a plain retry loop, a call that completed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.handsteps import step
from support.findingtraces import findings_of, traced
from namel3ss_debug import span, trace_agent_execution, trace_llm_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules.tools import (
    argument_problems, bad_tool_arguments, tool_failing_repeatedly, unknown_tool,
)
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
                                           "unit": {"type": "string", "enum": ["c", "f"]}},
          "required": ["city"], "additionalProperties": False}


def asks(name: str = "get_weather", arguments: str = '{"city": "Paris, FR"}', call_id: str | None = None,
         **values: Any) -> tuple[ToolAsk, ...]:
    parsed = json.loads(arguments) if values.get("parses", True) else None
    return (ToolAsk(name, arguments, call_id, values.get("parses", True),
                    parsed if isinstance(parsed, dict) else None),)


def failed(seq: int, asked_by: int | None = None, error: str = "KeyError", **fields: Any) -> Step:
    return step(seq, "tool", "get_weather", status="failed", error_type=error, error_message="'Paris, FR'",
                handled=True, asked_by=asked_by, arguments='{"city": "Paris, FR"}', **fields)


def judged(rule: Any, steps: list[Step], status: str = "completed", schemas: dict[int, dict[str, object]] | None = None,
           **thresholds: Any) -> list[Finding]:
    agent = AgentSteps(RUN, "a1", "weather", 0, status=status, steps=steps)
    run = RunClues(RUN, 0, agents={"a1": "weather"}, schemas=schemas or {})
    return list(rule(agent, run, Judging(Thresholds(**thresholds))))


def model_retrying(failures: int, then: str = "apology") -> list[Step]:
    """An LLM asking for get_weather, the tool failing, `failures` times; then an apology or a success."""
    steps: list[Step] = []
    for index in range(failures):
        steps += [step(10 * index, "llm", "chat", asked=asks(call_id=f"c{index}")), failed(10 * index + 2, 10 * index)]
    end = 10 * failures
    if then == "success":
        steps += [step(end, "llm", "chat", asked=asks(arguments='{"city": "Paris"}')),
                  step(end + 2, "tool", "get_weather", asked_by=end), step(end + 4, "llm", "chat", text="Sunny.")]
    else:
        steps.append(step(end, "llm", "chat", text="Sorry, I could not get the weather."))
    return steps


# -- tool_failing_repeatedly ---------------------------------------------------------------------------------------
def test_a_tool_failing_three_times_while_the_model_asks_again_then_gives_up_is_critical() -> None:
    [finding] = judged(tool_failing_repeatedly, model_retrying(3))
    assert (finding.kind, finding.severity, finding.confidence) == ("tool_failing_repeatedly", "critical", "high")
    assert finding.title == "get_weather failed 3 times with KeyError while the model kept asking for it"
    assert [item.ref.seq for item in finding.evidence] == [0, 2, 12, 22]  # the asking call, then the failures
    assert "threshold 3, diagnose_tool_failures" in finding.why and "3 handled" in finding.why
    assert "asked for it again after 2" in finding.why and "gave up" in finding.why
    assert "tool:get_weather#2" in finding.suggestion and "Paris, FR" in finding.suggestion
    assert finding.setting == "diagnose_tool_failures" and finding.agent == "weather"
    assert finding.figures == {"count": 3.0, "asked_again": 2.0}


def test_a_tool_that_succeeded_after_its_failures_is_a_warning() -> None:
    [finding] = judged(tool_failing_repeatedly, model_retrying(3, then="success"))
    assert finding.severity == "warning" and "it succeeded later" in finding.why


def test_an_agent_that_ended_failed_makes_it_critical_even_after_a_success() -> None:
    [finding] = judged(tool_failing_repeatedly, model_retrying(3, then="success"), status="failed")
    assert finding.severity == "critical"


def test_two_failures_are_under_the_threshold_and_the_threshold_is_tunable() -> None:
    assert judged(tool_failing_repeatedly, model_retrying(2)) == []
    assert len(judged(tool_failing_repeatedly, model_retrying(2), tool_failures=2)) == 1


def test_failures_of_different_error_types_are_not_the_same_failure() -> None:
    steps = model_retrying(3)
    steps[3] = failed(12, 10, error="TimeoutError")
    assert judged(tool_failing_repeatedly, steps) == []


def test_a_retry_loop_in_code_with_no_model_between_the_failures_is_not_this_finding() -> None:
    steps = [step(0, "llm", "chat", asked=asks()), failed(2, 0), failed(4, 0), failed(6, 0)]
    assert judged(tool_failing_repeatedly, steps) == []


def test_a_model_that_asked_for_another_tool_in_between_did_not_ask_again() -> None:
    steps = [step(0, "llm", "chat", asked=asks()), failed(2, 0),
             step(4, "llm", "chat", asked=asks(name="search")), failed(6, 4),
             step(8, "llm", "chat", asked=asks(name="search")), failed(10, 8)]
    assert judged(tool_failing_repeatedly, steps) == []


def test_unlinked_failures_are_said_with_medium_confidence() -> None:
    steps = [s if s.component == "llm" else failed(s.seq) for s in model_retrying(3)]
    [finding] = judged(tool_failing_repeatedly, steps)
    assert finding.confidence == "medium"


# -- unknown_tool --------------------------------------------------------------------------------------------------
def test_a_tool_the_request_did_not_offer_is_unknown() -> None:
    steps = [step(0, "llm", "chat", asked=asks(name="get_wether"), offered=("get_weather", "search"))]
    [finding] = judged(unknown_tool, steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("unknown_tool", "warning", "high")
    assert "`get_wether`" in finding.title and "offered: get_weather, search" in finding.why
    assert finding.evidence[0].address == "llm:chat#0"


def test_an_unknown_tool_is_critical_when_the_agent_then_failed() -> None:
    steps = [step(0, "llm", "chat", asked=asks(name="get_wether"), offered=("get_weather",))]
    assert [f.severity for f in judged(unknown_tool, steps, status="failed")] == ["critical"]


def test_nothing_is_said_when_the_offered_tools_were_not_recorded_or_the_call_completed() -> None:
    assert judged(unknown_tool, [step(0, "llm", "chat", asked=asks(name="get_wether"))]) == []
    ran = [step(0, "llm", "chat", asked=asks(name="lookup", call_id="c1"), offered=("get_weather",)),
           step(2, "tool", "lookup", tool_call_id="c1")]
    assert judged(unknown_tool, ran) == []


def test_a_call_recorded_from_the_wire_whose_result_is_an_error_message_did_not_run() -> None:
    refused = [step(0, "llm", "chat", asked=asks(name="get_forecast", call_id="c1"), offered=("get_weather",)),
               step(2, "tool", "get_forecast", tool_call_id="c1", source="wire",
                    result="Error: get_forecast is not a valid tool, try one of [get_weather].")]
    [finding] = judged(unknown_tool, refused)
    assert finding.evidence[1].note.startswith("completed; the model was sent back: Error: get_forecast")
    answered = [refused[0], step(2, "tool", "get_forecast", tool_call_id="c1", source="wire", result="sunny")]
    assert judged(unknown_tool, answered) == []


# -- bad_tool_arguments --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("arguments, problem", [
    ('{"days": 3}', "required property `city` is missing"),
    ('{"city": 7}', "property `city` is integer, the schema says string"),
    ('{"city": "Paris", "days": 2.5}', "property `days` is number, the schema says integer"),
    ('{"city": "Paris", "unit": "k"}', 'property `unit` is "k", not one of ["c", "f"]'),
    ('{"city": "Paris", "country": "FR"}', "property `country` is not in the schema (additionalProperties: false)"),
])
def test_arguments_against_the_schema_top_level(arguments: str, problem: str) -> None:
    assert argument_problems(asks(arguments=arguments)[0], SCHEMA) == [problem]


def test_arguments_that_fit_have_no_problem_and_integers_are_numbers() -> None:
    assert argument_problems(asks(arguments='{"city": "Paris", "days": 3.0, "unit": "c"}')[0], SCHEMA) == []
    number = {"type": "object", "properties": {"n": {"type": "number"}, "ok": {"type": "BOOLEAN"}}}
    assert argument_problems(asks(arguments='{"n": 3, "ok": true}')[0], number) == []
    assert argument_problems(asks(arguments='{"n": true}')[0], number) == [
        "property `n` is boolean, the schema says number"]


def test_arguments_not_json_are_a_problem_and_cut_ones_are_unknown() -> None:
    assert argument_problems(ToolAsk("get_weather", '{"city": "Par', None, False), None) == [
        "the arguments are not JSON"]
    assert argument_problems(ToolAsk("get_weather", '{"city": "Pa...[truncated, 90 chars]', None, None), SCHEMA) == []


def bad_run(arguments: str, tool_status: str | None) -> list[Finding]:
    steps = [step(0, "llm", "chat", asked=asks(arguments=arguments, call_id="c1", parses=arguments.endswith("}")),
                  offered=("get_weather",), schemas_key=1)]
    if tool_status is not None:
        steps.append(step(2, "tool", "get_weather", status=tool_status, tool_call_id="c1",
                          error_type="ValidationError" if tool_status == "failed" else None))
    return judged(bad_tool_arguments, steps, schemas={1: {"get_weather": SCHEMA}})


def test_bad_arguments_whose_call_failed_are_a_finding_with_the_call_as_evidence() -> None:
    [finding] = bad_run('{"days": 3}', "failed")
    assert (finding.kind, finding.severity, finding.confidence) == ("bad_tool_arguments", "warning", "high")
    assert "required property `city` is missing" in finding.why and "failed with ValidationError" in finding.why
    assert [item.ref.seq for item in finding.evidence] == [0, 2]


def test_arguments_that_do_not_parse_are_a_finding_even_without_a_schema() -> None:
    [finding] = bad_run('{"city": "Par', None)
    assert finding.title == "the model called get_weather with arguments that are not JSON"
    assert "no tool call ran with them" in finding.why


def test_arguments_a_tool_accepted_are_not_a_finding() -> None:
    assert bad_run('{"city": 7}', "completed") == []


def test_arguments_a_handoff_accepted_by_call_id_are_not_a_finding() -> None:
    steps = [step(0, "llm", "chat", asked=asks(name="transfer_to_weather", arguments='{"city": "Paris"}',
                                               call_id="c1"), schemas_key=1),
             Step(2, 3, "s2", "p", "chain", "handoff", "chain_execution", "chain:handoff#1", "a1",
                  "2026-11-26T10:00:00Z", status="completed", tool_call_id="c1")]
    schemas = {1: {"transfer_to_weather": {"type": "object", "properties": {}, "additionalProperties": False}}}
    assert judged(bad_tool_arguments, steps, schemas=schemas) == []
    assert len(judged(bad_tool_arguments, steps[:1], schemas=schemas)) == 1


# -- through traced apps (`analyze` with the findings section) ----------------------------------------------------
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": SCHEMA}}]


@trace_llm_call(name="chat")
def chat(messages: list[dict[str, Any]], tools: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, Any]:
    return answer


def get_weather(arguments: str, call_id: str) -> str:
    with span("get_weather", component="tool", event_prefix="tool_call", inputs=json.loads(arguments),
              attrs={"tool_call_id": call_id}):
        city = json.loads(arguments)["city"]
        if "," in city:
            raise KeyError(city)
        return f"sunny in {city}"


@trace_agent_execution(name="weather")
def weather(cities: list[str], name: str = "get_weather") -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    for index, city in enumerate(cities):
        call = {"id": f"call_{index}", "name": name, "arguments": json.dumps({"city": city})}
        chat(messages, TOOLS, {"text": None, "tool_calls": [call]})
        try:
            said = get_weather(call["arguments"], call["id"]) if name == "get_weather" else "no such tool"
        except KeyError as error:  # turned into a message to the model, as frameworks do
            said = f"error: KeyError {error}"
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": said})
    return str(chat(messages, TOOLS, {"text": "Sorry, I could not get the weather."})["text"])


def test_a_traced_agent_whose_tool_keeps_failing_is_diagnosed(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: weather(["Paris, FR"] * 3))
    [finding] = findings_of(path, "tool_failing_repeatedly")
    assert finding.severity == "critical" and finding.confidence == "high" and finding.agent == "weather"
    assert [item.address for item in finding.evidence] == ["llm:chat#1", "tool:get_weather#1",
                                                           "tool:get_weather#2", "tool:get_weather#3"]


def test_a_traced_agent_that_recovered_after_one_failure_has_no_tool_finding(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: weather(["Paris, FR", "Paris"]))
    assert [f.kind for f in findings_of(path) if f.kind in ("tool_failing_repeatedly", "unknown_tool",
                                                             "bad_tool_arguments")] == []


def test_a_traced_model_asking_for_a_tool_it_was_not_offered_is_diagnosed(tmp_path: Path) -> None:
    path = traced(tmp_path / "t.jsonl", lambda: weather(["Paris"], name="weather_now"))
    [finding] = findings_of(path, "unknown_tool")
    assert "`weather_now`" in finding.title and finding.evidence[0].address == "llm:chat#1"
