"""A tally's arrays of floats (each operation's durations, each model's costs) sorted and summed for the report.

They are array('d'), 8 bytes a value (`collectors/figures.py`). Where the extension is built (`_floats.c`) they are
sorted and summed without making a Python float of each value: the same order as `sorted` and the same float as
`math.fsum`, which stay the reference and take whatever the extension leaves aside (a negative number, a value
that is not finite, a list).
"""

from __future__ import annotations

import math
from array import array
from typing import Iterable, Sequence

try:
    from . import _floats as _compiled  # type: ignore[attr-defined]  # a C extension: no types to read
except ImportError:  # no compiler at install time: sorted and math.fsum
    _compiled = None
ACCELERATED = _compiled is not None


def ordered(values: Iterable[float]) -> array[float]:
    """The values sorted, as a new array('d') (the input is left as it is)."""
    result = array("d", values)
    if _compiled is None or not _compiled.sort(result):
        result = array("d", sorted(result))
    return result


def total(values: Sequence[float]) -> float:
    """`math.fsum(values)`: the correctly rounded sum."""
    if _compiled is not None and type(values) is array and values.typecode == "d":
        found: float | None = _compiled.fsum(values)  # the kernel: a float, or None when it declines
        if found is not None:
            return found
    return math.fsum(values)
