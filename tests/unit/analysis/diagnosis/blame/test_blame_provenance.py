"""Where a value came from, over hand-built steps: the value an error marks as wrong is the one traced (not the
first argument a framework's message echoes), a value an earlier tool returned blames that tool, an error the run
went on past to a wrong final answer steps aside for the answer's content, and a number inside an id is no number."""

from __future__ import annotations

from typing import Any

import pytest

from namel3ss_debug.analysis.diagnosis.blame.judge import blame_run
from namel3ss_debug.analysis.diagnosis.notes.provenance import indexed_terms, named_values, terms_of, values_of
from namel3ss_debug.analysis.records.findings import BlamedFailure
from namel3ss_debug.analysis.diagnosis.notes.steps import RunClues, Step, ToolAsk

from test_blame_rules import run_of as rules_run_of, step

RUN = "run-1"
AGENTS = {"a1": "Researcher", "a2": "Coder"}
ECHOED = ("Failed to invoke Tool `plan_trip` with inputs {'city': 'Rome', 'days': 12}. Error: days must be at most "
          "10, got 12")


def run_of(steps: list[Step], **fields: Any) -> RunClues:
    return rules_run_of(steps, agents=dict(AGENTS), **fields)


def asking(seq: int, tool: str, arguments: str, agent: str = "a2", **fields: Any) -> Step:
    return step(seq, "llm", "chat", agent, asked=(ToolAsk(tool, arguments, f"call_{seq}"),), **fields)


# -- the value the error names ---------------------------------------------------------------------------------
@pytest.mark.parametrize("message", [ECHOED, "1 validation error for plan_trip\ndays\n  Input should be less than or "
                                             "equal to 10 [type=less_than_equal, input_value=12, input_type=int]"])
def test_an_error_that_echoes_every_argument_names_the_one_it_marks_as_wrong(message: str) -> None:
    assert named_values(values_of('{"city": "Rome", "days": 12}', message), message) == ["12"]


def test_a_framework_error_that_echoes_every_argument_blames_the_value_it_marks_not_the_first() -> None:
    """'Rome' is the user's, 12 the model's: the error says `got 12`, so the model that made 12 up is decisive."""
    arguments = '{"city": "Rome", "days": 12}'
    steps = [step(0, "agent", "user", "u", text="Plan me a long weekend in Rome."),
             asking(2, "plan_trip", arguments),
             step(4, "tool", "plan_trip", "a2", status="failed", arguments=arguments, asked_by=2,
                  error_type="ToolInvocationError", error_message=ECHOED)]
    run = run_of(steps, status="failed", exit_code=1, end_error_type="ToolInvocationError",
                 end_error_message=ECHOED, end_seq=99)
    blame = blame_run(run, BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.path) == ("Coder", 2, "error.value_made_up")
    assert "'12'" in blame.why and "'Rome'" not in blame.why


def test_a_value_an_earlier_tool_returned_blames_that_tool() -> None:
    steps = [asking(0, "find_city", '{"name": "Paris"}'),
             step(2, "tool", "find_city", "a2", arguments='{"name": "Paris"}', result="Paris, FR", asked_by=0),
             asking(4, "get_weather", '{"city": "Paris, FR"}'),
             step(6, "tool", "get_weather", "a2", status="failed", arguments='{"city": "Paris, FR"}', asked_by=4,
                  error_type="KeyError", error_message="'Paris, FR'")]
    run = run_of(steps, status="failed", exit_code=1, end_error_type="KeyError", end_error_message="'Paris, FR'",
                 end_seq=99)
    blame = blame_run(run, BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert (blame.step and blame.step.address, blame.path) == ("tool:find_city#2", "error.value_from_tool")
    assert [(link.role, link.evidence.ref.seq) for link in blame.chain] == [
        ("decisive", 2), ("propagated", 4), ("propagated", 6), ("failure", 99)]


# -- an error the run went on past -----------------------------------------------------------------------------
def fixed_crash(**ending: Any) -> RunClues:
    """The Researcher writes a wrong figure; the Coder's code crashes, the next turn does without it, and the final
    answer carries the Researcher's figure."""
    code = '{"code": "print(populaton)"}'
    steps = [step(0, "llm", "chat", "a1", text="Lyon has 613,000 inhabitants."),
             asking(2, "code_exec", code),
             step(4, "tool", "code_exec", "a2", status="failed", arguments=code, asked_by=2, error_type="NameError",
                  error_message="name 'populaton' is not defined"),
             step(6, "llm", "chat", "a2", text="The typo does not matter: no code is needed for this."),
             step(8, "llm", "chat", "a2", text="The population of Lyon is 613,000.")]
    return run_of(steps, final_text=steps[-1].text, final_seq=8, end_seq=99, **ending)


@pytest.mark.parametrize("ending, failure", [
    ({"status": "completed"}, BlamedFailure(RUN, "expect contains:516,092 not met", "expect", 8)),
    ({"status": "failed", "exit_code": 1}, BlamedFailure(RUN, "run exited with code 1", "run", 99))])
def test_a_code_crash_the_next_turn_went_past_is_not_decisive_for_a_wrong_answer(ending: dict[str, Any],
                                                                                 failure: BlamedFailure) -> None:
    blame = blame_run(fixed_crash(**ending), failure, [])
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("Researcher", 0)  # the wrong figure's first writer
    assert any(candidate.path.startswith("error.") and candidate.ranked.startswith("rule 1")
               for candidate in blame.candidates[1:])  # the crash is a runner-up


def test_a_code_crash_the_run_ended_with_stays_decisive() -> None:
    run = fixed_crash(status="failed", exit_code=1, end_error_type="NameError",
                      end_error_message="name 'populaton' is not defined")
    blame = blame_run(run, BlamedFailure(RUN, "run ended failed with NameError", "run", 99), [])
    assert blame.why.startswith("rule 1:") and (blame.agent, blame.step and blame.step.ref.seq) == ("Coder", 2)


# -- numbers ---------------------------------------------------------------------------------------------------
def test_a_number_inside_a_hex_id_is_not_read_as_a_number() -> None:
    steps = [asking(0, "book", '{"nights": 3}'),
             step(2, "tool", "book", "a2", arguments='{"nights": 3}', result="booked: nonce 97ef78a8, run-2024abc",
                  asked_by=0),
             step(4, "llm", "chat", "a2", text="Done: your booking 97ef78a8 (run-2024abc) is made.")]
    run = run_of(steps, status="completed", final_text=steps[-1].text, final_seq=4)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:confirmed not met", "expect", 4), [])
    assert "'97'" not in blame.why and "'2024'" not in blame.why and blame.path != "answer.final_introduced"
    assert [term.text for term in terms_of(steps[-1].text or "") if term.kind == "number"] == []


@pytest.mark.parametrize("text, numbers", [
    ("nonce 97ef78a8, id 550e8400-e29b-41d4-a716-446655440000", set()),
    ("run-2024abc, 12.5kg, a 12-day trip, covid-19, toolu_01ABC", set()),
    ("516,092 people on 2024-01-15, -15 C, 42%", {"516,092", "2024", "01", "15", "-15", "42%"})])
def test_a_number_stands_alone(text: str, numbers: set[str]) -> None:
    assert indexed_terms(text) == numbers
