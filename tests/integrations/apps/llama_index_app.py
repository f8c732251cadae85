"""A LlamaIndex `FunctionAgent` with two tools, `get_weather` and `get_time`, on LlamaIndex's `OpenAI`
LLM, asked two questions, each in a run of its own.

The server is STUB_URL with the key STUB_KEY. Each run asks for `get_weather`, then `get_time`, then
answers (the agent streams its LLM calls, as FunctionAgent does by default): six POST
/v1/chat/completions. It prints what the tools returned to the agent, then its answer. Each time a
tool's body runs it adds a line to `tool_bodies.log` in the working directory, so a test can count
the bodies that ran.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.llms.openai import OpenAI

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


async def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


async def main() -> None:
    llm = OpenAI(model="gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                 max_retries=0)
    agent = FunctionAgent(name="forecaster", description="Says the weather and the time.", llm=llm,
                          tools=[get_weather, get_time], system_prompt="Answer with the weather and the time.")
    for question in QUESTIONS:
        handler = agent.run(user_msg=question)
        returned = [f"{event.tool_name}={event.tool_output.content}" async for event in handler.stream_events()
                    if isinstance(event, ToolCallResult)]
        answer = await handler
        print(f"tools: {', '.join(returned)}")
        print(f"answer: {answer}")


if __name__ == "__main__":
    asyncio.run(main())
