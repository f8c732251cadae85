"""Three openai-agents runs of agents with one name under `asyncio.gather`, each asking for its tool once.

Each agent asks about its own city; the stub asks for `get_weather` with the last word of the question, with
a call id of its own for each question. `ORDER` (default `0,1,2`) is the order the runs are handed to
`gather`, and their tools run in that order whatever pace the model answers at: each run but the first
waits until the run before it has had its tool's answer (`RunHooks.on_tool_end`, which the SDK calls in a
rerun too, where the tool is answered from the recording), then all go on together. A recording made with
`ORDER=2,1,0` and a rerun with `0,1,2` make the same tool calls (same ids, inputs and results) in another
order, as a rerun whose answers come back at once does when the recording's came back at the model's pace.
The answers are printed sorted, so the app prints the same whatever the order.
"""

from __future__ import annotations

import asyncio
import os

from agents import Agent, RunHooks, Runner, function_tool, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?", "Is it sunny in Rome?")


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


class Turn(RunHooks):
    """Tells the next run its turn has come once this run's tool has answered."""

    def __init__(self, done: asyncio.Event) -> None:
        self.done = done

    async def on_tool_end(self, context, agent, tool, result) -> None:  # the SDK calls it with these
        self.done.set()


async def in_turn(agent: Agent, question: str, before: asyncio.Event | None, done: asyncio.Event) -> object:
    if before is not None:
        await before.wait()
    return await Runner.run(agent, question, hooks=Turn(done))


async def main() -> None:
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    agents = [Agent(name="forecaster", instructions="Answer with the weather.", model="gpt-4o-mini",
                    tools=[get_weather]) for _ in QUESTIONS]
    order = [int(i) for i in os.environ.get("ORDER", "0,1,2").split(",")]
    done = [asyncio.Event() for _ in order]
    results = await asyncio.gather(*(in_turn(agents[i], QUESTIONS[i], done[k - 1] if k else None, done[k])
                                     for k, i in enumerate(order)))
    for answer in sorted(str(result.final_output) for result in results):
        print(f"answer: {answer}")


if __name__ == "__main__":
    asyncio.run(main())
