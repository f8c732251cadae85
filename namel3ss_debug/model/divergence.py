"""Where two runs first part: the one rule behind `diff`'s first divergence and the rerun report's.

A run is read as items in its own order (`diff` reads calls, the rerun report events). Each item has a
key, which pairs it with its twin in the other run, and a digest of what it says. The runs part at the
first item, in either run's own order, that has no twin or a twin that says something else:

- when one run's first such item has a twin no later than the other run's first such item, the two
  are reported as twins (the same place, saying different things);
- else each run's first such item is reported, either of them missing when that run has none.

What pairs items is the caller's choice, and the one way the two uses differ. `ByPosition` pairs the i-th
item with the other run's i-th, so the runs part where their common prefix ends (`diff`, which then
aligns the calls around that place). `ByKey` pairs items by a key such as a span's path (the rerun
report: the rerun's tasks may interleave otherwise, and each event still meets its twin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Hashable, Optional, Protocol, Sequence, TypeVar

K = TypeVar("K", bound=Hashable)
Run = TypeVar("Run", bound="Items[Any]")  # Any: a run of any key type; `first_parting` pairs two of one type


@dataclass(frozen=True)
class PartingPoint(Generic[K]):
    """The first items where two runs part: each as (key, position), None for a run that has none there.
    `twins`: the two are one key's items, saying different things."""

    old: Optional[tuple[K, int]]
    new: Optional[tuple[K, int]]
    twins: bool


class Items(Protocol[K]):
    """One run as the rule reads it."""

    def first_unpaired(self, other: Any) -> Optional[tuple[K, int]]:  # Any: the other run, of the implementer's type
        """This run's first item, in its own order, with no twin in `other` (a run read the same way) or a
        twin that says otherwise."""

    def position(self, key: K) -> Optional[int]:
        """Where this run's item with `key` is; None when it has none."""


@dataclass
class ByKey(Generic[K]):
    """Items paired by key. A key met twice in `order` is found at the position `digests` holds for it."""

    order: list[tuple[K, int]] = field(default_factory=list)  # (key, position), in the run's order
    digests: dict[K, tuple[int, Hashable]] = field(default_factory=dict)  # key -> (position, digest)

    def add(self, key: K, position: int, digest: Hashable) -> None:
        self.order.append((key, position))
        self.digests[key] = (position, digest)

    def first_unpaired(self, other: ByKey[K]) -> Optional[tuple[K, int]]:
        for key, position in self.order:
            twin = other.digests.get(key)
            if twin is None or twin[1] != self.digests[key][1]:
                return key, position
        return None

    def position(self, key: K) -> Optional[int]:
        found = self.digests.get(key)
        return None if found is None else found[0]


@dataclass(frozen=True)
class ByPosition:
    """Items paired by position: the key of an item is its position, its digest the item itself."""

    items: Sequence[Hashable]

    def first_unpaired(self, other: ByPosition) -> Optional[tuple[int, int]]:
        at = common_prefix(self.items, other.items)
        return (at, at) if at < len(self.items) else None

    def position(self, key: int) -> Optional[int]:
        return key if 0 <= key < len(self.items) else None


def common_prefix(left: Sequence[Hashable], right: Sequence[Hashable]) -> int:
    """How many items the two sequences share from their start.

    >>> common_prefix("abcd", "abxd")
    2
    """
    length = 0
    for a, b in zip(left, right):
        if a != b:
            break
        length += 1
    return length


def first_parting(old: Run, new: Run) -> Optional[PartingPoint[Any]]:  # Any: the key type of `Run`
    """Where `old` and `new` first part (see the module docstring); None when every item has its twin."""
    in_old, in_new = old.first_unpaired(new), new.first_unpaired(old)
    if in_old is None and in_new is None:
        return None
    if in_new is not None:
        twin = old.position(in_new[0])
        if twin is not None and (in_old is None or twin <= in_old[1]):
            return PartingPoint((in_new[0], twin), in_new, twins=True)
    if in_old is not None:
        twin = new.position(in_old[0])
        if twin is not None and (in_new is None or twin <= in_new[1]):
            return PartingPoint(in_old, (in_old[0], twin), twins=True)
    return PartingPoint(in_old, in_new, twins=False)
