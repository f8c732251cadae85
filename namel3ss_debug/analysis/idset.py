"""The span ids seen in a run, in little memory: the tracer's hex ids as ranges, any other id in a set.

A run of the tracer numbers its spans 1, 2, 3... in 16 hex digits, so a million ids are a handful of
ranges (gaps come only from filtered events) instead of a million strings. Ids that are not 16 hex
digits (another tracer's uuids, a legacy trace's) fall back to a plain set.
"""

from __future__ import annotations

from bisect import bisect_right

class SpanIds:
    __slots__ = ("starts", "ends", "others")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.others: set[str] = set()

    def add(self, span_id: str) -> bool:
        """Record `span_id`; False if it was already there (a duplicate)."""
        number = None
        if len(span_id) == 16 and span_id.isalnum() and span_id.isascii() and span_id[1] not in "xX":
            try:
                number = int(span_id, 16)  # span_number() inlined: this runs for every span
            except ValueError:
                pass
        if number is None:
            if span_id in self.others:
                return False
            self.others.add(span_id)
            return True
        ends = self.ends
        if ends and number == ends[-1] + 1:  # the next id of the run: the common case
            ends[-1] = number
            return True
        return self._insert(number)

    def __contains__(self, span_id: object) -> bool:
        if not isinstance(span_id, str):
            return False
        number = span_number(span_id)
        if number is None:
            return span_id in self.others
        at = bisect_right(self.starts, number) - 1
        return at >= 0 and number <= self.ends[at]

    def _insert(self, number: int) -> bool:
        starts, ends = self.starts, self.ends
        at = bisect_right(starts, number) - 1
        if at >= 0 and number <= ends[at]:
            return False
        joins_left = at >= 0 and ends[at] == number - 1
        joins_right = at + 1 < len(starts) and starts[at + 1] == number + 1
        if joins_left and joins_right:
            ends[at] = ends[at + 1]
            del starts[at + 1], ends[at + 1]
        elif joins_left:
            ends[at] = number
        elif joins_right:
            starts[at + 1] = number
        else:
            starts.insert(at + 1, number)
            ends.insert(at + 1, number)
        return True

    def overlap(self, start: int, end: int) -> int:
        """How many of the numbers start..end (inclusive) are already here."""
        found = 0
        at = max(bisect_right(self.starts, start) - 1, 0)
        while at < len(self.starts) and self.starts[at] <= end:
            low, high = max(start, self.starts[at]), min(end, self.ends[at])
            found += max(0, high - low + 1)
            at += 1
        return found

    def add_range(self, start: int, end: int) -> None:
        """Add the numbers start..end (inclusive), joining the ranges they touch."""
        starts, ends = self.starts, self.ends
        low = bisect_right(ends, start - 2)  # the first range that ends at or after start - 1
        high = bisect_right(starts, end + 1)  # past the last range that starts at or before end + 1
        if low < high:
            start, end = min(start, starts[low]), max(end, ends[high - 1])
        starts[low:high] = [start]
        ends[low:high] = [end]


def span_number(span_id: str) -> int | None:
    """16 hex digits as a number; None for anything else (`int` alone would take `0x..`, `_`, signs)."""
    if len(span_id) != 16 or not span_id.isalnum() or not span_id.isascii() or span_id[1] in "xX":
        return None
    try:
        return int(span_id, 16)
    except ValueError:
        return None
