"""Decorated: agent `pricer` converts two items' prices, calling `exchange_rate("EUR", "USD")` (0.7 s) for each:
the same call with the same inputs and the same answer twice. Kind: cacheable_calls (about 0.7 s to save)."""

from __future__ import annotations

import time

from namel3ss_debug import trace_agent_execution, trace_tool_call


@trace_tool_call
def exchange_rate(base: str, quote: str) -> float:
    time.sleep(0.7)
    return 1.08


@trace_tool_call
def format_price(amount: float) -> str:
    return f"${amount:.2f}"


@trace_agent_execution(name="pricer")
def run(prices_eur: list[float]) -> list[str]:
    return [format_price(price * exchange_rate("EUR", "USD")) for price in prices_eur]


if __name__ == "__main__":
    print(run([10.0, 25.0]))
