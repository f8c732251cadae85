"""CallCounts (the compiled pass's `Tally.repeats`) behaves as the dict it stands for."""

from __future__ import annotations

import random

import pytest

from namel3ss_debug.analysis import tally as tally_module

pytestmark = pytest.mark.skipif(not tally_module.ACCELERATED, reason="the C pass is not built")


def call_counts():
    return tally_module._compiled.CallCounts()


def wrapped(number):
    return (number + 2**63) % 2**64 - 2**63


@pytest.mark.parametrize("seed", range(5))
def test_random_counts_read_back_as_a_dict_of_them_does(seed):
    """Past several growths of the table, with keys from all of 64 bits (0 and -1 among them), some set
    again, in the order they came."""
    rng = random.Random(seed)
    keys = [0, -1, 1, -2**63, 2**63 - 1] + [rng.randrange(-2**63, 2**63) for _ in range(5000)]
    keys += [key ^ 1 for key in keys[:200]] + [wrapped(key + 4096) for key in keys[:200]]  # neighbours in the table
    counts, expected = call_counts(), {}
    for _ in range(20000):
        key = rng.choice(keys)
        value = expected.get(key, 0) + 1 if rng.random() < 0.8 else rng.randrange(1, 2**62)
        counts[key] = value
        expected[key] = value
        assert len(counts) == len(expected)
    assert list(counts.items()) == list(expected.items())
    assert list(counts) == list(counts.keys()) == list(expected)
    for key in keys + [rng.randrange(-2**63, 2**63) for _ in range(500)]:
        assert counts.get(key) == expected.get(key)
        assert counts.get(key, 0) == expected.get(key, 0)
        assert (key in counts) == (key in expected)
        if key in expected:
            assert counts[key] == expected[key]
        else:
            with pytest.raises(KeyError):
                counts[key]


def test_what_is_not_a_count_of_a_call_identity_is_refused():
    counts = call_counts()
    with pytest.raises(TypeError):
        counts["a"] = 1
    with pytest.raises(OverflowError):
        counts[2**64] = 1
    with pytest.raises(ValueError):
        counts[1] = 0
    counts[1] = 3
    with pytest.raises(TypeError):
        del counts[1]
    assert counts.get("a", 7) == 7 and "a" not in counts and 2**64 not in counts
    assert list(counts.items()) == [(1, 3)]
