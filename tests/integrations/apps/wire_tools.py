"""The two tools of the raw-loop apps (`wire_*.py`): `get_weather` and `get_time`, each adding a line to
`tool_bodies.log` in the working directory when its body runs. With `WEATHER_CHANGED=1`, `get_weather` says
something else than it did (a tool whose behaviour changed since the recording). QUESTION ends with the city
the stub server asks the tools about."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

QUESTION = "What is the weather and the time in Paris"
DESCRIPTIONS = {"get_weather": "The weather in a city today.", "get_time": "The local time in a city."}
PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    ran(f"get_weather {city}")
    return "heat wave, 38 C" if os.environ.get("WEATHER_CHANGED") == "1" else "light rain, 14 C"


def get_time(city: str) -> str:
    ran(f"get_time {city}")
    return "10:00"


TOOLS = {"get_weather": get_weather, "get_time": get_time}


def run_tool(name: str, arguments: Any) -> str:
    """The tool's result for the model's arguments (a dict, or the JSON text OpenAI sends)."""
    if isinstance(arguments, str):
        arguments = json.loads(arguments)
    return TOOLS[name](**arguments)


def settings() -> tuple[str, str]:
    return os.environ["STUB_URL"], os.environ["STUB_KEY"]
