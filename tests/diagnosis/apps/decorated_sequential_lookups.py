"""Decorated: agent `forecaster` looks up four cities one after another, 60 ms each, though no lookup needs
another's result, then a fast model writes the forecast: the lookups are most of the run's time. Kind:
parallelizable_calls, a warning (about 180 ms of a 250 ms run to save with a `ThreadPoolExecutor`)."""

from __future__ import annotations

import time

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

TEMPERATURES = {"Paris": 18, "Lyon": 20, "Nice": 23, "Lille": 15}
LLM = FakeLLM(["Paris 18C, Lyon 20C, Nice 23C, Lille 15C: a mild day everywhere."], model="gpt-4o-mini")


@trace_tool_call
def lookup(city: str) -> dict[str, object]:
    time.sleep(0.06)
    return {"city": city, "temperature_c": TEMPERATURES[city]}


@trace_llm_call(name="writer", codec=FakeCompletion)
def write(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="forecaster")
def forecast(cities: list[str]) -> str:
    found = [lookup(city) for city in cities]
    return write(f"One line on the weather: {found}").text


if __name__ == "__main__":
    print(forecast(list(TEMPERATURES)))
