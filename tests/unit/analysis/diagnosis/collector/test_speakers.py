"""Who spoke in a group chat recorded at the wire only (`speakers.py`): each LLM call's agent read from the names
its words are sent under, by the agent itself (its own earlier messages) or by the others (its answer said again
under its name); and the blame names that agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.blametraces import blames, clues_of, expect_failure
from support.tracefactory import TraceBuilder

TASK = {"role": "user", "name": "user", "content": "How many people live in Lyon? Answer with the number."}
PLAN = "Coder, please look up the population of Lyon."
FOUND = "The city page says Lyon has 516,092 inhabitants."
FINAL = "Lyon has 516,092 inhabitants."


def chat(path: Path, requests: list[list[dict[str, Any]]], answers: list[str]) -> Path:
    """LLM calls in no agent span, as `namel3ss-debug trace` records a group chat's HTTP requests."""
    trace = TraceBuilder()
    trace.run_start()
    for messages, said in zip(requests, answers):
        llm = trace.start("llm", "openai.chat", inputs={"model": "gpt-4o", "messages": messages})
        trace.end(llm, 5, outputs={"text": said})
    trace.run_end()
    return trace.write(path)


GROUP_CHAT = [
    [{"role": "system", "content": "You are Planner."}, TASK],
    [{"role": "system", "content": "You are Coder."}, TASK, {"role": "user", "name": "Planner", "content": PLAN}],
    [{"role": "system", "content": "You are Planner."}, TASK, {"role": "assistant", "name": "Planner", "content": PLAN},
     {"role": "user", "name": "Coder", "content": f"  {FOUND}\n"}],
]


def test_each_wire_call_is_the_agent_whose_name_its_words_are_sent_under(tmp_path: Path) -> None:
    [run] = clues_of(chat(tmp_path / "chat.jsonl", GROUP_CHAT, [PLAN, FOUND, FINAL])).runs
    assert [step.turn for step in run.opening if step.component == "llm"] == ["Planner", "Coder", "Planner"]
    assert run.actors == {"Planner": 2, "Coder": 1}


def test_a_wire_group_chats_wrong_number_blames_the_agent_that_said_it(tmp_path: Path) -> None:
    path = chat(tmp_path / "chat.jsonl", GROUP_CHAT, [PLAN, FOUND, FINAL])
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:522,969"))
    assert (blame.agent, blame.step and blame.step.address) == ("Coder", "llm:openai.chat#2")


def test_a_chat_that_names_no_speaker_leaves_its_calls_to_no_agent(tmp_path: Path) -> None:
    unnamed = [[{key: value for key, value in message.items() if key != "name"} for message in messages]
               for messages in GROUP_CHAT]
    [run] = clues_of(chat(tmp_path / "chat.jsonl", unnamed, [PLAN, FOUND, FINAL])).runs
    assert [step.turn for step in run.opening if step.component == "llm"] == [None, None, None]
