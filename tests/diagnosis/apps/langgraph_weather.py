"""The graph of the LangGraph apps (`langgraph_*.py`): an agent node on OpenAI chat with one tool,
`get_weather`, and a ToolNode running it, the agent called again after each tool until it answers."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def build(url: str, key: str, **tool_node: Any) -> object:
    """The graph, its model at the stub at `url`; `tool_node`: the ToolNode's options."""
    model = ChatOpenAI(base_url=url + "/v1", api_key=key, model="gpt-4o-mini", max_retries=0).bind_tools([get_weather])
    graph = StateGraph(MessagesState)
    graph.add_node("agent", lambda state: {"messages": [model.invoke(state["messages"])]})
    graph.add_node("tools", ToolNode([get_weather], **tool_node))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()
