"""A Strands `Agent` (no hook of ours: seen only on the wire) on the OpenAI Responses API, which Strands stops
reading at `response.completed`, with the two tools of the raw-loop apps: three requests, two tools."""

from __future__ import annotations

from strands import Agent, tool
from strands.models.openai_responses import OpenAIResponsesModel
from wire_tools import QUESTION, settings
from wire_tools import get_time as time_in
from wire_tools import get_weather as weather_in

url, key = settings()


@tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return weather_in(city)


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return time_in(city)


model = OpenAIResponsesModel(client_args={"api_key": key, "base_url": f"{url}/v1"}, model_id="gpt-4o-mini")
agent = Agent(model=model, tools=[get_weather, get_time], system_prompt="You are a weather assistant.",
              callback_handler=None)
print(agent(QUESTION))
