"""The blame's rules over hand-built steps (`blame/judge.py`'s docstring states them): which step is decisive, which
agent is responsible, the chain, and a reading of the run when no rule points anywhere."""

from __future__ import annotations

import random
from typing import Any

from namel3ss_debug.analysis.diagnosis.blame.judge import blame_run, failure_of
from namel3ss_debug.analysis.records.findings import CONFIDENCES, KINDS, Evidence, BlamedFailure, Finding
from namel3ss_debug.analysis.diagnosis.notes.steps import NO_AGENT, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.records.refs import Ref

RUN = "run-1"
AGENTS = {"a1": "planner", "a2": "worker"}


def step(seq: int, component: str, name: str, agent: str = NO_AGENT, **fields: Any) -> Step:
    kind = {"llm": "llm_call", "tool": "tool_call", "agent": "agent_turn"}[component]
    fields.setdefault("status", "completed")
    return Step(seq, seq + 1, f"s{seq}", None, component, name, kind, f"{component}:{name}#{seq}", agent,
                "2026-11-26T10:00:00Z", **fields)


def run_of(steps: list[Step], **fields: Any) -> RunClues:
    errors = [s for s in steps if s.status == "failed"]
    fields.setdefault("agents", dict(AGENTS))
    return RunClues(RUN, 0, opening=steps[:64], recent=steps[-256:], errors=errors, errors_seen=len(errors),
                    **fields)


def keyerror(seq: int, agent: str = "a2", asked_by: int | None = None) -> Step:
    return step(seq, "tool", "get_weather", agent, status="failed", arguments='{"city": "Paris, FR"}',
                error_type="KeyError", error_message="'Paris, FR'", asked_by=asked_by)


def asking(seq: int, agent: str = "a2") -> Step:
    return step(seq, "llm", "chat", agent, asked=(ToolAsk("get_weather", '{"city": "Paris, FR"}', "call_1"),))


def finding(kind: str, severity: str, seqs: list[int], **fields: Any) -> Finding:
    evidence = [Evidence(Ref(RUN, seq, f"s{seq}", "llm", "chat", "llm_call"), "shown") for seq in seqs]
    return Finding(kind, severity, fields.pop("confidence", "high"), f"{kind} title", f"{kind} why", "try",
                   evidence, RUN, **fields)


def failed_run(steps: list[Step]) -> RunClues:
    return run_of(steps, status="failed", exit_code=1, end_error_type="KeyError", end_error_message="'Paris, FR'",
                  end_seq=99)


def test_a_value_another_agent_wrote_blames_that_agent() -> None:
    steps = [step(0, "llm", "plan", "a1", text="Plan: look up the weather in Paris, FR and report it."),
             asking(2), keyerror(4, asked_by=2)]
    run = failed_run(steps)
    failure = failure_of(run, [])
    assert failure is not None and failure.source == "run" and "KeyError" in failure.what
    blame = blame_run(run, failure, [])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.confidence) == ("planner", 0, "low")
    assert [(link.role, link.evidence.ref.seq) for link in blame.chain] == [
        ("decisive", 0), ("propagated", 2), ("propagated", 4), ("failure", 99)]
    assert "'Paris, FR'" in blame.chain[1].why and "KeyError" in blame.chain[2].why


