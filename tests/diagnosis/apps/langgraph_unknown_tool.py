"""LangGraph: the model asks for `get_forecast`, which the graph's ToolNode does not have (it offers
`get_weather`); ToolNode answers with an error message, and the model then asks for the right tool and answers.
Kind: unknown_tool."""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from scripted_stub import ScriptedStub, ask, say


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def build(url: str, key: str) -> object:
    model = ChatOpenAI(base_url=url + "/v1", api_key=key, model="gpt-4o-mini", max_retries=0).bind_tools([get_weather])
    graph = StateGraph(MessagesState)
    graph.add_node("agent", lambda state: {"messages": [model.invoke(state["messages"])]})
    graph.add_node("tools", ToolNode([get_weather], handle_tool_errors=True))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def main() -> None:
    script = [ask("get_forecast", city="Paris"), ask("get_weather", city="Paris"), say("Sunny in Paris.")]
    with ScriptedStub(script) as stub:
        result = build(stub.url, stub.key).invoke({"messages": [HumanMessage("What is the weather in Paris?")]})
    print(f"answer: {result['messages'][-1].content}")


if __name__ == "__main__":
    main()
