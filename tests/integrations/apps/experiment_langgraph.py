"""A LangGraph app of STEPS model calls for `diagnose --experiment`'s tests: a StateGraph of STEPS nodes in a chain,
node k asking langchain-openai's ChatOpenAI (no tools) the conversation so far and a last user message
`step k of STEPS: add to the ledger`, the conversation carried in the graph's state. An answer ending
`[nonce wrong]` (the planted stub's mistake) spoils the ledger; the app checks the graph's final state and fails
only then, after every node; with `--always-fail` it fails whatever the model said.

Each node's request is POST /v1/chat/completions on STUB_URL with the key STUB_KEY.

    python experiment_langgraph.py [--steps 5] [--always-fail]
"""

from __future__ import annotations

import argparse
import os
from typing import Callable, TypedDict

from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph

WRONG = "[nonce wrong]"


class State(TypedDict):
    messages: list[tuple[str, str]]


def asking(step: int, steps: int) -> Callable[[State], State]:
    """The node of step `step`: the conversation and its question sent, the answer added to it."""
    model = ChatOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], model="gpt-4o-mini",
                       temperature=0, max_retries=0)

    def node(state: State) -> State:
        messages = [*state["messages"], ("user", f"step {step} of {steps}: add to the ledger")]
        return {"messages": [*messages, ("assistant", str(model.invoke(messages).content))]}

    return node


def build(steps: int) -> object:
    graph = StateGraph(State)
    previous = START
    for step in range(1, steps + 1):
        graph.add_node(f"step_{step}", asking(step, steps))
        graph.add_edge(previous, f"step_{step}")
        previous = f"step_{step}"
    graph.add_edge(previous, END)
    return graph.compile()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--always-fail", action="store_true")
    args = parser.parse_args()
    final = build(args.steps).invoke({"messages": []})
    answers = [text for role, text in final["messages"] if role == "assistant"]
    if args.always_fail or any(WRONG in answer for answer in answers):
        raise SystemExit("the ledger does not balance")
    print("the ledger balances")


if __name__ == "__main__":
    main()
