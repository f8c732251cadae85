"""A small agent run with a known shape, for replay tests: every seq below is fixed.

     0  run_start             app:app.py#1
     1    agent_execution_start  agent:researcher#1
     2      agent_turn_start       agent:researcher#2
     3        llm_call_start         llm:planner#1        inputs {"prompt": "plan"}
     4        llm_call_end           llm:planner#1        800 ms, 35 tokens
     5      agent_turn_end         agent:researcher#2
     6      agent_turn_start       agent:researcher#3
     7        tool_call_start        tool:search#1        inputs {"query": "a"}
     8        tool_call_end          tool:search#1        120 ms
     9        memory_operation       memory:write#1
    10        tool_call_start        tool:search#2        inputs {"query": "b"}
    11        tool_call_end          tool:search#2        failed, TimeoutError
    12        performance_marker     custom:search_retry#1
    13        tool_call_start        tool:search#3        inputs {"query": "b"}
    14        tool_call_end          tool:search#3        130 ms
    15      agent_turn_end         agent:researcher#3
    16      llm_call_start         llm:writer#1
    17      llm_call_end           llm:writer#1         1500 ms, 1200 tokens
    18    agent_execution_end    agent:researcher#1
    19  run_end
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.tracefactory import TraceBuilder, error


def agent_run() -> list[dict[str, Any]]:
    b = TraceBuilder()
    root = b.run_start()
    agent = b.start("agent", "researcher", root)
    turn = b.start("agent", "researcher", agent, kind="agent_turn")
    b.span("llm", "planner", 800, turn, inputs={"prompt": "plan"}, outputs={"return": {"text": "a\nb"}},
           usage={"input_tokens": 20, "output_tokens": 15, "total_tokens": 35}, model="gpt-4o-mini")
    b.end(turn, 810, kind="agent_turn")
    turn = b.start("agent", "researcher", agent, kind="agent_turn")
    b.span("tool", "search", 120, turn, inputs={"query": "a"}, outputs={"return": ["https://a.example"]})
    b.instant("memory_operation", "memory", "write", turn, inputs={"key": "notes"})
    b.span("tool", "search", 2000, turn, status="failed", inputs={"query": "b"},
           error=error("TimeoutError", "search timed out after 2.0s", "timeout"))
    b.instant("performance_marker", "custom", "search_retry", turn)
    b.span("tool", "search", 130, turn, inputs={"query": "b"}, outputs={"return": ["https://b.example"]})
    b.end(turn, 2300, kind="agent_turn")
    b.span("llm", "writer", 1500, agent, inputs={"prompt": "write"}, outputs={"return": {"text": "done"}},
           usage={"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200}, model="gpt-4o-mini")
    b.end(agent, 4700, outputs={"return": "done"})
    b.run_end()
    return b.events


def write_agent_run(path: Path) -> Path:
    builder = TraceBuilder()
    builder.events = agent_run()
    return builder.write(path)


def nested_run(depth: int) -> list[dict[str, Any]]:
    """`depth` custom spans each inside the one before (seq 0..depth-1 their starts), then their ends."""
    events: list[dict[str, Any]] = []
    parent = None
    for number in range(depth):
        events.append({"seq": number, "event_type": "custom_span_start", "component": "custom", "name": "n",
                       "span_id": f"s{number}", "parent_id": parent, "status": "started"})
        parent = f"s{number}"
    for number in reversed(range(depth)):
        events.append({"seq": len(events), "event_type": "custom_span_end", "component": "custom", "name": "n",
                       "span_id": f"s{number}", "parent_id": None, "status": "completed"})
    return events
