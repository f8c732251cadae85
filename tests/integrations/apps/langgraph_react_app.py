"""A LangGraph agent made by `langgraph.prebuilt.create_react_agent`: a ChatOpenAI model with two tools.

The agent asks ChatOpenAI(...) on STUB_URL with the key STUB_KEY; the stub asks for get_weather, then get_time,
then answers: three requests, each made in a step of the graph's `agent` node, the tools run in its `tools` node.
With RECURSION_LIMIT set (3 is too few for those five steps) the graph stops with LangGraph's
`GraphRecursionError` after its second request, which the app does not catch: the run fails.

Each tool body appends its name to `tool_bodies.log` in the working directory; the app prints each tool's
answer as the graph got it, and the model's last word.
"""

from __future__ import annotations

import os
from pathlib import Path

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

BODIES = Path("tool_bodies.log")


def body_ran(name: str) -> None:
    with BODIES.open("a") as log:
        log.write(name + "\n")


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    body_ran("get_weather")
    return f"sunny in {city}"


@tool
def get_time(city: str) -> str:
    """The local time in a city."""
    body_ran("get_time")
    return f"noon in {city}"


def main() -> None:
    model = ChatOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                       model="gpt-4o-mini", temperature=0, max_retries=0)
    agent = create_react_agent(model, [get_weather, get_time], name="weather_agent")
    config = {"recursion_limit": int(os.environ["RECURSION_LIMIT"])} if os.environ.get("RECURSION_LIMIT") else {}
    final = agent.invoke({"messages": [HumanMessage("What is the weather in Lisbon")]}, config)
    for message in final["messages"]:
        if isinstance(message, ToolMessage):
            print(f"tool {message.name}: {message.content}")
    print(f"answer: {final['messages'][-1].content}")


if __name__ == "__main__":
    main()
