"""A Strands `Agent` on the OpenAI chat completions API with its OpenTelemetry tracing on (`StrandsTelemetry`
sets an SDK tracer provider; no exporter), and the two tools of the raw-loop apps: three requests, two tools.

With MORE_QUESTION set, the agent is asked it next (a rerun that asks one question more than recorded).

Strands sets each span's attributes after the span started (`invoke_agent`, `chat`, `execute_tool`), and some
that change from run to run: its start and end times, the agent's id (a new UUID each run).
"""

from __future__ import annotations

import os

from strands import Agent
from strands.models.openai import OpenAIModel
from strands.telemetry import StrandsTelemetry
from strands_weather import get_time, get_weather
from wire_tools import QUESTION, settings

url, key = settings()
StrandsTelemetry()  # an SDK TracerProvider, set as the global one: Strands' spans are recorded

model = OpenAIModel(client_args={"api_key": key, "base_url": f"{url}/v1"}, model_id="gpt-4o-mini")
agent = Agent(name="forecaster", model=model, tools=[get_weather, get_time],
              system_prompt="You are a weather assistant.", callback_handler=None)
print(agent(QUESTION))
if os.environ.get("MORE_QUESTION"):
    print(agent(os.environ["MORE_QUESTION"]))
