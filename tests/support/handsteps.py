"""Steps built by hand for the diagnosis rules' unit tests: a `Step` of agent `a1` under parent `p`, its address
`component:name#seq`, ended at seq + 1 after 50 ms, completed unless `status` says otherwise."""

from __future__ import annotations

from typing import Any

from namel3ss_debug.analysis.diagnosis.notes.steps import Step

KINDS = {"llm": "llm_call", "tool": "tool_call", "app": "error_occurred", "agent": "agent_turn"}  # component -> kind


def step(seq: int, component: str, name: str, **fields: Any) -> Step:
    fields.setdefault("status", "completed")
    return Step(seq, seq + 1, f"s{seq}", "p", component, name, KINDS[component], f"{component}:{name}#{seq}", "a1",
                "2026-11-26T10:00:00Z", duration_ms=50.0, **fields)
