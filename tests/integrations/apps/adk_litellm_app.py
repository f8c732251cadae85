"""A Google ADK app on LiteLLM, streamed: an `LlmAgent` whose model is ADK's `LiteLlm` wrapper (an OpenAI chat
completions model at STUB_URL, key STUB_KEY), with one tool, `get_weather`, run by an `InMemoryRunner` with
`StreamingMode.SSE`, asked two questions, each in a session of its own. For each question the stub asks for
`get_weather`, then answers: four streamed POST /v1/chat/completions, two tool calls. Each time the tool's body
runs it adds a line to `tool_bodies.log` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before LiteLLM reads it: no fetch from the internet

from google.adk.agents import LlmAgent
from google.adk.agents.run_config import RunConfig, StreamingMode
from google.adk.models.lite_llm import LiteLlm
from google.adk.runners import InMemoryRunner
from google.genai import types

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}


def get_weather(city: str) -> dict[str, str]:
    """The weather in a city today."""
    with Path("tool_bodies.log").open("a") as log:
        log.write(f"get_weather {city}\n")
    return {"weather": WEATHER.get(city.lower().strip("?."), "clear, 18 C")}


async def ask(runner: InMemoryRunner, question: str) -> None:
    session = await runner.session_service.create_session(app_name=runner.app_name, user_id="user")
    message = types.Content(role="user", parts=[types.Part(text=question)])
    streamed = RunConfig(streaming_mode=StreamingMode.SSE)
    answer = ""
    async for event in runner.run_async(user_id="user", session_id=session.id, new_message=message,
                                        run_config=streamed):
        if event.is_final_response() and event.content and event.content.parts:
            answer = "".join(part.text or "" for part in event.content.parts)
    print(f"answer: {answer}")


async def main() -> None:
    model = LiteLlm(model="openai/gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1",
                    api_key=os.environ["STUB_KEY"])
    agent = LlmAgent(name="forecaster", model=model, instruction="Answer with the weather.", tools=[get_weather])
    runner = InMemoryRunner(agent=agent, app_name="weather")
    for question in QUESTIONS:
        await ask(runner, question)


if __name__ == "__main__":
    asyncio.run(main())
