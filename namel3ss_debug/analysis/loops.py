"""Agent loops: the same call (or cycle of 2-3 calls) with identical inputs, three times in a row.

Each open agent span has a `LoopWatch` that sees its calls in order and keeps only the last few, so
memory does not grow with the number of calls.
"""

from __future__ import annotations

from typing import Hashable

MAX_PERIOD = 3
MIN_REPEATS = 3
PERIODS = range(1, MAX_PERIOD + 1)

Label = tuple[str, str, str]  # what a found cycle shows for a call: its op (component, name, span kind)


class LoopWatch:
    """For each cycle length p, how many calls in a row matched the call p places back."""

    __slots__ = ("recent", "keys", "runs", "starts", "found")

    def __init__(self) -> None:
        self.recent: list[tuple[Label, int]] = []  # (label, index)
        self.keys: list[Hashable] = []  # the keys of `recent`, for a quick membership test
        self.runs = [0] * (MAX_PERIOD + 1)
        self.starts: list[tuple[tuple[Label, ...], int]] = [((), 0)] * (MAX_PERIOD + 1)
        self.found: list[tuple[tuple[Label, ...], int, int]] = []  # (cycle, repetitions, index of its first call)

    def see(self, key: Hashable, index: int, label: Label) -> None:
        """`key` is the call's identity, `index` where it happened, `label` what a found cycle shows for it."""
        recent, keys, runs = self.recent, self.keys, self.runs
        quiet = not (runs[1] or runs[2] or runs[3]) and key not in keys
        recent.append((label, index))
        keys.append(key)
        if len(recent) > MAX_PERIOD + 1:
            del recent[0], keys[0]
        if quiet:
            return  # nothing repeating: the common case, kept cheap
        matching = [len(keys) > p and keys[-1 - p] == key for p in PERIODS]
        for period in reversed(PERIODS):  # longest first, while the shorter runs it is checked against stand
            if not matching[period - 1]:
                self._close(period)
        for period in PERIODS:
            if matching[period - 1]:
                if self.runs[period] == 0:
                    self.starts[period] = (tuple(k for k, _ in recent[-1 - period:-1]), recent[-1 - period][1])
                self.runs[period] += 1

    def finish(self) -> list[tuple[tuple[Label, ...], int, int]]:
        for period in reversed(PERIODS):
            self._close(period)
        return self.found

    def _close(self, period: int) -> None:
        matched, self.runs[period] = self.runs[period], 0
        repeats = (matched + period) // period
        if repeats < MIN_REPEATS or any(period % q == 0 and self.runs[q] >= matched for q in range(1, period)):
            return  # too short, or one shorter cycle seen several times (A A A A is not the cycle A A)
        cycle, first = self.starts[period]
        self.found.append((cycle, repeats, first))
