"""Aligning two runs' call sequences, and where they first diverge.

The rule. Each call is compared by its operation (`component:name`, or `agent_turn:NAME` /
`chain_step:NAME` for turns and steps), in start order; depth, inputs and outputs take no part, so
a call whose output changed is still the same call (its output is compared afterwards), and a call
nested one level deeper still matches.

1. The common prefix and the common suffix are matched as they are (cheap, and the common case:
   two runs of one app mostly agree).
2. The middle is aligned by `difflib.SequenceMatcher` (no autojunk: in an agent run the frequent
   calls are the interesting ones), which gives opcodes `equal`, `insert`, `delete`, `replace`.
3. A middle too big to align call by call (more than `MAX_CELLS` pairs: difflib is quadratic on
   repetitive input) becomes one `replace`; calls added and removed are then counted per operation.

The first divergence is where the two runs first part by the rule the rerun report uses too
(`model/divergence.py`), with calls paired in order: the first place where the two calls differ in their
operation or in how they ended (their status: a tool that completed in BASE and failed in NEW, a result in
one and an error in the other). A status is no part of the alignment (the failed tool is still the same
call, paired with its twin), but it is part of the divergence: two runs that made the same calls are not
the same run when one of them failed on the way. Where the operations part first, the opcode that starts
there (the first that is not `equal`) says how; where a pair's status changed first, the divergence is that
pair, `changed`.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional, Sequence

from ..model.divergence import ByPosition, PartingPoint, first_parting

# difflib is cubic on repetitive calls (x,y,z... against x,z,y...): 500 calls a side take about a second
# there, where a random middle of 4,000 a side would; past this the middle is counted, not aligned.
MAX_CELLS = 250_000
PARTING = "operation or status"  # what parts two runs, in the diff cache's key: answers parted otherwise are made again

Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]  # tag, base from, base to, new from, new to (difflib's form)


@dataclass(frozen=True)
class Alignment:
    opcodes: list[Opcode]
    aligned_by: str  # sequence | counts
    parted_at: Optional[int] = None  # the index, in both runs, where they first part; None if they never do
    changed: bool = False  # they part at an aligned pair whose status changed (not at an opcode)

    def pairs(self) -> Iterator[tuple[int, int]]:
        """(base index, new index) of every pair of calls matched."""
        for tag, i1, i2, j1, j2 in self.opcodes:
            if tag == "equal":
                yield from zip(range(i1, i2), range(j1, j2))

    def first_change(self) -> Optional[Opcode]:
        """The opcode where the runs first part; for a pair whose status changed (`changed`), that pair as an
        `equal` opcode of one call."""
        at = self.parted_at
        if at is None:
            return None
        if self.changed:
            return ("equal", at, at + 1, at, at + 1)
        return next(op for op in self.opcodes if op[0] != "equal" and op[1] == op[3] == at)


def align(base: Sequence[str], new: Sequence[str], max_cells: int = MAX_CELLS,
          statuses: Optional[tuple[Sequence[str], Sequence[str]]] = None) -> Alignment:
    """The opcodes that turn `base` into `new` (operations, one per call); `statuses`, each call's status in
    each run, when how the calls ended counts in where the runs part (see the module docstring).

    >>> align(["llm:plan", "tool:search", "llm:write"], ["llm:plan", "tool:search", "tool:search", "llm:write"]).opcodes
    [('equal', 0, 2, 0, 2), ('insert', 2, 2, 2, 3), ('equal', 2, 3, 3, 4)]
    >>> align(["llm:plan", "tool:search"], ["llm:plan", "tool:search"],
    ...       statuses=(["completed", "completed"], ["completed", "failed"])).parted_at
    1
    """
    parting = first_parting(ByPosition(base), ByPosition(new))
    prefix = len(base) if parting is None else _parted_at(parting)
    changed = _status_changed(statuses, prefix) if statuses is not None else None
    suffix = _common_suffix(base, new, prefix)
    base_end, new_end = len(base) - suffix, len(new) - suffix
    middle, how = _middle(base[prefix:base_end], new[prefix:new_end], max_cells)
    opcodes: list[Opcode] = [("equal", 0, prefix, 0, prefix)] if prefix else []
    opcodes += [(tag, i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix) for tag, i1, i2, j1, j2 in middle]
    if suffix:
        opcodes.append(("equal", base_end, len(base), new_end, len(new)))
    if changed is not None:
        return Alignment(_merged(opcodes), how, changed, changed=True)
    return Alignment(_merged(opcodes), how, None if parting is None else prefix)


def _status_changed(statuses: tuple[Sequence[str], Sequence[str]], prefix: int) -> Optional[int]:
    """The first of the first `prefix` calls (the same operations in both runs) whose status differs, by the
    rule of `model/divergence.py` (calls paired in order); None when none does."""
    parting = first_parting(ByPosition(statuses[0][:prefix]), ByPosition(statuses[1][:prefix]))
    return None if parting is None else _parted_at(parting)


def _parted_at(parting: PartingPoint[Any]) -> int:
    """The index where the runs part: the calls before it are the common prefix."""
    place = parting.old or parting.new
    assert place is not None  # where they part, one run has a call at least
    return place[1]


def added_and_removed(alignment: Alignment, base: Sequence[str],
                      new: Sequence[str]) -> tuple[Counter[str], Counter[str]]:
    """Calls per operation that only NEW has (added) and only BASE has (removed).

    An `insert` adds its calls and a `delete` removes them; within a `replace`, calls of an operation
    both sides have in it are not counted (they moved, or were aligned differently), only the surplus.
    """
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        if tag == "equal":
            continue
        old, fresh = Counter(base[i1:i2]), Counter(new[j1:j2])
        added.update(fresh - old)
        removed.update(old - fresh)
    return added, removed


def _middle(base: Sequence[str], new: Sequence[str], max_cells: int) -> tuple[list[Opcode], str]:
    if not base and not new:
        return [], "sequence"
    if not base:
        return [("insert", 0, 0, 0, len(new))], "sequence"
    if not new:
        return [("delete", 0, len(base), 0, 0)], "sequence"
    if len(base) * len(new) > max_cells:
        return [("replace", 0, len(base), 0, len(new))], "counts"
    matcher = difflib.SequenceMatcher(None, list(base), list(new), autojunk=False)
    return matcher.get_opcodes(), "sequence"


def _merged(opcodes: list[Opcode]) -> list[Opcode]:
    """Adjacent `equal` opcodes (the prefix and the middle's first block can meet) made one."""
    merged: list[Opcode] = []
    for op in opcodes:
        if merged and op[0] == merged[-1][0] == "equal":
            last = merged[-1]
            merged[-1] = ("equal", last[1], op[2], last[3], op[4])
        else:
            merged.append(op)
    return merged


def _common_suffix(base: Sequence[str], new: Sequence[str], prefix: int) -> int:
    """The common suffix, not reaching into the prefix of either sequence."""
    length, limit = 0, min(len(base), len(new)) - prefix
    while length < limit and base[len(base) - 1 - length] == new[len(new) - 1 - length]:
        length += 1
    return length
