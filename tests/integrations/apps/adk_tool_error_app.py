"""A Google ADK agent whose tool raises `KeyError`, and whose `on_tool_error_callback` hands the model the
error in the tool's place (ADK raises a tool's error unless such a callback answers it): the agent goes on
to an answer.

The model is ADK's `Gemini` pointed at STUB_URL, key STUB_KEY (read from GOOGLE_API_KEY). The stub asks
for `lookup_weather` with `{"city": "Atlantis"}`, the tool looks the city up in its table and raises
`KeyError('Atlantis')`, the callback answers `{"error": "'Atlantis'"}`, and the stub answers with an echo
of it: two POST /v1/models/gemini-2.0-flash:generateContent. Each time the tool's body runs it adds a line
to `tool_bodies.log`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from google.adk.agents import LlmAgent
from google.adk.models import Gemini
from google.adk.runners import InMemoryRunner
from google.genai import types

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    with Path("tool_bodies.log").open("a") as log:  # a rerun that answers the call runs no body
        log.write(f"lookup_weather {city}\n")
    return STATIONS[city]


def tell_the_model(tool, args, tool_context, error):
    print(f"the tool gave the model: {error!s}")
    return {"error": str(error)}


async def main() -> None:
    os.environ["GOOGLE_API_KEY"] = os.environ["STUB_KEY"]
    model = Gemini(model="gemini-2.0-flash", base_url=os.environ["STUB_URL"])
    agent = LlmAgent(name="forecaster", model=model, instruction="Answer with the weather.",
                     tools=[lookup_weather], on_tool_error_callback=tell_the_model)
    runner = InMemoryRunner(agent=agent, app_name="weather")
    session = await runner.session_service.create_session(app_name=runner.app_name, user_id="user")
    message = types.Content(role="user", parts=[types.Part(text="What is the weather in Atlantis?")])
    answer = ""
    async for event in runner.run_async(user_id="user", session_id=session.id, new_message=message):
        if event.is_final_response() and event.content and event.content.parts:
            answer = "".join(part.text or "" for part in event.content.parts)
    print(f"answer: {answer}")


if __name__ == "__main__":
    asyncio.run(main())
