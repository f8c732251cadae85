"""Random runs that hold every figure `analyze` keeps: agents and turns, overlapping calls, repeated inputs,
failures, retries, error events, memory samples, calls near a context window of 1,000 tokens (model `m`) and
quiet gaps between requests."""

from __future__ import annotations

import random

from support.tracefactory import TraceBuilder, error


def random_run(seed: int) -> TraceBuilder:
    """Requests one after another under the root: agents, turns, overlapping calls, failures and retries."""
    rng = random.Random(seed)
    trace = TraceBuilder()
    trace.run_start()
    for _request in range(rng.randint(3, 8)):
        agent = trace.start("agent", rng.choice(["a", "b"]))
        for _ in range(rng.randint(1, 3)):
            turn = trace.start("agent", "turn", agent, kind="agent_turn")
            if rng.random() < 0.3:  # two calls at once
                one = trace.start("llm", "plan", turn, inputs={"q": rng.randint(0, 2)})
                two = trace.start("tool", "search", turn, inputs={"q": rng.randint(0, 2)})
                trace.end(one, rng.uniform(1, 80), advance=False, model="m",
                          usage={"input_tokens": rng.randint(1, 990), "output_tokens": 5})
                trace.end(two, rng.uniform(1, 80))
            for _ in range(rng.randint(1, 3)):
                failed = rng.random() < 0.25
                trace.span("tool", rng.choice(["search", "fetch"]), rng.uniform(1, 120), turn,
                           inputs={"q": rng.randint(0, 3)}, status="failed" if failed else "completed",
                           error=error("TimeoutError", "late") if failed else None, memory_mb=rng.uniform(50, 90))
                if failed and rng.random() < 0.5:
                    trace.instant("error_occurred", "tool", "TimeoutError", turn, status="failed",
                                  error=error("TimeoutError", "late"))
            trace.instant("memory_operation", "memory", "store", turn)
            trace.end(turn, rng.uniform(5, 200))
        trace.end(agent, rng.uniform(10, 400), status="failed" if rng.random() < 0.1 else "completed")
        trace.advance(rng.uniform(0, 2000))
    if rng.random() < 0.4:  # drawn last, so the runs before it stay as they were
        return crashed(trace, rng)
    trace.run_end()
    return trace


def crashed(trace: TraceBuilder, rng: random.Random) -> TraceBuilder:
    """The run ends with an error that escapes the app (unhandled): a tool's, out through its agent, reported by
    the tracer as unhandled, then the run's end, failed; sometimes after a handled error of the same type."""
    agent = trace.start("agent", "a")
    if rng.random() < 0.5:
        trace.span("tool", "fetch", 2, agent, status="failed", error=error("KeyError", "'first'"))
    trace.span("tool", "fetch", 3, agent, status="failed", error=error("KeyError", "'id'"))
    trace.end(agent, 5, status="failed", error=error("KeyError", "'id'"))
    trace.instant("error_occurred", "app", "KeyError", status="failed", error=error("KeyError", "'id'"),
                  attrs={"unhandled": True})
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = error("KeyError", "'id'")
    return trace
