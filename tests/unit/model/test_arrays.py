"""The largest item of an array of integers: the C kernel (`model/_arrays.c`) and its reference agree, on every
item type and at the ends of each type's range; what the kernel does not read goes to the reference."""

from __future__ import annotations

import random
from array import array

import pytest

from namel3ss_debug.model import arrays

RANGES = {"b": (-128, 127), "B": (0, 255), "h": (-2**15, 2**15 - 1), "H": (0, 2**16 - 1), "i": (-2**31, 2**31 - 1),
          "I": (0, 2**32 - 1), "l": (-2**63, 2**63 - 1), "L": (0, 2**64 - 1), "q": (-2**63, 2**63 - 1),
          "Q": (0, 2**64 - 1)}
needs_c = pytest.mark.skipif(not arrays.ACCELERATED, reason="the C extension was not compiled on this install")


@needs_c
@pytest.mark.parametrize("typecode", sorted(RANGES))
@pytest.mark.parametrize("seed", range(5))
def test_the_kernel_finds_the_reference_s_largest_item(typecode, seed):
    rng = random.Random(seed)
    low, high = RANGES[typecode]
    for size in (1, 2, rng.randrange(3, 3000)):
        values = array(typecode, [rng.choice((low, high, rng.randint(low, high))) for _ in range(size)])
        assert arrays.largest(values) == arrays.largest_py(values) == max(values)


@pytest.mark.parametrize("typecode", sorted(RANGES))
def test_an_empty_array_has_no_largest_item(typecode):
    assert arrays.largest(array(typecode)) is None


def test_what_the_kernel_does_not_read_is_left_to_the_reference():
    assert arrays.largest([3, 9, 2]) == 9  # a list
    assert arrays.largest(array("d", [1.5, 2.5, 0.5])) == 2.5  # not integers
    assert arrays.largest(range(5)) == 4
