"""A Google ADK app: an `LlmAgent` with two tools, `get_weather` and `get_time`, run by an `InMemoryRunner`,
asked two questions, each in a session of its own.

The model is ADK's `Gemini` pointed at STUB_URL (`base_url`), with the key STUB_KEY (ADK's google-genai
client reads it from GOOGLE_API_KEY). For each question the stub asks for `get_weather`, then
`get_time`, then answers: six POST /v1/models/gemini-2.0-flash:generateContent, four tool calls.
`get_time` also writes the city into the session's state through its `ToolContext` (what a rerun
that answers the tool without its body must still do). Each time a tool's body runs it adds a line to
`tool_bodies.log` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from google.adk.agents import LlmAgent
from google.adk.models import Gemini
from google.adk.runners import InMemoryRunner
from google.adk.tools import ToolContext
from google.genai import types

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}


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
                     tools=[get_weather, get_time])
    runner = InMemoryRunner(agent=agent, app_name="weather")
    for question in QUESTIONS:
        await ask(runner, question)


if __name__ == "__main__":
    asyncio.run(main())
