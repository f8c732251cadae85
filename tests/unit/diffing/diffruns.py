"""Small agent runs for the diff tests: a planner, searches and a writer under one agent, figures known."""

from __future__ import annotations

from typing import Any

from support.tracefactory import RUN_ID, TraceBuilder

from namel3ss_debug.diffing.profile import RunProfile, profile_run
from namel3ss_debug.store.reader import Located
from namel3ss_debug.store.sources import RunSource


def agent_run(run_id: str = RUN_ID, *, searches: tuple[str, ...] = ("solar",), llm_ms: float = 100.0,
              answer: str = "Sunlight frees electrons.", fail_search: bool = False) -> list[dict[str, Any]]:
    """run > agent:researcher > (llm:planner, tool:search per query, llm:writer), with a memory write."""
    b = TraceBuilder(run_id)
    b.run_start()
    agent = b.start("agent", "researcher", inputs={"question": "why?"})
    b.span("llm", "planner", llm_ms, agent, inputs={"prompt": "plan"}, outputs={"return": {"text": "plan"}},
           usage={"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}, model="m")
    for query in searches:
        status = "failed" if fail_search else "completed"
        error = {"type": "TimeoutError", "message": "late"} if fail_search else None
        b.span("tool", "search", 20.0, agent, inputs={"query": query}, status=status, error=error,
               outputs=None if fail_search else {"return": [f"https://example.org/{query}"]})
    b.instant("memory_operation", "memory", "write", agent)
    b.span("llm", "writer", llm_ms, agent, inputs={"prompt": "write"}, outputs={"return": {"text": answer}},
           usage={"input_tokens": 20, "output_tokens": 10, "total_tokens": 30}, model="m")
    b.end(agent, 0.0)
    b.run_end()
    return b.events


def profile(events: list[dict[str, Any]], label: str = "run.jsonl") -> RunProfile:
    source = RunSource(label, (label,), events[0]["run_id"] if events else None)
    return profile_run(source, (Located(event, label, line, 0) for line, event in enumerate(events, 1)))