def test_the_handoff_between_the_writer_and_the_model_that_passed_it_on_is_on_the_chain() -> None:
    steps = [step(0, "llm", "plan", "a1", text="Weather for Paris, FR."), asking(4), keyerror(6, asked_by=4)]
    run = failed_run(steps)
    run.handoffs = [(2, "planner", "worker"), (8, "worker", "planner")]
    blame = blame_run(run, BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert [(link.role, link.evidence.ref.seq, link.evidence.ref.name) for link in blame.chain] == [
        ("decisive", 0, "plan"), ("propagated", 2, "handoff"), ("propagated", 4, "chat"),
        ("propagated", 6, "get_weather"), ("failure", 99, "run")]
    assert blame.chain[1].evidence.note == "planner handed off to worker"


def test_a_value_no_other_agent_wrote_blames_the_model_that_passed_it() -> None:
    steps = [step(0, "llm", "plan", "a1", text="Plan: ask the worker for the weather."), asking(2),
             keyerror(4, asked_by=2)]
    blame = blame_run(failed_run(steps), BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("worker", 2)
    assert [link.role for link in blame.chain] == ["decisive", "propagated", "failure"]


def test_the_same_agents_earlier_words_do_not_move_the_blame_from_the_model_that_asked() -> None:
    steps = [step(0, "llm", "chat", "a2", text="I will check Paris, FR."), asking(2), keyerror(4)]
    blame = blame_run(failed_run(steps), BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert blame.step is not None and blame.step.ref.seq == 2  # the previous LLM step of the tool's agent


def test_the_users_words_blame_the_users_input_not_the_model_that_passed_them_on() -> None:
    steps = [step(0, "agent", "user", text="What is the weather in Paris, FR?"), asking(2), keyerror(4, asked_by=2)]
    blame = blame_run(failed_run(steps), BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("user", 0)
    assert [(link.role, link.evidence.ref.seq) for link in blame.chain] == [
        ("decisive", 0), ("propagated", 2), ("propagated", 4), ("failure", 99)]
    assert "user's message" in blame.chain[0].why and "validate" in blame.why


def test_repeated_failures_begin_at_the_first() -> None:
    steps = [asking(0), keyerror(2, asked_by=0), asking(4), keyerror(6, asked_by=4)]
    blame = blame_run(failed_run(steps), BlamedFailure(RUN, "run ended failed", "run", 99), [])
    assert blame.step is not None and blame.step.ref.seq == 0


def test_a_tool_that_timed_out_is_decisive_itself() -> None:
    steps = [asking(0), step(2, "tool", "get_weather", "a2", status="failed", arguments='{"city": "Paris"}',
                             error_type="TimeoutError", error_message="read timed out", asked_by=0)]
    run = run_of(steps, status="failed", end_error_type="TimeoutError", end_error_message="read timed out")
    blame = blame_run(run, failure_of(run, []) or BlamedFailure(RUN, "", "run"), [])
    assert (blame.step and blame.step.ref.seq, blame.confidence) == (2, "low")


def test_an_apology_after_a_handled_error_is_a_failure_and_blames_the_chain() -> None:
    steps = [step(0, "llm", "plan", "a1", text="Weather for Paris, FR please"), asking(2), keyerror(4, asked_by=2),
             step(6, "llm", "chat", "a2", text="Sorry, I could not get the weather.")]
    run = run_of(steps, status="completed", final_text="Sorry, I could not get the weather.", final_seq=6)
    apology = finding("apology_after_failure", "critical", [4, 6])
    assert failure_of(run, []) is None
    failure = failure_of(run, [apology])
    assert failure is not None and (failure.source, failure.seq) == ("finding", 6)
    blame = blame_run(run, failure, [apology])
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("planner", 0)
    assert blame.chain[-1].evidence.ref.seq == 6 and blame.chain[-1].role == "failure"


def test_a_recovered_error_is_not_blamed_and_the_answer_is_read_instead() -> None:
    steps = [asking(0), keyerror(2, asked_by=0), step(4, "tool", "get_weather", "a2", arguments='{"city": "Paris"}'),
             step(6, "llm", "chat", "a2", text="it is raining")]
    run = run_of(steps, status="completed", final_text="it is raining", final_seq=6)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:sunny not met", "expect"), [])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.confidence) == ("worker", 6, "low")
    assert blame.why.startswith("no rule points at a step:") and 2 not in [c.step.ref.seq for c in blame.candidates]


def test_an_llm_failure_blames_where_the_prompt_began_to_grow() -> None:
    steps = [step(0, "llm", "chat", "a2"), step(2, "llm", "chat", "a2"),
             step(4, "llm", "chat", "a2", status="failed", error_type="BadRequestError",
                  error_message="maximum context length is 8192 tokens")]
    run = run_of(steps, status="failed", end_error_type="BadRequestError",
                 end_error_message="maximum context length is 8192 tokens")
    growth = finding("prompt_growth", "warning", [0, 2])
    blame = blame_run(run, BlamedFailure(RUN, "run ended failed", "run", 9), [growth])
    assert (blame.step and blame.step.ref.seq, blame.finding) == (0, "prompt_growth")
    assert [link.evidence.ref.seq for link in blame.chain] == [0, 2, 4, 9]
    alone = blame_run(run, BlamedFailure(RUN, "run ended failed", "run", 9), [])
    assert (alone.step and alone.step.ref.seq, alone.finding) == (4, None)


def test_with_no_error_the_earliest_finding_that_shows_a_cause_is_decisive() -> None:
    steps = [step(n, "llm", "chat", "a2") for n in range(0, 10, 2)]
    run = run_of(steps, status="completed", final_text="", final_seq=8)
    loop = finding("call_loop", "warning", [2, 4, 6])
    cache = finding("cacheable_calls", "info", [0, 2])
    blame = blame_run(run, BlamedFailure(RUN, "check max_llm_calls: 5 > 3", "check"), [cache, loop])
    assert (blame.step and blame.step.ref.seq, blame.finding, blame.confidence) == (2, "call_loop", "low")


def test_a_number_in_the_final_answer_blames_the_turn_that_introduced_it() -> None:
    steps = [step(0, "agent", "human", text="How many people live in Lyon? Answer with the number."),
             step(2, "agent", "Orchestrator", text="WebSurfer, find the population of Lyon."),
             step(4, "agent", "WebSurfer", text="The page says Lyon has 522,969 inhabitants (2021)."),
             step(6, "agent", "Orchestrator", text="Lyon has 522,969 inhabitants, per WebSurfer."),
             step(8, "agent", "Orchestrator", text="FINAL ANSWER: 522,969")]
    run = run_of(steps, status="completed", final_text="FINAL ANSWER: 522,969", final_seq=8)
    failure = BlamedFailure(RUN, "expect equals:516092 not met (final answer 'FINAL ANSWER: 522,969')", "expect")
    blame = blame_run(run, failure, [])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.confidence) == ("WebSurfer", 4, "low")
    assert [(link.role, link.evidence.ref.seq) for link in blame.chain] == [
        ("decisive", 4), ("propagated", 6), ("failure", 8)]


def test_an_answer_whose_content_appears_nowhere_earlier_blames_the_final_step() -> None:
    steps = [step(0, "agent", "human", text="How many moons has Mars?"),
             step(2, "agent", "Solver", text="Let me think about the moons."),
             step(4, "agent", "Checker", text="The answer is 14.")]
    run = run_of(steps, final_text="The answer is 14.", final_seq=4)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:2 not met", "expect"), [])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.confidence) == ("Checker", 4, "low")


def test_an_answer_with_only_the_users_terms_is_not_traced_but_read_as_the_answers() -> None:
    steps = [step(0, "agent", "human", text="Is Mars red?"), step(2, "agent", "Solver", text="yes, Mars is red")]
    run = run_of(steps, final_text="yes, Mars is red", final_seq=2)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:no not met", "expect"), [])
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("Solver", 2)  # never the user's question
    assert blame.why.startswith("no rule points at a step:") and "rule 4" not in blame.why


def test_a_check_is_not_traced_through_the_answer() -> None:
    steps = [step(0, "agent", "Solver", text="The answer is 14.")]
    run = run_of(steps, final_text="The answer is 14.", final_seq=0)
    blame = blame_run(run, BlamedFailure(RUN, "check max_cost: $2 > $1", "check"), [])
    assert blame.why.startswith("no rule points at a step: a check judges the run's figures, not its answer")
    assert blame.step is not None and blame.step.ref.seq == 0 and "rule 4" not in blame.why


def test_a_completed_run_without_findings_did_not_fail() -> None:
    run = run_of([step(0, "llm", "chat", text="fine")], status="completed", exit_code=0)
    assert failure_of(run, [finding("call_loop", "warning", [0])]) is None
    assert failure_of(run_of([], status="completed", exit_code=2), []) is not None


def error_event(seq: int, kind: str, message: str, agent: str = NO_AGENT, parent: str | None = None) -> Step:
    """An `error_occurred` instant: the app's (or the tracer's) report of an error."""
    return Step(seq, None, f"s{seq}", parent, "app", kind, "error_occurred", f"app:{kind}#1", agent,
                "2026-11-26T10:00:00Z", status="failed", error_type=kind, error_message=message)


def test_an_error_raised_outside_any_call_blames_the_models_last_answer() -> None:
    steps = [asking(0), step(2, "tool", "get_weather", "a2", result="rain"), asking(4),
             step(6, "tool", "get_weather", "a2", result="rain"),
             error_event(8, "MaxTurnsExceeded", "Max turns (2) exceeded")]
    run = run_of(steps, status="failed", end_error_type="MaxTurnsExceeded", end_error_message="Max turns (2) exceeded",
                 end_seq=9)
    limit = finding("turn_limit", "critical", [8])
    blame = blame_run(run, failure_of(run, [limit]) or BlamedFailure(RUN, "", "run"), [limit])
    assert (blame.agent, blame.step and blame.step.ref.seq, blame.finding) == ("worker", 4, "turn_limit")
    assert [(link.role, link.evidence.ref.seq) for link in blame.chain] == [
        ("decisive", 4), ("propagated", 8), ("failure", 9)]
    loop = finding("call_loop", "warning", [0, 4])
    looped = blame_run(run, BlamedFailure(RUN, "", "run", 9), [limit, loop])
    assert (looped.step and looped.step.ref.seq, looped.finding) == (0, "call_loop")


def test_the_apps_report_of_an_error_begins_at_the_call_that_failed_before_it() -> None:
    steps = [step(0, "llm", "chat"), step(2, "llm", "chat", status="failed", error_type="HTTPError",
                                          error_message="HTTP 400: maximum context length exceeded"),
             error_event(4, "BadRequestError", "maximum context length exceeded")]
    run = run_of(steps, status="failed", end_error_type="BadRequestError",
                 end_error_message="maximum context length exceeded", end_seq=5)
    blame = blame_run(run, BlamedFailure(RUN, "", "run", 5), [])
    assert (blame.step and blame.step.ref.seq, blame.confidence) == (2, "low")


def test_an_error_reported_inside_a_tool_is_the_tools() -> None:
    steps = [asking(0), keyerror(2, asked_by=0), error_event(3, "KeyError", "'Paris, FR'", "a2", parent="s2")]
    steps[1].end_seq = 4
    run = failed_run(steps)
    blame = blame_run(run, BlamedFailure(RUN, "", "run", 99), [])
    assert blame.step is not None and blame.step.ref.seq == 0 and blame.chain[1].evidence.ref.seq == 2


def test_an_error_a_call_begun_before_it_recovered_from_is_not_followed() -> None:
    steps = [step(0, "llm", "chat", "a2", text="A short summary."), step(2, "llm", "chat", "a2", status="failed",
                                                                      error_type="RateLimitError", error_message="429")]
    steps[0].end_seq = 6  # the answer that completed after the failed call ended (at 3)
    run = run_of(steps, status="completed", final_text="A short summary.", final_seq=0)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:long not met", "expect", 0), [])
    assert blame.why.startswith("no rule points at a step:") and blame.step is not None and blame.step.ref.seq == 0
    steps[0].status, steps[0].end_seq = "completed", 1  # ended before the failure: nothing recovered it
    blame = blame_run(run_of(steps, status="completed", final_text="x", final_seq=2),
                      BlamedFailure(RUN, "expect contains:long not met", "expect", 2), [])
    assert blame.step is not None and blame.step.ref.seq == 2


def test_a_name_the_first_answer_wrote_is_taken_from_the_users_message() -> None:
    steps = [step(0, "llm", "chat", "a2", asked=(ToolAsk("get_weather", '{"city": "Paris"}'),)),
             step(2, "tool", "get_weather", "a2", result="sunny"), step(4, "llm", "chat", "a2", text="Sunny in Paris.")]
    run = run_of(steps, status="completed", final_text="Sunny in Paris.", final_seq=4)
    assert blame_run(run, BlamedFailure(RUN, "expect contains:rain not met", "expect", 4), []).why.startswith(
        "no rule points at a step:")  # rule 4 took 'Paris' from the user's message
    steps[1].result = "sunny, 21 C"
    run = run_of(steps, status="completed", final_text="Sunny in Paris, 21 C.", final_seq=4)
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:rain not met", "expect", 4), [])
    assert (blame.step and blame.step.ref.seq, blame.confidence) == (2, "low")


def test_a_check_of_the_runs_cost_does_not_follow_an_error_and_one_of_its_errors_does() -> None:
    steps = [asking(0), keyerror(2, asked_by=0), step(4, "llm", "summarize", "a2", text="Done.")]
    run = run_of(steps, status="completed", final_text="Done.", final_seq=4)
    cost = finding("dominant_cost", "warning", [4])
    blame = blame_run(run, BlamedFailure(RUN, "check max_cost: $2.10 > $1.00", "check", 4), [cost])
    assert (blame.step and blame.step.ref.seq, blame.finding) == (4, "dominant_cost")
    errors = blame_run(run, BlamedFailure(RUN, "check max_errors: 1 error > 0", "check", 2), [cost])
    assert errors.step is not None and errors.step.ref.seq == 0


def test_what_a_run_spends_is_no_cause_of_a_wrong_answer() -> None:
    steps = [step(0, "llm", "summarize", "a2", text="it went up"), step(2, "llm", "chat", "a2", text="it went up")]
    run = run_of(steps, status="completed", final_text="it went up", final_seq=2)
    cost = finding("dominant_cost", "warning", [0])
    spent = blame_run(run, BlamedFailure(RUN, "expect contains:down not met", "expect", 2), [cost])
    assert spent.why.startswith("no rule points at a step:") and spent.finding is None
    loop = finding("call_loop", "warning", [0, 2])
    blame = blame_run(run, BlamedFailure(RUN, "expect contains:down not met", "expect", 2), [cost, loop])
    assert (blame.step and blame.step.ref.seq, blame.finding) == (0, "call_loop")


def test_what_the_expectation_wanted_is_read_up_to_diagnoses_not_met() -> None:
    answer = "Lyon has 522,969 people; the target was not met (sadly)."
    steps = [step(0, "agent", "WebSurfer", text="Lyon: 522,969 inhabitants."), step(2, "agent", "Solver", text=answer)]
    run = run_of(steps, final_text=answer, final_seq=2)
    failure = BlamedFailure(RUN, f"expect contains:516092 not met (final answer {answer!r})", "expect", 2)
    blame = blame_run(run, failure, [])  # the answer's own "not met (" is not where the wanted text ends
    assert (blame.agent, blame.step and blame.step.ref.seq) == ("WebSurfer", 0)


def random_run(rng: random.Random) -> tuple[RunClues, list[Finding], BlamedFailure]:
    """Steps of any component, agent, status, text and arguments; findings on any of them; any failure."""
    texts = [None, "", "Paris, FR", "It is 14 C in 'Paris'.", "Sorry.", "{\"city\": \"Paris, FR\"}", "[1, 2]", "null"]
    steps = []
    for seq in range(0, rng.randint(0, 30) * 2, 2):
        component = rng.choice(["llm", "tool", "agent"])
        failed = rng.random() < 0.3
        made = step(seq, component, rng.choice(["chat", "get_weather", "human"]), rng.choice(["a1", "a2", NO_AGENT]),
                    status="failed" if failed else "completed", text=rng.choice(texts), result=rng.choice(texts),
                    arguments=rng.choice(texts), asked_by=rng.choice([None, seq - 2, seq + 2, 999]),
                    error_type=rng.choice(["KeyError", "RateLimitError", None]) if failed else None,
                    error_message=rng.choice(texts) if failed else None,
                    asked=(ToolAsk("get_weather", rng.choice(texts)),) if rng.random() < 0.3 else ())
        made.end_seq = rng.choice([None, seq + 1, seq + 7])
        steps.append(made)
        if rng.random() < 0.1:
            steps.append(error_event(seq + 1, "MaxTurnsExceeded", "exceeded", rng.choice(["a1", NO_AGENT]),
                                     parent=rng.choice([None, f"s{seq}"])))
    run = run_of(steps, status=rng.choice([None, "completed", "failed"]), exit_code=rng.choice([None, 0, 1]),
                 end_error_type=rng.choice([None, "KeyError", "MaxTurnsExceeded"]), end_seq=rng.choice([None, 99]),
                 final_text=rng.choice(texts), final_seq=rng.choice([None, 0, 4, 999]))
    seqs = [made.seq for made in steps] or [0]
    findings = [finding(rng.choice(KINDS), rng.choice(["info", "warning", "critical"]),
                        rng.sample(seqs, rng.randint(0, min(3, len(seqs)))))
                for _ in range(rng.randint(0, 4))]
    source = rng.choice(["run", "finding", "check", "expect"])
    return run, findings, BlamedFailure(RUN, f"{source} contains:Paris not met", source, rng.choice([None, 0, 4, 99]))


def test_odd_steps_never_make_the_blame_raise_and_unknown_is_always_low() -> None:
    rng = random.Random(65)
    for _ in range(400):
        run, findings, failure = random_run(rng)
        failure_of(run, findings)
        blame = blame_run(run, failure, findings)
        assert blame.confidence in CONFIDENCES
        assert (blame.step is None) == (blame.chain == []) and (blame.step is not None or blame.confidence == "low")
        assert not blame.chain or (blame.chain[0].role, blame.chain[-1].role) == ("decisive", "failure")
