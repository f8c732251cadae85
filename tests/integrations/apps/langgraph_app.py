"""A LangGraph StateGraph of three nodes, each asking langchain-openai's ChatOpenAI one question.

`research` asks about the topic, `draft` asks for a summary of the research, `review` for a verdict
on the draft: three requests, all POST /v1/chat/completions on STUB_URL with the key STUB_KEY.
"""

from __future__ import annotations

import os
from typing import TypedDict

from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph


class State(TypedDict, total=False):
    topic: str
    research: str
    draft: str
    review: str


def chat() -> ChatOpenAI:
    return ChatOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], model="gpt-4o-mini",
                      temperature=0, max_retries=0)


def research(state: State) -> State:
    return {"research": chat().invoke(f"What is known about {state['topic']}?").content}


def draft(state: State) -> State:
    return {"draft": chat().invoke([("system", "You write summaries."),
                                    ("user", f"Summarise: {state['research']}")]).content}


def review(state: State) -> State:
    return {"review": chat().invoke(f"Is this summary right? {state['draft']}").content}


def build() -> object:
    graph = StateGraph(State)
    graph.add_node("research", research)
    graph.add_node("draft", draft)
    graph.add_node("review", review)
    graph.add_edge(START, "research")
    graph.add_edge("research", "draft")
    graph.add_edge("draft", "review")
    graph.add_edge("review", END)
    return graph.compile()


def main() -> None:
    final = build().invoke({"topic": "tidal energy"})
    for step in ("research", "draft", "review"):
        print(f"{step}: {final[step]}")


if __name__ == "__main__":
    main()
