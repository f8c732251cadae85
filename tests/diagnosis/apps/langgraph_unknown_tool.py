"""LangGraph: the model asks for `get_forecast`, which the graph's ToolNode does not have (it offers
`get_weather`); ToolNode answers with an error message, and the model then asks for the right tool and answers.
Kind: unknown_tool."""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph_weather import build
from scripted_stub import ScriptedStub, ask, say


def main() -> None:
    script = [ask("get_forecast", city="Paris"), ask("get_weather", city="Paris"), say("Sunny in Paris.")]
    with ScriptedStub(script) as stub:
        graph = build(stub.url, stub.key, handle_tool_errors=True)
        result = graph.invoke({"messages": [HumanMessage("What is the weather in Paris?")]})
    print(f"answer: {result['messages'][-1].content}")


if __name__ == "__main__":
    main()
