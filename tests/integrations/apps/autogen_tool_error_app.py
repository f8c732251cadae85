"""An AutoGen AgentChat app whose tool raises `KeyError`: the agent's workbench hands the model the
error's text as an `is_error` result, and the agent goes on to an answer.

The server is STUB_URL with the key STUB_KEY. The stub asks for `lookup_weather` with
`{"city": "Atlantis"}`; the tool looks the city up in its table and raises `KeyError('Atlantis')`; the
workbench sends `'Atlantis'` back as the tool's result, and the stub answers with an echo of it (the agent
reflects on the tool's result): two POST /v1/chat/completions. Each time the tool's body runs it adds a
line to `tool_bodies.log`. The app prints what the tool gave the model and the answer.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import ToolCallExecutionEvent
from autogen_ext.models.openai import OpenAIChatCompletionClient

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    with Path("tool_bodies.log").open("a") as log:  # a rerun that answers the call runs no body
        log.write(f"lookup_weather {city}\n")
    return STATIONS[city]


async def main() -> None:
    client = OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1",
                                        api_key=os.environ["STUB_KEY"], max_retries=0)
    agent = AssistantAgent("forecaster", model_client=client, tools=[lookup_weather],
                           system_message="Answer with the weather.", reflect_on_tool_use=True)
    result = await agent.run(task="What is the weather in Atlantis?")
    for message in result.messages:
        if isinstance(message, ToolCallExecutionEvent):
            for done in message.content:
                print(f"the tool gave the model: {done.content} (is_error={done.is_error})")
    print(f"answer: {result.messages[-1].to_text()}")
    await client.close()


if __name__ == "__main__":
    asyncio.run(main())
