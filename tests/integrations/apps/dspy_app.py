"""A DSPy `ReAct` agent with two tools, `get_weather` and `get_time`, on `dspy.LM` (DSPy's default engine,
which sends through lm15, the HTTP client DSPy vendors), asked two questions with a call and one with
`acall` (the async path: lm15's async transport, `Tool.acall`).

The server is STUB_URL with the key STUB_KEY: a stub answering in DSPy's chat format
(tests/integrations/dspy_stub.py), which for each question names `get_weather`, then `get_time`, then
`finish` in the text of its answers, then gives the answer: twelve POST /v1/chat/completions. The LM's
cache is off (a cached answer makes no request), and DSPy reads its model metadata from its package
(`LITELLM_LOCAL_MODEL_COST_MAP`): on the async path it would fetch it from GitHub with urllib, outside
the recorded clients, which a rerun refuses. The app prints what the tools returned to the agent and
its answer, then the tool calls a callback of its own (set with `dspy.configure`) saw start: a rerun must
run the app's callbacks as before. Each time a tool's body runs it adds a line to `tool_bodies.log` in the
working directory, so a test can count the bodies that ran.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before dspy (and LiteLLM) read it

import dspy
from dspy.utils.callback import BaseCallback

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
ASYNC_QUESTION = "Is it warm in Rome?"


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


class ToolStarts(BaseCallback):
    """The app's own callback: the tools it saw called, with their arguments."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_tool_start(self, call_id: str, instance: object, inputs: dict[str, object]) -> None:
        self.seen.append(f"{getattr(instance, 'name', '?')}{inputs.get('kwargs')}")


def show(prediction: dspy.Prediction) -> None:
    observed = [f"{prediction.trajectory[f'tool_name_{i}']}={prediction.trajectory[f'observation_{i}']}"
                for i in range(2)]
    print(f"tools: {', '.join(observed)}")
    print(f"answer: {prediction.answer}")


def main() -> None:
    lm = dspy.LM("openai/gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                 cache=False, num_retries=0)
    starts = ToolStarts()
    dspy.configure(lm=lm, callbacks=[starts])
    agent = dspy.ReAct("question -> answer", tools=[get_weather, get_time], max_iters=4)
    for question in QUESTIONS:
        show(agent(question=question))
    show(asyncio.run(agent.acall(question=ASYNC_QUESTION)))
    print(f"callback saw: {', '.join(starts.seen)}")


if __name__ == "__main__":
    main()
