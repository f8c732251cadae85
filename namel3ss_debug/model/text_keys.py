"""An id, type or name from a trace line as text, whatever JSON a broken writer put there; and the one
run a reader keeps of an input that holds several."""

from __future__ import annotations

from typing import Any


def text_key(value: Any) -> str:
    """A string as it is, anything else as its repr: one odd value is then one key everywhere."""
    return value if isinstance(value, str) else repr(value)


class RunChoice:
    """The run a reader keeps: the one asked for, else the first one met; events of the others are
    counted in `others` (run id -> events)."""

    def __init__(self, wanted: str | None, others: dict[str, int]):
        self.wanted = wanted
        self.others = others

    def keeps(self, run_id: str) -> bool:
        """Whether an event of `run_id` belongs to the kept run (the first run met becomes it)."""
        if run_id == self.wanted:
            return True
        if self.wanted is None:
            self.wanted = run_id
            return True
        self.others[run_id] = self.others.get(run_id, 0) + 1
        return False
