"""Decorated: a `researcher` agent that appends every search result to its conversation and never trims it: six
LLM calls, each prompt longer than the one before (FakeLLM counts words / 0.75). Kind: prompt_growth."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(responder=lambda prompt: "Search for more on solar panels.", model="gpt-4o-mini")


@trace_tool_call
def search(query: str, page: int) -> str:
    return f"Result page {page} for {query}: " + "panel efficiency measurements and cell chemistry " * 60


@trace_llm_call(name="researcher_llm", codec=FakeCompletion)
def think(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="researcher")
def run() -> str:
    history = ["Find what limits solar panel efficiency."]
    for page in range(1, 7):
        history.append(think("\n".join(history)).text)
        history.append(search("solar panels", page))
    return history[-2]


if __name__ == "__main__":
    print(run())
