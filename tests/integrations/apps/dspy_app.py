"""A DSPy `ReAct` agent with two tools, `get_weather` and `get_time`, on `dspy.LM` (LiteLLM's OpenAI
provider), asked two questions.

The server is STUB_URL with the key STUB_KEY: a stub answering in DSPy's chat format
(tests/integrations/dspy_stub.py), which for each question names `get_weather`, then `get_time`, then
`finish` in the text of its answers, then gives the answer: eight POST /v1/chat/completions. The LM runs
on DSPy's LiteLLM engine (`engine="litellm"`: LiteLLM sends through the OpenAI SDK's httpx, where the
calls are recorded; DSPy 3.4's default engine sends through sockets of its own, which the HTTP capture
does not see). Its cache is off (a cached answer makes no request), and LiteLLM reads its price list
from its package, not the network. It prints what the tools returned to the agent and its answer, then
the tool calls a callback of its own (set with `dspy.configure`) saw start: a rerun must run the app's
callbacks as before. Each time a tool's body runs it adds a line to `tool_bodies.log` in the working
directory, so a test can count the bodies that ran.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import dspy  # noqa: E402 - after LiteLLM's setting
from dspy.utils.callback import BaseCallback  # noqa: E402 - as above

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")


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


def main() -> None:
    lm = dspy.LM("openai/gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                 cache=False, num_retries=0, engine="litellm")
    starts = ToolStarts()
    dspy.configure(lm=lm, callbacks=[starts])
    agent = dspy.ReAct("question -> answer", tools=[get_weather, get_time], max_iters=4)
    for question in QUESTIONS:
        prediction = agent(question=question)
        observed = [f"{prediction.trajectory[f'tool_name_{i}']}={prediction.trajectory[f'observation_{i}']}"
                    for i in range(2)]
        print(f"tools: {', '.join(observed)}")
        print(f"answer: {prediction.answer}")
    print(f"callback saw: {', '.join(starts.seen)}")


if __name__ == "__main__":
    main()
