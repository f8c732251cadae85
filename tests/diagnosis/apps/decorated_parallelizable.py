"""Decorated async: agent `analyst` awaits `fetch_prices("ACME")` and then `fetch_news("ACME")`, 0.8 s each, one
after the other, though neither needs the other's result; then an LLM writes from both. Kind: parallelizable_calls
(about 0.8 s to save with `asyncio.gather`)."""

from __future__ import annotations

import asyncio

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(["ACME rose 2% on its new battery."], model="gpt-4o-mini")


@trace_tool_call
async def fetch_prices(symbol: str) -> list[float]:
    await asyncio.sleep(0.8)
    return [41.2, 42.1]


@trace_tool_call
async def fetch_news(symbol: str) -> list[str]:
    await asyncio.sleep(0.8)
    return [f"{symbol} unveils a new battery"]


@trace_llm_call(name="writer", codec=FakeCompletion)
async def write(prompt: str) -> FakeCompletion:
    return await LLM.acomplete(prompt)


@trace_agent_execution(name="analyst")
async def run(symbol: str) -> str:
    prices = await fetch_prices(symbol)
    news = await fetch_news(symbol)
    return (await write(f"Prices {prices}, news {news}: one line on {symbol}.")).text


if __name__ == "__main__":
    print(asyncio.run(run("ACME")))
