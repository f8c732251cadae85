"""The two tools of the raw-loop apps (`wire_tools.py`) as Strands tools, for the Strands apps
(`strands_*_app.py`)."""

from __future__ import annotations

from strands import tool
from wire_tools import get_time as time_in
from wire_tools import get_weather as weather_in


@tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return weather_in(city)


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return time_in(city)
