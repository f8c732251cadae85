"""A LlamaIndex `FunctionAgent` whose tool raises `KeyError`: the agent hands the model the error's text
(an `is_error` `ToolOutput`) and goes on to an answer; then the same agent in an `AgentWorkflow`.

The server is STUB_URL with the key STUB_KEY. Each run: the stub asks for `lookup_weather` with
`{"city": "Atlantis"}`, the tool looks the city up in its table and raises `KeyError('Atlantis')`, the
agent sends `'Atlantis'` back as the tool's result, and the stub answers with an echo of it: four POST
/v1/chat/completions, two tool calls. Each time the tool's body runs it adds a line to `tool_bodies.log`.
The app prints what each tool call gave the agent and the answer.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ToolCallResult
from llama_index.llms.openai import OpenAI

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    with Path("tool_bodies.log").open("a") as log:  # a rerun that answers the call runs no body
        log.write(f"lookup_weather {city}\n")
    return STATIONS[city]


async def ask(agent: FunctionAgent | AgentWorkflow) -> None:
    handler = agent.run(user_msg="What is the weather in Atlantis?")
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            output = event.tool_output
            print(f"the tool gave the model: {output.content} (is_error={output.is_error})")
    print(f"answer: {await handler}")


async def main() -> None:
    llm = OpenAI(model="gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                 max_retries=0)
    agent = FunctionAgent(name="forecaster", description="Says the weather.", llm=llm, tools=[lookup_weather],
                          system_prompt="Answer with the weather.")
    await ask(agent)
    await ask(AgentWorkflow(agents=[agent], root_agent="forecaster"))


if __name__ == "__main__":
    asyncio.run(main())
