"""A Google ADK app: an `LlmAgent` with two tools, `get_weather` and `get_time`, run by an `InMemoryRunner`,
asked two questions, each in a session of its own.

The model is ADK's `Gemini` pointed at STUB_URL (`base_url`), with the key STUB_KEY (ADK's google-genai
client reads it from GOOGLE_API_KEY). For each question the stub asks for `get_weather`, then
`get_time`, then answers: six POST /v1/models/gemini-2.0-flash:generateContent, four tool calls.
`get_time` also writes the city into the session's state through its `ToolContext` (what a rerun
that answers the tool without its body must still do). The app has a plugin of its own, counting agent
runs, and an `after_tool_callback` on the agent, noting each tool: both must run as they did, traced or
rerun. Each time a tool's body runs it adds a line to `tool_bodies.log` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from google.adk.agents import LlmAgent
from google.adk.models import Gemini
from google.adk.plugins import BasePlugin
from google.adk.runners import InMemoryRunner
from google.adk.tools import ToolContext
from google.genai import types

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
CHECKED: list[str] = []  # the tools the agent's after_tool_callback saw


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> dict[str, str]:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    return {"weather": WEATHER.get(city.lower(), "clear, 18 C")}


async def get_time(city: str, tool_context: ToolContext) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    tool_context.state["last_city"] = city
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower(), "09:05")


class CountingPlugin(BasePlugin):
    """The app's own plugin: counts the agent runs."""

    def __init__(self) -> None:
        super().__init__(name="counting")
        self.agent_runs = 0

    async def before_agent_callback(self, *, agent, callback_context):
        self.agent_runs += 1


def checked(tool, args, tool_context, tool_response):
    CHECKED.append(tool.name)


async def ask(runner: InMemoryRunner, question: str) -> None:
    session = await runner.session_service.create_session(app_name=runner.app_name, user_id="user")
    message = types.Content(role="user", parts=[types.Part(text=question)])
    answer = ""
    async for event in runner.run_async(user_id="user", session_id=session.id, new_message=message):
        if event.is_final_response() and event.content and event.content.parts:
            answer = "".join(part.text or "" for part in event.content.parts)
    print(f"answer: {answer}")
    stored = await runner.session_service.get_session(app_name=runner.app_name, user_id="user", session_id=session.id)
    print(f"state: {dict(stored.state)}")


async def main() -> None:
    os.environ["GOOGLE_API_KEY"] = os.environ["STUB_KEY"]
    model = Gemini(model="gemini-2.0-flash", base_url=os.environ["STUB_URL"])
    agent = LlmAgent(name="forecaster", model=model, instruction="Answer with the weather and the time.",
                     tools=[get_weather, get_time], after_tool_callback=checked)
    counting = CountingPlugin()
    runner = InMemoryRunner(agent=agent, app_name="weather", plugins=[counting])
    for question in QUESTIONS:
        await ask(runner, question)
    print(f"plugin saw {counting.agent_runs} agent runs; after_tool_callback saw {', '.join(CHECKED)}")


if __name__ == "__main__":
    asyncio.run(main())
