"""What an agent did past the steps the pass keeps of it: an agent execution keeps its first
`thresholds.MAX_AGENT_STEPS` steps for the rules; each LLM and tool call after those is not kept but counted here,
by operation, so that a rule's counts and its "then it succeeded" / "never succeeded" stay exact over the whole
agent, and a finding can say what it did not see (`note_of`).

A tool that failed 5,000 times and then succeeded 5,000 times is "failed 5000 times ... it succeeded later", not
the first 4,096 steps' "never succeeded after that".
"""

from __future__ import annotations

from typing import Optional, Protocol

import msgspec

MAX_OPERATIONS = 1024  # operations counted past the cut; calls of later new operations are counted in `others`


class CountedCall(Protocol):
    """A call as `PastCut` counts it (a `Step`, or what a part of a big run keeps of one: `parts/clues.LooseEnd`)."""

    @property
    def component(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def error_type(self) -> Optional[str]: ...
    @property
    def seq(self) -> int: ...


class Outcomes(msgspec.Struct, gc=False):
    """One operation's calls that ended past the cut."""

    completed: int = 0
    last_completed: int = -1  # the seq of the last that completed; -1: none
    failed: dict[str, tuple[int, int]] = msgspec.field(default_factory=dict)  # error type -> (count, last seq)

    def failures(self, error_type: Optional[str] = None) -> int:
        """How many failed (with `error_type`, else with any)."""
        if error_type is not None:
            return self.failed.get(error_type, (0, -1))[0]
        return sum(count for count, _ in self.failed.values())

    def last_failure(self, error_type: Optional[str] = None) -> int:
        """The seq of the last that failed (with `error_type`, else with any); -1: none."""
        if error_type is not None:
            return self.failed.get(error_type, (0, -1))[1]
        return max((last for _, last in self.failed.values()), default=-1)


class PastCut(msgspec.Struct, gc=False):
    """An agent's calls past its kept steps, by (component, name)."""

    operations: dict[tuple[str, str], Outcomes] = msgspec.field(default_factory=dict)
    others: int = 0  # calls of operations past MAX_OPERATIONS, counted not sorted

    def note(self, step: CountedCall) -> None:
        """`step`, past the cut, ended."""
        op = (step.component, step.name)
        outcomes = self.operations.get(op)
        if outcomes is None:
            if len(self.operations) >= MAX_OPERATIONS:
                self.others += 1
                return
            outcomes = self.operations[op] = Outcomes()
        if step.status == "failed":
            kind = step.error_type or "Error"
            count, _ = outcomes.failed.get(kind, (0, -1))
            outcomes.failed[kind] = (count + 1, step.seq)
        elif step.status == "completed":
            outcomes.completed += 1
            outcomes.last_completed = step.seq

    def of(self, component: str, name: str) -> Optional[Outcomes]:
        return self.operations.get((component, name))


def note_of(kept: int, dropped: int, past: PastCut) -> str:
    """What a finding over an agent cut at `kept` steps did not see, to add to its `why`."""
    unsorted = (f" ({past.others:,} of them, of operations past the first {MAX_OPERATIONS:,}, counted only as a number)"
                if past.others else "")
    return (f"; the agent had {kept + dropped:,} steps: the rule read its first {kept:,}, and its calls after those "
            f"were counted, not kept{unsorted}")
