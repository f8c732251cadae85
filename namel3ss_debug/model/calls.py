"""The call address `component:name#N`: how `replay`, `diff` and a rerun name one call of a run.

N counts the events of that component and name across the run, from 1, in file order: instant events
count too (docs/replay.md, "Call numbers"). Without `#N` an address names every call of the operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from .errors import UsageError

_DIGITS = re.compile(r"[0-9]+")  # ASCII only: int() would take `١٢`


class CallNumberError(UsageError):
    """An address whose call number is not 1, 2, ...: `tool:search#0`, `tool:search#x`."""


@dataclass(frozen=True)
class CallAddress:
    """One call of a run (`tool:search#2`), or every call of an operation (`tool:search`: no number).

    >>> str(CallAddress("tool", "search", 2))
    'tool:search#2'
    >>> CallAddress.parse("tool:my:tool#1")
    CallAddress(component='tool', name='my:tool', number=1)
    """

    component: str
    name: str
    number: int | None = None

    def __str__(self) -> str:
        return self.text

    def __iter__(self) -> Iterator[Any]:  # Any: unpacked as (str, str, int | None), which one iterator type cannot say
        """`component, name, number = address`."""
        return iter((self.component, self.name, self.number))

    @property
    def text(self) -> str:
        every = f"{self.component}:{self.name}"
        return every if self.number is None else f"{every}#{self.number}"

    def numbered(self, number: int) -> CallAddress:
        """The `number`-th call of this address's operation."""
        return CallAddress(self.component, self.name, number)

    @classmethod
    def parse(cls, text: str, error: type[UsageError] = CallNumberError) -> CallAddress:
        """`tool:search#2`, `tool:search`. The component ends at the first `:`, the name at the last `#`
        (a name may hold either); a call number that is not 1, 2, ... raises `error`.

        A text without `:` is all component: callers tell an address from a type or a name first.
        """
        component, _, name = text.partition(":")
        number = None
        if "#" in name:
            name, _, digits = name.rpartition("#")
            number = int(digits) if _DIGITS.fullmatch(digits) else None
            if not number:
                raise error(f"{text}: a call number is # and a number from 1", hint=f"e.g. {component}:{name}#1")
        return cls(component, name, number)


class CallRecord:
    """A record of one call that holds its `component`, `name` and call `number` (as dataclass fields):
    its `address`, and that as text, `key`. The diff's `CompactCall` and the rerun's `RecordedCall` and
    `LiveCall` are ones; each holds what its own work needs besides."""

    __slots__ = ()
    component: str
    name: str
    number: int

    @property
    def address(self) -> CallAddress:
        return CallAddress(self.component, self.name, self.number)

    @property
    def key(self) -> str:
        """`tool:search#2`: the call as `replay` names it."""
        return str(self.address)
