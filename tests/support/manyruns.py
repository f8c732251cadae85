"""Many small runs for the commands that read them in worker processes (`--jobs`): each an agent whose tool fails
some of the time, a few runs failing with its error; the same number, the same bytes."""

from __future__ import annotations

import random
from pathlib import Path

from support.tracefactory import TraceBuilder, error


def a_run(directory: Path, number: int) -> Path:
    """A run of an agent whose tool fails some of the time; a few runs fail with its error."""
    rng = random.Random(number)
    trace = TraceBuilder(f"20261128-10{number:04d}-abcdef")
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for _ in range(rng.randrange(2, 6)):
        llm = trace.start("llm", "plan", agent, inputs={"messages": [{"role": "user", "content": "Paris?"}]})
        trace.end(llm, rng.uniform(1, 50), outputs={"text": rng.choice(["Lisbon", "Paris", None])})
        failed = rng.random() < 0.5
        trace.span("tool", "get_weather", rng.uniform(1, 20), agent, inputs={"city": "Paris, FR"},
                   status="failed" if failed else "completed",
                   error=error("KeyError", "'Paris, FR'") if failed else None)
    trace.end(agent, 1)
    trace.run_end(status="failed" if number % 3 == 0 else "completed")
    return trace.write(directory / f"run-{number:02d}.jsonl")
