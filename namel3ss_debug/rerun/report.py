"""A rerun's report: what answered the calls, the first divergence, how each run ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .candidates import Miss
from .compare import Comparison

SCHEMA = "namel3ss-debug/rerun/v1"


@dataclass(frozen=True)
class Ending:
    """How a run ended, from its `run_end` (None fields: not recorded)."""

    status: str
    exit_code: int | None = None
    error_type: str | None = None
    error_message: str | None = None

    @classmethod
    def of(cls, event: dict[str, Any] | None) -> Ending:
        if event is None:
            return cls("did not end (no run_end: the process was killed or the trace was cut)")
        attrs = event.get("attrs") if isinstance(event.get("attrs"), dict) else {}
        error = event.get("error") if isinstance(event.get("error"), dict) else {}
        code = attrs.get("exit_code")
        return cls(str(event.get("status") or "?"), code if isinstance(code, int) else None,
                   _text(error.get("type")), _text(error.get("message")))

    def same_as(self, other: Ending) -> bool:
        return (self.status, self.exit_code, self.error_type, self.error_message) == \
            (other.status, other.exit_code, other.error_type, other.error_message)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class RerunReport:
    source_run: str | None
    source: str
    new_run: str | None
    new_trace: tuple[str, ...]
    command: tuple[str, ...]
    cwd: str
    match: str
    on_miss: str
    counts: dict[str, int]  # recorded, mocked, replaced, live, missed
    mocked: tuple[str, ...]
    misses: tuple[Miss, ...]
    notes: tuple[str, ...]
    comparison: Comparison | None
    old_ending: Ending
    new_ending: Ending
    exit_code: int

    @property
    def reproduced(self) -> bool:
        """The rerun said and did what the recording did, event for event, and ended the same way."""
        c = self.comparison
        return c is not None and c.first is None and self.old_ending.same_as(self.new_ending) and not self.misses
