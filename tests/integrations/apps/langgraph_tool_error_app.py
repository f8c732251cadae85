"""A LangGraph graph whose tool raises `KeyError`, which its ToolNode (`handle_tool_errors=True`) hands the model
as an error ToolMessage: the run goes on and answers.

`agent` asks ChatOpenAI(...).bind_tools([lookup_weather]) on STUB_URL with the key STUB_KEY; `tools_condition`
sends its tool call to `tools` (langgraph.prebuilt.ToolNode) and back, until the model answers. The stub asks
for lookup_weather (Atlantis), then answers with an echo of the tool's message: two requests a question. The
first question runs with `invoke` (the tool's `run`), the second with `ainvoke` (its `arun`): four requests.
The app prints the message each tool call gave the model, and the model's last word.
"""

from __future__ import annotations

import asyncio
import os

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


@tool
def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    return STATIONS[city]


def build() -> object:
    model = ChatOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                       model="gpt-4o-mini", temperature=0, max_retries=0).bind_tools([lookup_weather])

    def agent(state: MessagesState) -> dict:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([lookup_weather], handle_tool_errors=True))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile(name="weather_graph")


def show(label: str, final: dict) -> None:
    for message in final["messages"]:
        if isinstance(message, ToolMessage):
            print(f"{label} tool {message.name} ({message.status}): {message.content}")
    print(f"{label} answer: {final['messages'][-1].content}")


def main() -> None:
    graph = build()
    show("sync", graph.invoke({"messages": [HumanMessage("What is the weather in Atlantis")]}))
    show("async", asyncio.run(graph.ainvoke({"messages": [HumanMessage("Is it cold in Atlantis")]})))


if __name__ == "__main__":
    main()
