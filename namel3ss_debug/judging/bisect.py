"""`bisect`'s search: the earliest call whose substitution flips a run's outcome, in few reruns.

The candidates are the bad run's calls that have a replacement answer, in the order the run made them,
c1..cn. A probe is one rerun with a set of them substituted, the others answered as the rerun answers them;
it says whether the outcome flipped (the bad run's failure no longer happens), did not, or could not be told
(the rerun was stopped before the app ended: no outcome). `flip(k)` is the probe of the first k substituted.

The rule, whose every step is a rerun the caller counts:

1. Binary search over k in 1..n on the prefixes, from lo = 0 (nothing substituted: the recording itself,
   which failed; no rerun) and hi = n (everything substituted): probe the middle, flipped -> hi, else lo,
   until hi = lo + 1. That takes at most ceil(log2(n)) probes and names c_hi.
2. One more probe, so at most ceil(log2(n)) + 1 in all:
   - hi = n was never probed (every probe kept the failure): probe the full substitution. Not flipped:
     **none** (substituting every candidate keeps the failure: no call of these flips it). Flipped: c_n is
     **found**, alone not tried.
   - else probe c_hi **alone** (no other candidate substituted; when hi = 1 the prefix probed was c_1 alone
     already, and is not rerun). Flipped: **found**, and the
     flip is that one call's. Not flipped: **not monotone** (the first hi flip it, the first hi - 1 do not,
     c_hi alone does not: the flip needs more than the one call).
3. A probe with no outcome stops the search: **stopped**, nothing concluded.

What a binary search cannot see is said as such: the prefixes it did not probe are assumed to keep the
order (monotone) it observed; step 2 is the one check of that assumption the budget allows.

    >>> bad = 13  # the planted call: a prefix flips once it holds it
    >>> found = search(list(range(1, 21)), lambda subset: bad in subset)
    >>> found.status, found.call, len(found.probes)
    ('found', 13, 5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Sequence, TypeVar

T = TypeVar("T")

FOUND, NONE, NOT_MONOTONE, STOPPED = "found", "none", "not monotone", "stopped"
PREFIX, ALONE = "prefix", "alone"


@dataclass(frozen=True)
class Probe(Generic[T]):
    """One rerun of the search: which candidates it substituted (`kind` prefix or alone), and whether the
    outcome flipped (None: no outcome)."""

    kind: str
    substituted: tuple[T, ...]
    flipped: bool | None


@dataclass(frozen=True)
class BisectSearch(Generic[T]):
    """What the search concluded (`status`: found, none, not monotone, stopped), the call it names (None
    for none and stopped), whether that call was tried alone, and every probe made, in order."""

    status: str
    call: T | None
    alone: bool | None  # found: it flipped alone (True), or was not tried alone (None)
    probes: tuple[Probe[T], ...]


def search(candidates: Sequence[T], flips: Callable[[tuple[T, ...]], bool | None]) -> BisectSearch[T]:
    """Run the rule of the module docstring; `flips(subset)` reruns with `subset` substituted and says
    whether the outcome flipped (None: no outcome)."""
    if not candidates:
        raise ValueError("no candidates to search")
    probes: list[Probe[T]] = []

    def probe(kind: str, subset: tuple[T, ...]) -> bool | None:
        flipped = flips(subset)
        probes.append(Probe(kind, subset, flipped))
        return flipped

    low, high, high_seen = 0, len(candidates), False
    while high - low > 1:
        middle = (low + high) // 2
        flipped = probe(PREFIX, tuple(candidates[:middle]))
        if flipped is None:
            return BisectSearch(STOPPED, None, None, tuple(probes))
        if flipped:
            high, high_seen = middle, True
        else:
            low = middle
    call = candidates[high - 1]
    if not high_seen:
        flipped = probe(PREFIX, tuple(candidates))
        status = STOPPED if flipped is None else FOUND if flipped else NONE
        alone = True if flipped and len(candidates) == 1 else None  # one candidate: all of them is it alone
        return BisectSearch(status, call if flipped else None, alone, tuple(probes))
    if high == 1:  # the prefix that flipped it is the first call alone: known, no second rerun of it
        return BisectSearch(FOUND, call, True, tuple(probes))
    flipped = probe(ALONE, (call,))
    if flipped is None:
        return BisectSearch(STOPPED, None, None, tuple(probes))
    return BisectSearch(FOUND if flipped else NOT_MONOTONE, call, True if flipped else None, tuple(probes))
