"""`no_progress` (`rules/progress.py`'s docstring states it): answers that each repeat an earlier one, with no new
tool result in between, over hand-built steps and over traced conversations; and the runs that look alike but
progress (short answers, tool-call-only answers, polling whose results change, a loop another rule already names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.handsteps import step
from support.findingtraces import findings_of
from support.tracefactory import TraceBuilder
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.diagnosis.rules.progress import no_progress
from namel3ss_debug.analysis.diagnosis.notes.steps import AgentSteps, RunClues, Step, ToolAsk
from namel3ss_debug.analysis.thresholds import Judging, Thresholds

RUN = "run-1"
STUCK = "I need the invoice number to look up your order."


def said(seq: int, text: str | None, inputs: int | None = None, **fields: Any) -> Step:
    """An LLM answer; each with its own inputs (the history grows), unless given."""
    return step(seq, "llm", "chat", inputs_key=seq if inputs is None else inputs, outputs_key=seq, text=text,
                **fields)


def tool(seq: int, result: str, inputs: int = 7, name: str = "lookup") -> Step:
    return step(seq, "tool", name, inputs_key=inputs, outputs_key=hash(result), result=result)


def progress_in(steps: list[Step], **thresholds: Any) -> list[Finding]:
    run = RunClues(RUN, 0, agents={"a1": "support"})
    return list(no_progress(AgentSteps(RUN, "a1", "support", 0, steps=steps), run, Judging(Thresholds(**thresholds))))


def test_three_answers_repeating_an_earlier_one_name_the_last_new_answer() -> None:
    steps = [said(0, "Hello! How can I help you with your order today?"), said(2, STUCK), said(4, STUCK),
             said(6, STUCK), said(8, STUCK)]
    [finding] = progress_in(steps)
    assert (finding.kind, finding.severity, finding.confidence) == ("no_progress", "warning", "high")
    assert [item.address for item in finding.evidence] == ["llm:chat#2", "llm:chat#4", "llm:chat#6", "llm:chat#8"]
    assert finding.evidence[0].note.startswith("the last new answer: 'I need the invoice number")
    assert finding.evidence[1].note == "repeats llm:chat#2 (1 of 3)"
    assert finding.figures == {"repeats": 3.0, "said_before": 1.0} and finding.agent == "support"
    assert "threshold 3, diagnose_loop_repeats" in finding.why and finding.setting == "diagnose_loop_repeats"
    assert finding.title == "support said nothing new after llm:chat#2: 3 answers in a row repeated earlier ones"


def test_two_repeats_are_under_the_threshold_and_the_threshold_is_the_setting() -> None:
    steps = [said(2, STUCK), said(4, STUCK), said(6, STUCK)]
    assert progress_in(steps) == []
    assert [finding.figures["repeats"] for finding in progress_in(steps, loop_repeats=2)] == [2.0]


def test_answers_alternating_between_two_earlier_ones_repeat_and_the_decisive_is_the_last_new() -> None:
    other = "Could you tell me the email address on the account?"
    steps = [said(2, STUCK), said(4, other), said(6, STUCK), said(8, other), said(10, STUCK)]
    [finding] = progress_in(steps)
    assert finding.evidence[0].address == "llm:chat#4" and finding.figures["said_before"] == 2.0


def test_case_and_white_space_are_ignored_with_medium_confidence() -> None:
    steps = [said(2, STUCK), said(4, STUCK.upper()), said(6, "  I need the invoice\n number to look up your order")]
    steps.append(said(8, STUCK))
    [finding] = progress_in(steps)
    assert finding.confidence == "medium" and "equal only once normalised" in finding.why


def test_answers_equal_only_as_far_as_they_were_kept_are_low_confidence() -> None:
    long = "I will now go over the whole order history again. " * 8  # past the 400 characters a step keeps
    steps = [said(seq, long[:400]) for seq in (2, 4, 6, 8)]
    [finding] = progress_in(steps)
    assert finding.confidence == "low" and "first 400 characters kept" in finding.why


def test_a_new_answer_ends_the_row() -> None:
    steps = [said(2, STUCK), said(4, STUCK), said(6, STUCK), said(8, "Found it: order 1042 shipped on Monday."),
             said(10, STUCK)]
    assert progress_in(steps) == []


def test_short_answers_and_tool_call_only_answers_are_no_repeated_state() -> None:
    ask = (ToolAsk("lookup", '{"id": 1}', "call_1"),)
    for text in ("OK", "Done.", "TERMINATE", "Please continue.", "", None):
        steps = [said(seq, text, asked=ask) for seq in (2, 4, 6, 8)]
        assert progress_in(steps) == [], text


def test_a_polling_agent_whose_tool_results_change_is_making_progress() -> None:
    waiting = "The report is still being generated, I will check again."
    steps = [said(0, waiting), tool(1, "status: queued"), said(2, waiting), tool(3, "status: running 40%"),
             said(4, waiting), tool(5, "status: running 80%"), said(6, waiting)]
    assert progress_in(steps) == []


def test_a_tool_result_seen_before_is_no_news() -> None:
    waiting = "The report is still being generated, I will check again."
    steps = [said(0, waiting), tool(1, "status: running", inputs=7), said(2, waiting),
             tool(3, "status: running", inputs=8), said(4, waiting), tool(5, "status: running", inputs=9),
             said(6, waiting)]
    [finding] = progress_in(steps)
    assert finding.evidence[0].address == "llm:chat#0" and finding.figures["repeats"] == 3.0


def test_a_loop_call_loop_already_names_is_not_said_twice() -> None:
    """The same answer to the same inputs three times is a `call_loop`: one loop, one finding."""
    steps = [said(0, "Hello! How can I help you with your order today?"),
             *(said(seq, STUCK, inputs=5) for seq in (2, 4, 6, 8))]
    assert progress_in(steps) == []


def test_an_answer_inside_a_turn_whose_output_was_recorded_is_the_turns_words_not_another_repeat() -> None:
    """A group chat: each turn's output is what its agent said; the LLM answer inside it says the same once more."""
    steps: list[Step] = []
    for index, text in enumerate(["Let us compute the mean of the column.", STUCK, STUCK]):
        seq = 10 * index
        turn = step(seq, "agent", "assistant", text=text, turn="assistant")
        turn.end_seq = seq + 5
        steps += [turn, said(seq + 1, text, turn="assistant")]
    assert progress_in(steps) == []  # one repeat of STUCK, not three
    turn = step(30, "agent", "assistant", text=STUCK, turn="assistant")
    turn.end_seq = 35
    [finding] = progress_in([*steps, turn, said(31, STUCK, turn="assistant"), step(40, "agent", "assistant",
                                                                                     text=STUCK)])
    assert [item.address for item in finding.evidence] == ["agent:assistant#10", "agent:assistant#20",
                                                           "agent:assistant#30", "agent:assistant#40"]


