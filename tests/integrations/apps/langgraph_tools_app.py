"""A LangGraph graph that looks a topic up, then lets a ChatOpenAI model call two tools through a ToolNode.

`lookup` asks a retriever (in-process, no request) for notes on the city; `agent` asks
ChatOpenAI(...).bind_tools([get_weather, get_time]) on STUB_URL with the key STUB_KEY; `tools_condition`
sends its tool calls to `tools` (langgraph.prebuilt.ToolNode) and back, until the model answers. The
stub asks for get_weather, then get_time, then answers: three requests a question. The first question
runs with `invoke` (the tools' `run`), the second with `ainvoke` (their `arun`): six requests.

Each tool body appends its name to `tool_bodies.log` in the working directory, so a test can count
the bodies that ran; the app prints each tool's answer as the graph got it, and the model's last word.
The sync run passes a callback handler of the app's own, which prints the nodes it saw start.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from langchain_core.callbacks import BaseCallbackHandler, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

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


class Notes(BaseRetriever):
    """Notes on cities, kept in memory."""

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=f"{query} has a river.", metadata={"source": "notes"})]


class NodesSeen(BaseCallbackHandler):
    """The app's own callback handler: the nodes it saw start, in order."""

    def __init__(self) -> None:
        self.nodes: list[str] = []

    def on_chain_start(self, serialized, inputs, *, metadata=None, tags=None, name=None, **kwargs) -> None:
        if metadata and metadata.get("langgraph_node") == name and any(t.startswith("graph:step:") for t in tags or ()):
            self.nodes.append(name)


class State(MessagesState):
    notes: list[str]


def lookup(state: State) -> dict:
    city = state["messages"][-1].content.rsplit(" ", 1)[-1]
    return {"notes": [doc.page_content for doc in Notes().invoke(city)]}


def build() -> object:
    tools = [get_weather, get_time]
    model = ChatOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                       model="gpt-4o-mini", temperature=0, max_retries=0).bind_tools(tools)

    def agent(state: State) -> dict:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(State)
    graph.add_node("lookup", lookup)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "lookup")
    graph.add_edge("lookup", "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile(name="weather_graph")


def show(label: str, final: dict) -> None:
    for message in final["messages"]:
        if isinstance(message, ToolMessage):
            print(f"{label} tool {message.name}: {message.content}")
    print(f"{label} notes: {final['notes']}")
    print(f"{label} answer: {final['messages'][-1].content}")


def main() -> None:
    graph = build()
    seen = NodesSeen()
    show("sync", graph.invoke({"messages": [HumanMessage("What is the weather in Lisbon")]}, {"callbacks": [seen]}))
    print(f"sync callbacks saw: {','.join(seen.nodes)}")
    show("async", asyncio.run(graph.ainvoke({"messages": [HumanMessage("What is the weather in Porto")]})))


if __name__ == "__main__":
    main()
