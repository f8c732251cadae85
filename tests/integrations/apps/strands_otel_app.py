"""A Strands `Agent` on the OpenAI chat completions API with its OpenTelemetry tracing on (`StrandsTelemetry`
sets an SDK tracer provider; no exporter), and the two tools of the raw-loop apps: three requests, two tools.

Strands sets each span's attributes after the span started (`invoke_agent`, `chat`, `execute_tool`), and some
that change from run to run: its start and end times, the agent's id (a new UUID each run).
"""

from __future__ import annotations

from strands import Agent, tool
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry
from wire_tools import QUESTION, settings
from wire_tools import get_time as time_in
from wire_tools import get_weather as weather_in

url, key = settings()
StrandsTelemetry()  # an SDK TracerProvider, set as the global one: Strands' spans are recorded


@tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return weather_in(city)


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return time_in(city)


model = OpenAIModel(client_args={"api_key": key, "base_url": f"{url}/v1"}, model_id="gpt-4o-mini")
agent = Agent(name="forecaster", model=model, tools=[get_weather, get_time],
              system_prompt="You are a weather assistant.", callback_handler=None)
print(agent(QUESTION))
