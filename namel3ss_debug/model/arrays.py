"""The largest item of an array of integers (a kept timeline's columns, checked in range as they are restored).

    largest(values) -> int | None     # None for an empty array

`model/_arrays.c` is the same, where it was built, reading the array's buffer without making an int of each item
(a 1 GiB run's timeline has some 20 million); `largest_py` is the reference, and takes what the extension does
not (anything but a one-dimensional array of integers). Tests hold the two to the same answers.
"""

from __future__ import annotations

from typing import Iterable

try:
    from ._arrays import largest as _largest  # type: ignore[import-not-found,unused-ignore]  # a C extension: no types
except ImportError:  # no compiler at install time: the reference
    _largest = None
ACCELERATED = _largest is not None


def largest_py(values: Iterable[int]) -> int | None:
    """The reference."""
    return max(values, default=None)


def largest(values: Iterable[int]) -> int | None:
    if _largest is not None:
        try:
            return _largest(values)
        except TypeError:  # not an array of integers: the reference
            pass
    return largest_py(values)
