"""A smolagents app whose agent runs out of steps: a `ToolCallingAgent` (`forecaster`, `max_steps=2`) with two
tools, `get_weather` and `get_time`, on an `OpenAIServerModel` pointed at STUB_URL (key STUB_KEY), asked one
question.

The stub asks for each offered tool in turn (`get_weather`, then `get_time`, then smolagents' own
`final_answer`): the agent's two steps end before it asks for `final_answer`, so smolagents sends one more
request opening with its `final_answer.pre_messages` ("An agent tried to answer a user query but it got stuck
and failed to do so. ...") and returns that answer: three POST /v1/chat/completions, two tool calls, no
exception.
"""

from __future__ import annotations

import os

from smolagents import OpenAIServerModel, ToolCallingAgent, tool


@tool
def get_weather(city: str) -> str:
    """The weather in a city today.

    Args:
        city: The city's name.
    """
    return "light rain, 14 C"


@tool
def get_time(city: str) -> str:
    """The local time in a city.

    Args:
        city: The city's name.
    """
    return "14:05"


def main() -> None:
    model = OpenAIServerModel("gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                              client_kwargs={"max_retries": 0})
    agent = ToolCallingAgent(tools=[get_weather, get_time], model=model, name="forecaster", max_steps=2,
                             verbosity_level=0)
    print(f"answer: {agent.run('What is the weather in Paris?')}")


if __name__ == "__main__":
    main()
