"""One agent's story: every event of its spans and of everything they called, in order, with nesting.

    story = journey(events, "researcher")
    for step in story.steps: print("  " * step.depth, step.event["event_type"], step.offset_ms)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .event_filter import SubtreeTracker, agent_root
from .fields import micros, span_key
from ..model.json_types import JsonEvent


@dataclass(frozen=True)
class JourneyStep:
    """An event of the journey, how deep it sits below the agent's span, and when (ms from the first step)."""

    event: JsonEvent
    depth: int
    offset_ms: float | None


@dataclass(frozen=True)
class Journey:
    agent: str
    steps: tuple[JourneyStep, ...]
    agents_seen: tuple[str, ...]  # every agent name met on the way, for "no such agent" messages


def journey(events: Iterable[JsonEvent], agent: str) -> Journey:
    """The events of `agent` (its spans, their descendants, events naming it in `attrs.agent`) in run order."""
    tracker = SubtreeTracker(agent_root(agent))
    depth_of: dict[tuple[str, str], int] = {}
    steps: list[JourneyStep] = []
    agents: dict[str, None] = {}
    first: int | None = None
    for event in events:
        if event.get("component") == "agent" and isinstance(event.get("name"), str):
            agents.setdefault(event["name"], None)
        if not tracker.feed(event):
            continue
        depth = _depth(event, depth_of)
        moment = micros(event.get("ts"))
        if first is None and moment is not None:
            first = moment
        offset = (moment - first) / 1000 if moment is not None and first is not None else None
        steps.append(JourneyStep(event, depth, offset))
    return Journey(agent, tuple(steps), tuple(agents))


def _depth(event: JsonEvent, depth_of: dict[tuple[str, str], int]) -> int:
    """A span's depth is set by its first event: one below its parent when the parent is in the journey."""
    key, parent = span_key(event), span_key(event, "parent_id")
    if key is not None and key in depth_of:
        return depth_of[key]
    depth = depth_of[parent] + 1 if parent is not None and parent in depth_of else 0
    if key is not None:
        depth_of[key] = depth
    return depth