# -- over traces -------------------------------------------------------------------------------------------------
def group_chat(path: Path, turns: list[tuple[str, str]]) -> Path:
    """The turns as `trace_agent_turn` records them, under a group chat's `agent_execution` span."""
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "GroupChat")
    for agent, text in turns:
        turn = trace.start("agent", agent, team, kind="agent_turn")
        trace.end(turn, 5, outputs={"output": text})
    trace.end(team, 1)
    trace.run_end()
    return trace.write(path)


ASKED_AGAIN = "Which city should I book the hotel in? Please tell me the city."


def test_a_group_chat_asking_the_same_question_again_names_the_turn_and_its_agent(tmp_path: Path) -> None:
    turns = [("user", "Book me a hotel for next weekend."), ("planner", ASKED_AGAIN), ("user", "Please continue."),
             ("planner", ASKED_AGAIN), ("user", "Please continue."), ("planner", ASKED_AGAIN),
             ("user", "Please continue."), ("planner", ASKED_AGAIN)]
    [finding] = findings_of(group_chat(tmp_path / "chat.jsonl", turns), "no_progress")
    assert (finding.agent, finding.evidence[0].address, finding.evidence[0].agent) == ("planner", "agent:planner#1",
                                                                                       "planner")
    assert [item.address for item in finding.evidence[1:]] == ["agent:planner#2", "agent:planner#3",
                                                               "agent:planner#4"]


def test_a_group_chat_whose_agents_each_add_something_has_no_finding(tmp_path: Path) -> None:
    turns = [("user", "Book me a hotel for next weekend."), ("planner", ASKED_AGAIN), ("user", "Lyon, please."),
             ("planner", "I found three hotels in Lyon for next weekend."), ("user", "Please continue."),
             ("planner", "The Hotel Carlton has a room for 120 euros a night."), ("user", "Please continue."),
             ("planner", "I booked the Hotel Carlton; the confirmation is LY-2210.")]
    assert findings_of(group_chat(tmp_path / "chat.jsonl", turns), "no_progress") == []


def test_two_agents_repeating_each_other_are_the_teams_loop(tmp_path: Path) -> None:
    turns = [("user", "Book me a hotel for next weekend."), ("planner", ASKED_AGAIN),
             ("booker", "I cannot book anything until the planner gives me a city."), ("planner", ASKED_AGAIN),
             ("booker", "I cannot book anything until the planner gives me a city."), ("planner", ASKED_AGAIN)]
    [finding] = findings_of(group_chat(tmp_path / "chat.jsonl", turns), "no_progress")
    assert finding.agent == "GroupChat" and finding.evidence[0].address == "agent:booker#1"
    assert {item.agent for item in finding.evidence} == {"planner", "booker"}
