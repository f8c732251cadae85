"""Decorated: a group chat (`trace_agent_execution("trip_chat")`) of `user` and `planner` turns (`trace_agent_turn`,
each turn's output recorded); planner's model is asked with the whole conversation each turn, so no two of its calls
have the same inputs. Planner's second turn asks for the dates and the budget; its next three ask the same again
while the user only says "Please continue.". Nothing fails. Kind: no_progress, decisive `agent:planner#2`."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_agent_turn, trace_llm_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

ASK = "Which dates would you like to travel, and what is your budget for the trip?"
LLM = FakeLLM(["I will plan a three-day trip to Lisbon for you.", ASK, ASK, ASK, ASK], model="gpt-4o-mini")


@trace_llm_call(name="planner_llm", codec=FakeCompletion)
def plan(history: str) -> FakeCompletion:
    return LLM.complete(history)


def speak(agent: str, number: int, history: list[str], text: str | None = None) -> None:
    with trace_agent_turn(agent, number) as turn:
        said = text if text is not None else plan("\n".join(history)).text
        turn.set_outputs({"output": said})
    history.append(f"{agent}: {said}")


@trace_agent_execution(name="trip_chat")
def chat() -> str:
    history: list[str] = []
    speak("user", 1, history, "Plan a trip to Lisbon for me.")
    for number in range(1, 6):
        speak("planner", number, history)
        if number < 5:
            speak("user", number + 1, history, "Please continue.")
    return history[-1]


if __name__ == "__main__":
    print(chat())
