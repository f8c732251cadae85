"""The loop rules over hand-built steps (`rules/loops.py`'s docstring states them): the same call with the same
inputs and answer again and again in one agent, agents handing off back and forth with no progress, and the runs
that look alike but progress (polling whose answer changes, a new result in between, handoffs that learn)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.findingtraces import findings_of, traced
from namel3ss_debug import span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules import RunFigures
from namel3ss_debug.analysis.diagnosis.rules.loops import call_loop, handoff_loop
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"


def step(seq: int, component: str, name: str, agent: str = "a1", **fields: Any) -> Step:
    kind = {"llm": "llm_call", "tool": "tool_call"}[component]
    fields.setdefault("status", "completed")
    return Step(seq, seq + 1, f"s{seq}", "p", component, name, kind, f"{component}:{name}#{seq}", agent,
                "2026-11-26T10:00:00Z", duration_ms=50.0, **fields)


def tool(seq: int, inputs: int, outputs: int, name: str = "search", **fields: Any) -> Step:
    return step(seq, "tool", name, inputs_key=inputs, outputs_key=outputs, **fields)


def llm(seq: int, inputs: int, text: str | None = None, asks: tuple[ToolAsk, ...] = (), **fields: Any) -> Step:
    return step(seq, "llm", "chat", inputs_key=inputs, outputs_key=seq, text=text, asked=asks, **fields)


def agent_of(steps: list[Step]) -> AgentSteps:
    return AgentSteps(RUN, "a1", "researcher", 0, steps=steps)


def loops_in(steps: list[Step], **thresholds: Any) -> list[Finding]:
    run = RunClues(RUN, 0, agents={"a1": "researcher"})
    return list(call_loop(agent_of(steps), run, Judging(Thresholds(**thresholds))))


ASK = (ToolAsk("search", '{"q": "weather Paris"}', "call_x"),)


# -- call_loop ---------------------------------------------------------------------------------------------------
def test_a_tool_called_with_the_same_inputs_and_result_three_times_is_a_loop() -> None:
    steps = [llm(0, 100, asks=ASK), tool(2, 7, 70), llm(4, 101, asks=ASK), tool(6, 7, 70), llm(8, 102, asks=ASK),
             tool(10, 7, 70)]
    [finding] = loops_in(steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("call_loop", "warning", "high")
    assert [item.ref.seq for item in finding.evidence] == [2, 6, 10] and finding.agent == "researcher"
    assert [item.address for item in finding.evidence] == ["tool:search#2", "tool:search#6", "tool:search#10"]
    assert finding.figures["count"] == 3 and finding.figures["repeat_ms"] == 100.0
    assert "threshold 3, diagnose_loop_repeats" in finding.why and finding.setting == "diagnose_loop_repeats"
    assert "tool:search#6" in finding.suggestion and "max_turns" in finding.suggestion


def test_a_framework_tool_message_differing_only_by_its_call_id_is_the_same_result() -> None:
    steps = [tool(seq, 7, seq, result=f'{{"content": "sunny", "tool_call_id": "call_{seq}"}}',
                  tool_call_id=f"call_{seq}") for seq in (2, 6, 10)]
    assert len(loops_in(steps)) == 1
    steps[2].result = '{"content": "rain", "tool_call_id": "call_10"}'
    assert loops_in(steps) == []


def test_the_same_call_in_three_agents_turns_under_one_system_span_is_no_agents_loop() -> None:
    """A group chat under one system span: the engineer finishes its task twice, the leader once; no agent made
    the call three times."""
    speakers = ("Engineer", "Engineer", "Team Leader")
    steps = [tool(seq, 7, 70, name="finish_current_task", turn=speaker) for seq, speaker in zip((2, 6, 10), speakers)]
    assert loops_in(steps) == []
    again = tool(14, 7, 70, name="finish_current_task", turn="Engineer")
    assert [finding.evidence[0].ref.seq for finding in loops_in([*steps, again])] == [2]


def test_two_repeats_are_under_the_threshold_and_the_threshold_is_the_setting() -> None:
    steps = [tool(2, 7, 70), llm(4, 101), tool(6, 7, 70)]
    assert loops_in(steps) == []
    assert [finding.figures["count"] for finding in loops_in(steps, loop_repeats=2)] == [2]


def test_polling_whose_answer_changes_is_not_a_loop() -> None:
    steps = [tool(2, 7, 70), llm(4, 101), tool(6, 7, 71), llm(8, 102), tool(10, 7, 72)]
    assert loops_in(steps) == []


def test_a_new_result_in_between_is_new_information() -> None:
    steps = [tool(2, 7, 70), tool(4, 8, 80, name="fetch"), tool(6, 7, 70), tool(8, 9, 90, name="fetch"),
             tool(10, 7, 70)]
    assert loops_in(steps) == []


def test_a_result_seen_before_in_between_is_nothing_new() -> None:
    steps = [tool(1, 8, 80, name="fetch"), tool(2, 7, 70), tool(4, 8, 80, name="fetch"), tool(6, 7, 70),
             tool(10, 7, 70)]
    [finding] = loops_in(steps)
    assert [item.ref.seq for item in finding.evidence] == [2, 6, 10]


def test_failed_calls_are_not_a_loop_but_failures() -> None:
    steps = [tool(seq, 7, 70, status="failed", error_type="KeyError") for seq in (2, 6, 10)]
    assert loops_in(steps) == []


def test_an_llm_asked_the_same_thing_with_the_same_answer_loops_and_sampling_does_not() -> None:
    same = [llm(seq, 5, text="Let me check.", asks=ASK) for seq in (0, 4, 8)]
    [finding] = loops_in(same)
    assert finding.title == "llm:chat called 3 times with the same inputs and the same answer"
    sampled = [llm(seq, 5, text=f"Answer {seq}") for seq in (0, 4, 8)]
    assert loops_in(sampled) == []


def test_call_ids_alone_do_not_make_answers_differ() -> None:
    asks = [(ToolAsk("search", '{"q": "x"}', f"call_{seq}"),) for seq in (0, 4, 8)]
    steps = [llm(seq, 5, asks=ask) for seq, ask in zip((0, 4, 8), asks)]
    assert len(loops_in(steps)) == 1


# -- handoff_loop ------------------------------------------------------------------------------------------------
def handoffs(count: int) -> list[tuple[int, str, str]]:
    """`count` handoffs alternating triage -> billing -> triage ..., at seqs 10, 20, 30, ..."""
    pair = ("triage", "billing")
    return [(10 * (index + 1), pair[index % 2], pair[1 - index % 2]) for index in range(count)]


def turns(count: int, text: str | None = "Transferring you.", vary: bool = False) -> list[Step]:
    """An LLM call and a transfer tool before each handoff (the same each time unless `vary`)."""
    steps = []
    for index in range(count):
        seq = 10 * (index + 1)
        answer = f"{text} ({index})" if vary else text
        steps += [step(seq - 4, "llm", "chat", agent="a1" if index % 2 == 0 else "a2", text=answer,
                       inputs_key=seq, outputs_key=seq),
                  tool(seq - 2, 3 + index % 2, 30 + index % 2, name=f"transfer_{index % 2}")]
    return steps


def handoff_findings(count: int, **fields: Any) -> list[Finding]:
    steps = fields.pop("steps", None)
    steps = turns(count) if steps is None else steps
    run = RunClues(RUN, 0, agents={"a1": "triage", "a2": "billing"}, handoffs=handoffs(count), opening=steps[:4],
                   recent=steps, **fields)
    return list(handoff_loop(run, RunFigures(RUN), Judging(Thresholds())))


def test_three_round_trips_with_nothing_new_are_a_handoff_loop() -> None:
    [finding] = handoff_findings(6)
    assert (finding.kind, finding.severity, finding.confidence) == ("handoff_loop", "warning", "high")
    assert finding.figures == {"handoffs": 6.0, "round_trips": 3.0} and finding.agent == "triage"
    assert "threshold 3, diagnose_handoff_cycles" in finding.why and finding.setting == "diagnose_handoff_cycles"
    assert [item.ref.seq for item in finding.evidence][:2] == [6, 16]
    assert finding.evidence[0].note == "triage handed off to billing (handoff at seq 10)"
    assert "remove the handoff back to triage from billing's handoffs" in finding.suggestion


def test_two_round_trips_are_under_the_threshold() -> None:
    assert handoff_findings(5) == []


def test_handoffs_whose_answers_differ_are_progress() -> None:
    assert handoff_findings(6, steps=turns(6, vary=True)) == []


def test_a_row_whose_steps_were_not_kept_is_not_judged() -> None:
    late = turns(6)[6:]  # the recent steps begin after the first handoff; the opening does not meet them
    run = RunClues(RUN, 0, handoffs=handoffs(6), opening=[step(0, "llm", "chat")], recent=late)
    assert list(handoff_loop(run, RunFigures(RUN), Judging())) == []


def test_handoffs_whose_calls_said_nothing_readable_are_not_judged() -> None:
    silent = [step(10 * index + 6, "llm", "chat", agent="a1" if index % 2 == 0 else "a2") for index in range(6)]
    assert handoff_findings(6, steps=silent) == []


def taking_turns(count: int, vary: bool = False) -> RunClues:
    """No handoff recorded: `count` turns of triage and billing, each one LLM call (the same answer unless `vary`)."""
    steps = turns(count, vary=vary)
    return RunClues(RUN, 0, agents={"a1": "triage", "a2": "billing"}, opening=steps, recent=steps)


def test_agents_taking_turns_with_nothing_new_loop_though_no_handoff_was_recorded() -> None:
    [finding] = handoff_loop(taking_turns(7), RunFigures(RUN), Judging())
    assert finding.figures == {"handoffs": 6.0, "round_trips": 3.0}
    assert "took turns (no handoff recorded" in finding.why and "MaxMessageTermination" in finding.suggestion
    assert finding.evidence[0].note == "triage's last call before billing took over"
    assert list(handoff_loop(taking_turns(6), RunFigures(RUN), Judging())) == []  # 5 changes: 2 round trips
    assert list(handoff_loop(taking_turns(7, vary=True), RunFigures(RUN), Judging())) == []


def test_handoffs_to_a_third_agent_break_the_row() -> None:
    rows = handoffs(6)
    rows[3] = (40, "billing", "refunds")
    steps = turns(6)
    run = RunClues(RUN, 0, handoffs=rows, opening=steps, recent=steps)
    assert list(handoff_loop(run, RunFigures(RUN), Judging())) == []


# -- through traces of decorated apps (`analyze` with the findings section) -------------------------------------------
@trace_tool_call
def get_weather(city: str) -> str:
    return f"sunny in {city}"


@trace_llm_call(name="weather_llm")
def weather_llm(messages: list[dict[str, str]], city: str | None) -> dict[str, Any]:
    if city is None:
        return {"text": "Sunny everywhere you asked about."}
    return {"text": None, "tool_calls": [{"id": f"call_{len(messages)}", "name": "get_weather",
                                          "arguments": json.dumps({"city": city})}]}


@trace_agent_execution(name="weather")
def weather_agent(cities: list[str]) -> str:
    messages = [{"role": "user", "content": "What is the weather?"}]
    for city in cities:
        weather_llm(messages, city)
        messages.append({"role": "tool", "content": get_weather(city)})
    return str(weather_llm(messages, None)["text"])


def test_a_traced_agent_asking_for_the_same_city_three_times_loops(tmp_path: Path) -> None:
    path = traced(tmp_path / "loop.jsonl", lambda: weather_agent(["Paris"] * 3))
    [finding] = findings_of(path, "call_loop")
    assert [item.address for item in finding.evidence] == ["tool:get_weather#1", "tool:get_weather#2",
                                                           "tool:get_weather#3"]
    assert finding.agent == "weather" and finding.severity == "warning"


def test_a_traced_agent_asking_for_three_cities_does_not_loop(tmp_path: Path) -> None:
    path = traced(tmp_path / "cities.jsonl", lambda: weather_agent(["Paris", "Lyon", "Nice"]))
    assert findings_of(path, "call_loop") == []


@trace_llm_call(name="router_llm")
def router_llm(agent: str, said: str | None) -> dict[str, Any]:
    target = "billing" if agent == "triage" else "triage"
    return {"text": said, "tool_calls": [{"id": f"call_{agent}", "name": f"transfer_to_{target}", "arguments": "{}"}]}


def handing_off(rounds: int, progress: bool) -> None:
    """triage and billing handing the conversation to each other `rounds` times each; with `progress`, billing
    says something new each time."""
    for index in range(rounds):
        for source, target in (("triage", "billing"), ("billing", "triage")):
            said = f"Invoice {index} checked." if progress and source == "billing" else None
            turn(source, target, said)


def turn(source: str, target: str, said: str | None) -> None:
    @trace_agent_execution(name=source)
    def agent() -> None:
        router_llm(source, said)
        with span("handoff", component="chain", event_prefix="chain_execution") as handoff:
            handoff.set_attributes(from_agent=source, to_agent=target)
    agent()


def test_traced_agents_handing_off_three_round_trips_with_nothing_new_loop(tmp_path: Path) -> None:
    path = traced(tmp_path / "handoffs.jsonl", lambda: handing_off(3, progress=False))
    [finding] = findings_of(path, "handoff_loop")
    assert finding.figures == {"handoffs": 6.0, "round_trips": 3.0}
    assert finding.evidence[0].address == "llm:router_llm#1" and finding.evidence[0].agent == "triage"


@trace_llm_call(name="chat_llm")
def chat_llm(agent: str, said: str) -> dict[str, Any]:
    return {"text": said}


def chatting(rounds: int, progress: bool) -> None:
    """Two agents answering each other `rounds` times each, no handoff recorded: the writer's execution asks the
    critic (an agent used as a tool) and takes up again after each of the critic's answers."""
    @trace_agent_execution(name="writer")
    def writer() -> None:
        for index in range(rounds):
            chat_llm("writer", f"Draft {index} revised." if progress else "writer: thank you!")
            speak("critic", f"Draft {index} revised." if progress else "critic: thank you!")
    writer()


