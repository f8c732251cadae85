"""Decorated: agent `quotes` calls `fetch_quote("ACME")`, which fails with ConnectionError three times; the app
retries at once each time (no back-off) and the fourth attempt answers. Kind: retry_without_backoff."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(["ACME trades at 42.10."], model="gpt-4o-mini")
ATTEMPTS = {"n": 0}


@trace_tool_call
def fetch_quote(symbol: str) -> float:
    ATTEMPTS["n"] += 1
    if ATTEMPTS["n"] <= 3:
        raise ConnectionError("quote service refused the connection")
    return 42.10


@trace_llm_call(name="writer", codec=FakeCompletion)
def write(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="quotes")
def run(symbol: str) -> str:
    for _ in range(4):
        try:
            price = fetch_quote(symbol)
            break
        except ConnectionError:
            continue  # retried at once: the fault this app shows
    return write(f"Say the price of {symbol}: {price}").text


if __name__ == "__main__":
    print(run("ACME"))
