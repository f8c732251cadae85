"""LangGraph: the model asks for `get_weather(city="Paris")` four times over, each answered the same, before it
answers: the same call with the same inputs again and again. Kind: call_loop."""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph_weather import build
from scripted_stub import ScriptedStub, ask, say


def main() -> None:
    script = [ask("get_weather", city="Paris")] * 4 + [say("Sunny in Paris.")]
    with ScriptedStub(script) as stub:
        result = build(stub.url, stub.key).invoke({"messages": [HumanMessage("What is the weather in Paris?")]},
                                                  {"recursion_limit": 50})
    print(f"answer: {result['messages'][-1].content}")


if __name__ == "__main__":
    main()
