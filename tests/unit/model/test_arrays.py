"""Checks over arrays of integers: the C kernels (`model/_arrays.c`) and their references agree, on every item
type and at the ends of each type's range; what a kernel does not read goes to its reference. (The tree-order
kernel is held to its reference in tests/unit/diffing/test_tree_order.py, beside the order it checks.)"""

from __future__ import annotations

import random
from array import array
from itertools import count
from operator import lt

import pytest

from namel3ss_debug.model import arrays

RANGES = {"b": (-128, 127), "B": (0, 255), "h": (-2**15, 2**15 - 1), "H": (0, 2**16 - 1), "i": (-2**31, 2**31 - 1),
          "I": (0, 2**32 - 1), "l": (-2**63, 2**63 - 1), "L": (0, 2**64 - 1), "q": (-2**63, 2**63 - 1),
          "Q": (0, 2**64 - 1)}
needs_c = pytest.mark.skipif(not arrays.ACCELERATED, reason="the C extension was not compiled on this install")


@needs_c
@pytest.mark.parametrize("typecode", sorted(RANGES))
@pytest.mark.parametrize("seed", range(5))
def test_the_kernel_finds_the_reference_s_bounds(typecode, seed):
    from namel3ss_debug.model._arrays import bounds  # noqa: PLC0415 - only where compiled

    rng = random.Random(seed)
    low, high = RANGES[typecode]
    for size in (1, 2, rng.randrange(3, 3000)):
        values = array(typecode, [rng.choice((low, high, rng.randint(low, high))) for _ in range(size)])
        assert bounds(values) == arrays.bounds(values) == arrays.bounds_py(values) == (min(values), max(values))
    assert bounds(memoryview(values)) == (min(values), max(values))  # a restored column: a view of its bytes


@pytest.mark.parametrize("typecode", sorted(RANGES))
def test_an_empty_array_has_no_bounds(typecode):
    assert arrays.bounds(array(typecode)) is None and arrays.bounds_py(array(typecode)) is None


def test_what_the_kernels_do_not_read_is_left_to_the_references():
    assert arrays.bounds([3, 9, 2]) == (2, 9)  # a list
    assert arrays.bounds(array("d", [1.5, 2.5, 0.5])) == (0.5, 2.5)  # not integers
    assert arrays.bounds(range(5)) == (0, 4)
    assert arrays.parents_before([-1, 0, 0]) is True and arrays.parents_before(array("q", [-1, 1])) is False
    assert arrays.tree_ordered([-1, 0, 1, 0]) is True and arrays.tree_ordered(array("I", [1])) is False


@needs_c
def test_the_kernels_refuse_what_they_do_not_read():
    from namel3ss_debug.model import _arrays  # noqa: PLC0415 - only where compiled

    for other in (array("d", [1.0]), [1, 2]):
        with pytest.raises(TypeError):
            _arrays.bounds(other)
    for other in (array("q", [-1]), array("I", [0]), array("H", [0]), [0]):
        for kernel in (_arrays.parents_before, _arrays.tree_ordered):
            with pytest.raises(TypeError):
                kernel(other)


@pytest.mark.parametrize("seed", range(20))
def test_each_parent_before_its_node(seed):
    """`parents_before` (a kept diff table's check) against `map(lt, ...)`, the kernel's and the reference's, on
    random trees and on trees with one parent wrong."""
    rng = random.Random(seed)
    for size in (0, 1, rng.randrange(2, 3000)):
        parents = array("i", [rng.randrange(-1, index) if index else -1 for index in range(size)])
        assert arrays.parents_before(parents) is arrays.parents_before_py(parents) is \
            all(map(lt, parents, count())) is True
        if size:
            wrong = rng.randrange(size)
            parents[wrong] = rng.choice((wrong, wrong + 1, 2**31 - 1))
            assert arrays.parents_before(parents) is arrays.parents_before_py(parents) is False
