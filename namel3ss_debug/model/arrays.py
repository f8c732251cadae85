"""Checks over arrays of integers: a kept timeline's columns and a diff side's calls, checked as they are restored.

    bounds(values) -> (least, greatest) | None     # None for an empty array
    parents_before(parents) -> bool                # each item less than its index: a tree by parent, or -1
    tree_ordered(parents) -> bool                  # such a tree listed in tree order

`model/_arrays.c` is the same, where it was built, reading an array's buffer without making an int of each item
(a 1 GiB run's timeline has some 20 million: `min` and `max` take 7-13 ms each over 718,000 calls, the kernel
under one); each `_py` function is the reference, and takes what the kernel does not (anything but a
one-dimensional array of integers, of type 'i' for parents). Tests hold the two to the same answers.
"""

from __future__ import annotations

from itertools import count
from operator import lt
from typing import Any, Callable, Sequence

try:
    from . import _arrays as _kernels  # type: ignore[attr-defined,import-not-found,unused-ignore]  # a C extension: no types
except ImportError:  # no compiler at install time: the references
    _kernels = None
ACCELERATED = _kernels is not None


def bounds_py(values: Sequence[int]) -> tuple[int, int] | None:
    """The reference."""
    return (min(values), max(values)) if len(values) else None


def parents_before_py(parents: Sequence[int]) -> bool:
    """The reference."""
    return all(map(lt, parents, count()))


def tree_ordered_py(parents: Sequence[int]) -> bool:
    """Whether the node before each node is its parent or under its parent (a root may follow any node).

    `parents[i]` is the index of node i's parent, an earlier node, or -1 for a root. Climbing from the node
    before up to the parent visits each node at most once in a tree in tree order, so this is linear; a
    parent that is not an earlier node makes the answer False.

    >>> tree_ordered_py([-1, 0, 1, 0, 3]), tree_ordered_py([-1, 0, 0, 1])
    (True, False)
    """
    for index, parent in enumerate(parents):
        above = index - 1
        while above > parent and above >= 0:
            up = parents[above]
            if up >= above:
                return False
            above = up
        if above != parent:
            return False
    return True


# Any: a kernel takes each of the buffers its reference takes and returns what that returns; one wrapper for all
def _kernel(name: str, reference: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The kernel `name` where it was built, falling back to `reference` for what it does not read."""
    compiled = getattr(_kernels, name, None)
    if compiled is None:
        return reference

    def kernel(values: Any) -> Any:  # Any: as `_kernel` says
        try:
            return compiled(values)
        except TypeError:  # not an array it reads: the reference
            return reference(values)

    kernel.__name__, kernel.__doc__ = name, reference.__doc__
    return kernel


bounds: Callable[[Sequence[int]], tuple[int, int] | None] = _kernel("bounds", bounds_py)
parents_before: Callable[[Sequence[int]], bool] = _kernel("parents_before", parents_before_py)
tree_ordered: Callable[[Sequence[int]], bool] = _kernel("tree_ordered", tree_ordered_py)
