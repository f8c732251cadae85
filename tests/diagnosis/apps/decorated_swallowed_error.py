"""Decorated: agent `checkout` calls `save_order`, which raises OSError (disk full); the app catches it, says
nothing, and the LLM tells the customer the order is placed: the run ends `completed`. Kind: swallowed_error."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(["Your order #1042 is placed and will ship tomorrow."], model="gpt-4o-mini")


@trace_tool_call
def save_order(order_id: int, items: list[str]) -> str:
    raise OSError(28, "No space left on device")


@trace_llm_call(name="confirm", codec=FakeCompletion)
def confirm(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="checkout")
def run() -> str:
    try:
        save_order(1042, ["kettle"])
    except OSError:
        pass  # swallowed: the fault this app shows
    return confirm("Tell the customer order 1042 is placed.").text


if __name__ == "__main__":
    print(run())
