"""A tally's arrays of floats sorted and summed in C (`analysis/_floats.c`) as by the reference, `sorted` and
`math.fsum`: the same order and the same float, on random values of every scale and on the hard cases; what it
leaves aside (a sign bit, a value that is not finite) goes to the reference."""

from __future__ import annotations

import math
import random
import struct
from array import array

import pytest

from namel3ss_debug.analysis import floats

needs_c = pytest.mark.skipif(not floats.ACCELERATED, reason="the C extension was not compiled on this install")
if floats.ACCELERATED:
    from namel3ss_debug.analysis import _floats

HARD = [0.0, 5e-324, 2.2250738585072014e-308, 1e-16, 0.1, 0.2, 0.3, 1.0, 1.0000000000000002, 3.0, 1e12,
        9007199254740993.0, 1e16, 1.7976931348623157e308 / 2**60]


def random_values(rng: random.Random) -> list[float]:
    """Durations as a trace gives them (ms, a few digits), spread over scales, repeated, or made of bits."""
    count = rng.choice([0, 1, 2, 3, 47, 48, 49, 200, 3000])
    how = rng.randrange(4)
    if how == 0:
        return [round(rng.lognormvariate(4, 2), 3) for _ in range(count)]
    if how == 1:
        return [rng.choice(HARD) for _ in range(count)]
    if how == 2:
        return [rng.uniform(0, 10) * 10 ** rng.randint(-20, 12) for _ in range(count)]
    return [_finite(rng.getrandbits(63)) for _ in range(count)]  # any bits of a number >= 0


def _finite(bits: int) -> float:
    if bits >> 52 == 0x7FF:  # infinite or not a number: one exponent bit less
        bits &= ~(1 << 62)
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


@needs_c
@pytest.mark.parametrize("seed", range(60))
def test_sorted_and_summed_as_the_reference_does(seed):
    rng = random.Random(seed)
    values = random_values(rng)
    got = array("d", values)
    assert _floats.sort(got) is True
    assert got.tobytes() == array("d", sorted(values)).tobytes()  # bit for bit
    rng.shuffle(values)
    try:
        expected = struct.pack("<d", math.fsum(values))
    except OverflowError:  # the sum is past the largest float: left to the reference, which says so
        assert _floats.fsum(array("d", values)) is None
    else:
        assert struct.pack("<d", _floats.fsum(array("d", values))) == expected
    assert floats.ordered(values).tobytes() == got.tobytes()


@needs_c
@pytest.mark.parametrize("values", [
    [1e-16, 1.0, 1e16],  # the half-even rounding across partials
    [1.0, 2.0**53, 1.0],
    [2.0**53, 1.0, 1.0, 1.0],
    [0.1] * 10,
    [1e12] * 100_000,
    [5e-324] * 7,
    [],
])
def test_the_hard_sums_are_math_fsums(values):
    assert struct.pack("<d", _floats.fsum(array("d", values))) == struct.pack("<d", math.fsum(values))


@needs_c
@pytest.mark.parametrize("odd", [-0.0, -1.0, math.nan, -math.inf])
def test_a_sign_bit_or_a_nan_is_left_to_the_reference(odd):
    values = array("d", [3.0, 1.0, odd, 2.0] * 20)
    before = values.tobytes()
    assert _floats.sort(values) is False
    assert values.tobytes() == before  # untouched
    assert [repr(v) for v in floats.ordered(values)] == [repr(v) for v in sorted(values)]


@needs_c
@pytest.mark.parametrize("odd", [math.inf, math.nan])
def test_a_value_that_is_not_finite_is_summed_by_the_reference(odd):
    assert _floats.fsum(array("d", [1.0, odd])) is None
    assert repr(floats.total(array("d", [1.0, odd]))) == repr(math.fsum([1.0, odd]))


@needs_c
def test_a_sum_past_the_largest_float_is_left_to_the_reference():
    big = array("d", [1.7976931348623157e308, 1.7976931348623157e308])
    assert _floats.fsum(big) is None
    with pytest.raises(OverflowError):
        floats.total(big)


@needs_c
def test_only_arrays_of_doubles_are_taken():
    with pytest.raises(TypeError):
        _floats.sort(array("f", [1.0]))
    with pytest.raises(TypeError):
        _floats.fsum(b"12345678")
    assert floats.total([0.1, 0.2]) == math.fsum([0.1, 0.2])  # a list goes to the reference


def test_the_input_is_left_as_it_is():
    values = array("d", [3.0, 1.0, 2.0])
    assert list(floats.ordered(values)) == [1.0, 2.0, 3.0]
    assert list(values) == [3.0, 1.0, 2.0]
