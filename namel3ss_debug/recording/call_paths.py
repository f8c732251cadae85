"""Where a call happens, as a path of spans: how a rerun's call finds its recorded twin.

A span's path is its parent's path plus its own step, `component:name#N`, where N counts the spans of
that component and name (and event type) under the same parent, from 1, in the order they start. The
recording and the rerun count the same way, each with its own `PathCounter`, over one `PathTable`, so
a path names the same place in both runs by the same number.

Counting under each parent, not across the run, is what keeps matching deterministic when asyncio
tasks or threads interleave: each agent's task has its own span, and the order of calls inside one
span does not depend on how other spans are scheduled. Calls that run concurrently under the same
parent span with the same component and name are counted in the order they start.
"""

from __future__ import annotations

from ..model.events import span_prefix

ROOT = 0


def step_label(component: str, prefix: str, name: str) -> str:
    """`llm:planner`; a span whose event type is not its component's usual one says it: `agent_turn:researcher`."""
    return f"{component}:{name}" if prefix == span_prefix(component) else f"{prefix}:{name}"


class PathTable:
    """Paths interned as integers: (parent path, step label, occurrence) -> path id. 0 is the run's root."""

    def __init__(self) -> None:
        self._ids: dict[tuple[int, str, int], int] = {}
        self.entries: list[tuple[int, str, int]] = [(ROOT, "", 0)]

    def intern(self, parent: int, label: str, occurrence: int) -> int:
        entry = (parent, label, occurrence)
        path = self._ids.get(entry)
        if path is None:
            path = self._ids[entry] = len(self.entries)
            self.entries.append(entry)
        return path

    def parent(self, path: int) -> int:
        return self.entries[path][0]

    def step(self, path: int) -> str:
        """The path's last step: `tool:search#2`."""
        _, label, occurrence = self.entries[path]
        return f"{label}#{occurrence}" if path != ROOT else "run"

    def text(self, path: int) -> str:
        """The whole path, outermost first: `agent:researcher#1 > agent_turn:researcher#3 > tool:search#1`."""
        steps: list[str] = []
        while path != ROOT:
            steps.append(self.step(path))
            path = self.entries[path][0]
        return " > ".join(reversed(steps)) or "run"


class PathCounter:
    """One run's count of steps under each parent path."""

    def __init__(self, table: PathTable):
        self.table = table
        self._counts: dict[tuple[int, str], int] = {}

    def child(self, parent: int, label: str) -> int:
        """The path of the next span labelled `label` under `parent`."""
        key = (parent, label)
        occurrence = self._counts[key] = self._counts.get(key, 0) + 1
        return self.table.intern(parent, label, occurrence)
