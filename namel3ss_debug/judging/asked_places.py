"""A rerun's spans numbered among their siblings by what they were asked, not by when they started.

A span's place is its parent's path and its own step, `agent:forecaster#2`, where the number counts the siblings of
that label in the order they started (`recording/call_paths.py`). Agents an app starts together (`asyncio.gather`,
a thread pool) start in the scheduler's order, and a rerun, whose answers come back at once, may start them in
another: by start order alone, the rerun's `agent:forecaster#2` is then the recording's #3, asked another question,
and every event under it reads as a divergence although each agent got its own answers. So the rerun's span takes
the number of the first recorded sibling of its label not yet taken that was asked the same (equal inputs); one
asked nothing the recording's were takes the lowest number not yet taken. Siblings that start in the recorded
order get the recorded numbers, as before; its calls follow it, their paths being under its own.

    asked = AskedPlaces(table)
    asked.recorded(parent, "agent:forecaster", digest)   # the recording's spans, in its order
    asked.child(parent, "agent:forecaster", digest)      # the rerun's: the path of its twin's place
"""

from __future__ import annotations

from itertools import count

from ..recording.call_paths import PathTable

Siblings = tuple[int, str]  # (parent path, step label)


class AskedPlaces:
    """The recording's spans by parent and label, each with what it was asked; the rerun's numbered after them."""

    def __init__(self, table: PathTable):
        self.table = table
        self._asked: dict[Siblings, list[bytes]] = {}  # the recorded siblings' inputs digests, by number - 1
        self._taken: dict[Siblings, set[int]] = {}  # the numbers the rerun's spans took

    def recorded(self, parent: int, label: str, asked: bytes) -> None:
        """The recording's next span of `label` under `parent` (its number: how many came before, plus one) was
        asked `asked` (a digest of its inputs)."""
        self._asked.setdefault((parent, label), []).append(asked)

    def child(self, parent: int, label: str, asked: bytes) -> int:
        """The path of the rerun's span of `label` under `parent`, asked `asked`: the first recorded sibling's
        place not yet taken that was asked the same, else the lowest number not yet taken."""
        siblings = (parent, label)
        taken = self._taken.setdefault(siblings, set())
        recorded = self._asked.get(siblings, [])
        number = next((n for n, digest in enumerate(recorded, 1) if n not in taken and digest == asked), None)
        if number is None:
            number = next(n for n in count(1) if n not in taken)
        taken.add(number)
        return self.table.intern(parent, label, number)
