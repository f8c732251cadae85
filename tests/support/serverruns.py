"""A run that serves requests one after another under its root (`server_run`): nested agents, calls, instants,
spans left open, an event naming a parent that never was; sometimes seqs out of order and another run's event.
The golden traces (`tests/golden/answers/traces/server*.jsonl`) were written from it once, and the tests
without a compiler read runs of it."""

from __future__ import annotations

import random

from support.tracefactory import TraceBuilder


def server_run(rng: random.Random, requests: int) -> list[dict]:
    """`requests` requests under the root, their events as dicts in the order written."""
    trace = TraceBuilder("20261122-100000-abcdef")
    trace.run_start()
    for _ in range(requests):
        agent = trace.start("agent", rng.choice(("helper", "planner")), kind="agent_execution")
        for _ in range(rng.randrange(1, 5)):
            choice = rng.random()
            if choice < 0.35:
                trace.span("llm", rng.choice(("plan", "write")), rng.uniform(1, 500), agent, model="gpt-4o")
            elif choice < 0.7:
                inner = trace.start("agent", "sub", agent, kind="agent_turn")
                trace.span("tool", "search", rng.uniform(1, 50), inner, status=rng.choice(("completed", "failed")))
                trace.end(inner, 3, kind="agent_turn")
            elif choice < 0.9:
                trace.instant("memory_write", "memory", "note", agent)
            else:
                trace.instant("performance_marker", "custom", "mark", "no-such-parent")
        trace.end(agent, rng.uniform(5, 900), kind="agent_execution")
    if rng.random() < 0.3:
        trace.start("tool", "unclosed")
    trace.run_end()
    lines = [dict(event) for event in trace.events]
    if rng.random() < 0.5:
        at = rng.randrange(2, len(lines) - 2)
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    if rng.random() < 0.5:
        at = rng.randrange(1, len(lines))
        lines.insert(at, dict(lines[0], run_id="20261122-110000-fedcba"))
    return lines
