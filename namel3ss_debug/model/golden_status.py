"""What `golden status` learns of one test answered from its golden run: the line the pytest plugin writes
(`--n3-golden-report FILE`, one JSON object a test) and the command reads back. The file is the contract between
the two processes, so both build and read it through `GoldenEntry` alone.

Statuses, worst first:
- `stale`: the test made a call its golden run has no answer for (`miss`: the first, the nearest recorded call
  and what changed);
- `missing`: no golden file;
- `failed`: the test failed for another reason (`why`: its failure, in one line);
- `unused`: the test passed, but made fewer calls than its golden run holds (`unused`: those it no longer made);
- `skipped`: the test was skipped (or xfailed), so its golden run was not checked;
- `ok`: every call was answered and every recorded call was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

STALE, MISSING, FAILED, UNUSED, SKIPPED, OK = "stale", "missing", "failed", "unused", "skipped", "ok"
STATUSES = (STALE, MISSING, FAILED, UNUSED, SKIPPED, OK)
NOT_MATCHING = frozenset({STALE, MISSING, FAILED, UNUSED})  # what makes `golden status` exit 1


@dataclass(frozen=True)
class MissNote:
    """The first call of a test its golden run had no answer for."""

    call: str  # `llm:openai.chat#2`
    path: str  # where it ran: `agent > llm:openai.chat#2`, or `-`
    why: str
    nearest: str | None  # the nearest recorded call, `llm:openai.chat#2`
    where: str | None  # its place in the golden file, `tests/golden/test_app/test_x.jsonl:9`
    changes: tuple[str, ...]  # what differs between the two: `inputs: messages[0].content: recorded '...', ...`


@dataclass(frozen=True)
class GoldenEntry:
    """One test marked n3replay, as a run with record mode `none` found it."""

    nodeid: str
    golden: str | None  # the golden file's absolute path; None when the marker could not be read
    shown: str | None  # the same, relative to pytest's rootdir when inside it
    status: str
    outcome: str  # the test's: passed, failed, skipped or xfailed
    why: str | None = None  # failed or skipped: the test's own message, on one line
    miss: MissNote | None = None
    misses: int = 0  # how many calls had no answer (the test stops at the first, unless the app swallows it)
    unused: tuple[str, ...] = ()  # recorded calls the test did not make: `llm:openai.chat#3 (file:line)`

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GoldenEntry:
        """The entry a line holds; KeyError or TypeError when the line is not one."""
        miss = data.get("miss")
        fields = {**data, "unused": tuple(data.get("unused") or ())}
        fields["miss"] = MissNote(**{**miss, "changes": tuple(miss["changes"])}) if isinstance(miss, dict) else None
        if fields["status"] not in STATUSES:
            raise TypeError(f"unknown status {fields['status']!r}")
        return cls(**fields)
