"""A Strands `Agent` (no hook of ours: seen only on the wire) on the OpenAI Responses API, which Strands stops
reading at `response.completed`, with the two tools of the raw-loop apps: three requests, two tools."""

from __future__ import annotations

from strands import Agent
from strands.models.openai_responses import OpenAIResponsesModel
from strands_weather import get_time, get_weather
from wire_tools import QUESTION, settings

url, key = settings()

model = OpenAIResponsesModel(client_args={"api_key": key, "base_url": f"{url}/v1"}, model_id="gpt-4o-mini")
agent = Agent(model=model, tools=[get_weather, get_time], system_prompt="You are a weather assistant.",
              callback_handler=None)
print(agent(QUESTION))
