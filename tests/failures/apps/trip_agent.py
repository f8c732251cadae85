"""A trip agent as most are first written: the openai SDK, two plain tools and a loop of its own (no decorator).

    python trip_agent.py "Paris, FR" EUR        # the question asked: weather in Paris, FR; 100 USD in EUR

The base URL and key come from OPENAI_BASE_URL and OPENAI_API_KEY (a stub on 127.0.0.1 in the tests). What the
loop tells the model when a tool raises `KeyError` is chosen by TRIP_TELLS: `caught` (the default, "ERROR: no
data for ..."), `fstring` (`f"error: {exc}"`) or `json` (`{"error": ...}` as JSON text). A `ValueError` is not
caught: an unknown currency crashes the app.
"""

from __future__ import annotations

import json
import os
import sys

from openai import OpenAI

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C", "tokyo": "clear, 21 C", "lima": "fog, 17 C"}
RATES = {"EUR": 0.92, "NOK": 10.9, "JPY": 151.2, "PEN": 3.71}
TOOLS = [{"type": "function", "function": {"name": name, "description": about, "parameters": {
    "type": "object", "properties": {field: {"type": "string"}}, "required": [field]}}}
    for name, about, field in (("get_weather", "The weather in a city.", "city"),
                               ("get_exchange_rate", "What 1 USD buys in a currency.", "currency"))]


def get_weather(city: str) -> str:
    return WEATHER[city.lower()]


def get_exchange_rate(currency: str) -> str:
    if currency not in RATES:
        raise ValueError(f"unknown currency {currency!r}")
    return f"1 USD = {RATES[currency]} {currency}"


def told(call) -> str:
    """What the model is told of one tool call: its result, or (for a KeyError) the error, as TRIP_TELLS says."""
    tool = {"get_weather": get_weather, "get_exchange_rate": get_exchange_rate}[call.function.name]
    try:
        return tool(**json.loads(call.function.arguments))
    except KeyError as exc:
        tells = os.environ.get("TRIP_TELLS", "caught")
        if tells == "fstring":
            return f"error: {exc}"
        if tells == "json":
            return json.dumps({"error": f"no data for {exc}"})
        return f"ERROR: no data for {exc}"


def main(city: str, currency: str) -> None:
    client = OpenAI(max_retries=0)
    question = f"What is the weather in {city}, and what is 100 USD in {currency}?"
    messages = [{"role": "user", "content": question}]
    for _ in range(4):
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
        if not reply.message.tool_calls:
            print(reply.message.content)
            return
        messages.append(reply.message.model_dump(exclude_none=True))
        for call in reply.message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": told(call)})


if __name__ == "__main__":
    main(*(sys.argv[1:3] if len(sys.argv) > 2 else ("Paris, FR", "EUR")))
