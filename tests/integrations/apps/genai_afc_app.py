"""google-genai's automatic function calling: Python functions handed to the SDK as tools, called by the
SDK itself between the model's requests.

The server is STUB_URL with the key STUB_KEY (sent as `x-goog-api-key`). Three questions, each offered
two functions: the stub asks for the first, then the second, then answers, so each question is three
POST /v1/models/gemini-2.0-flash:generateContent and two function calls (nine requests, six calls):
- `client.models.generate_content` with `get_weather` and `get_time`;
- a chat's `send_message` (`client.chats.create`) with the same two, about Atlantis, where `get_weather`
  raises `KeyError` (the SDK tells the model the error, and the loop goes on);
- `client.aio.models.generate_content` with `get_forecast` (a coroutine function) and `get_time` (which
  the async SDK runs in a thread).
Then one question with AFC turned off: the model's function call comes back to the app, nothing is called
(ten requests in all).
Each time a function's body runs it adds a line to `tool_bodies.log` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from google import genai
from google.genai import types

MODEL = "gemini-2.0-flash"
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C", "rome": "sunny, 24 C"}
STATIONS = {"paris": "LFPG", "oslo": "ENGM", "rome": "LIRF"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    if STATIONS[city.lower()] is None:  # no station in Atlantis: KeyError
        return "no report"
    return WEATHER.get(city.lower(), "clear, 18 C")


def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05", "rome": "14:05"}.get(city.lower(), "09:05")


async def get_forecast(city: str) -> str:
    """Tomorrow's weather in a city."""
    ran(f"get_forecast {city}")
    await asyncio.sleep(0)
    return f"tomorrow in {city}: " + WEATHER.get(city.lower(), "clear, 18 C")


def main() -> None:
    client = genai.Client(api_key=os.environ["STUB_KEY"],
                          http_options=types.HttpOptions(base_url=os.environ["STUB_URL"]))
    config = types.GenerateContentConfig(tools=[get_weather, get_time])
    reply = client.models.generate_content(model=MODEL, contents="What is the weather in Paris?", config=config)
    print(f"answer: {reply.text}")
    history = reply.automatic_function_calling_history or []
    called = [part for content in history for part in content.parts or [] if part.function_response]
    print(f"functions called: {len(called)}")
    chat = client.chats.create(model=MODEL, config=config)
    print(f"answer: {chat.send_message('Is it sunny in Atlantis?').text}")
    forecast = types.GenerateContentConfig(tools=[get_forecast, get_time])
    later = asyncio.run(client.aio.models.generate_content(model=MODEL, contents="Will it rain in Rome?",
                                                           config=forecast))
    print(f"answer: {later.text}")
    manual = types.GenerateContentConfig(tools=[get_time],
                                         automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    asked = client.models.generate_content(model=MODEL, contents="What time is it in Oslo?", config=manual)
    print(f"asked for: {[(call.name, call.args) for call in asked.function_calls or []]}")


if __name__ == "__main__":
    main()
