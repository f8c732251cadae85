"""Decorated: agent `concierge` asks its LLM to book a table; nothing fails, and the answer says it could not do it:
the run gives up with no failure recorded. Kind: answer_gives_up (a warning, low confidence: no blame)."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(["I'm sorry, I couldn't book a table at Chez Marcel for tonight."], model="gpt-4o-mini")


@trace_llm_call(name="book", codec=FakeCompletion)
def book(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="concierge")
def run() -> str:
    return book("Book a table for two at Chez Marcel tonight at 8 pm.").text


if __name__ == "__main__":
    print(run())