def one_after_another(rounds: int) -> None:
    """Two agents run one after another, each execution afresh (a server's requests): no conversation."""
    for _ in range(rounds):
        for name in ("writer", "critic"):
            speak(name, f"{name}: thank you!")


def speak(name: str, said: str) -> None:
    @trace_agent_execution(name=name)
    def agent() -> None:
        chat_llm(name, said)
    agent()


def test_traced_agents_thanking_each_other_in_turn_loop_and_revising_agents_do_not(tmp_path: Path) -> None:
    [finding] = findings_of(traced(tmp_path / "thanks.jsonl", lambda: chatting(4, progress=False)), "handoff_loop")
    assert finding.agent == "writer" and finding.figures["round_trips"] == 3.0
    assert findings_of(traced(tmp_path / "drafts.jsonl", lambda: chatting(4, progress=True)), "handoff_loop") == []


def test_agents_run_one_after_another_afresh_take_no_turns_in_a_conversation(tmp_path: Path) -> None:
    assert findings_of(traced(tmp_path / "requests.jsonl", lambda: one_after_another(4)), "handoff_loop") == []


def test_traced_handoffs_that_bring_new_answers_are_progress(tmp_path: Path) -> None:
    path = traced(tmp_path / "progress.jsonl", lambda: handing_off(3, progress=True))
    assert findings_of(path, "handoff_loop") == []
