"""The pure search of `bisect` (`judging/bisect.py`): binary search over prefixes, then one check, within
ceil(log2(n)) + 1 probes."""

from __future__ import annotations

import math

import pytest

from namel3ss_debug.judging.bisect import ALONE, FOUND, NONE, NOT_MONOTONE, PREFIX, STOPPED, search

CALLS = [f"llm:chat#{number}" for number in range(1, 21)]


@pytest.mark.parametrize("bad", CALLS)
def test_one_planted_call_is_found_within_the_budget(bad):
    found = search(CALLS, lambda subset: bad in subset)
    assert (found.status, found.call) == (FOUND, bad)
    assert len(found.probes) <= math.ceil(math.log2(len(CALLS))) + 1


def test_the_found_call_is_tried_alone_when_the_budget_allows():
    found = search(CALLS, lambda subset: "llm:chat#13" in subset)
    assert (found.probes[-1].kind, found.probes[-1].substituted, found.alone) == (ALONE, ("llm:chat#13",), True)


def test_the_last_call_is_found_by_the_full_substitution_and_not_tried_alone():
    found = search(CALLS, lambda subset: "llm:chat#20" in subset)
    assert (found.status, found.call, found.alone) == (FOUND, "llm:chat#20", None)
    assert (found.probes[-1].kind, len(found.probes[-1].substituted)) == (PREFIX, 20)


def test_a_flip_that_needs_two_calls_is_not_monotone():
    found = search(CALLS, lambda subset: {"llm:chat#3", "llm:chat#8"} <= set(subset))
    assert (found.status, found.call) == (NOT_MONOTONE, "llm:chat#8")


def test_nothing_flips_it_none():
    found = search(CALLS, lambda subset: False)
    assert (found.status, found.call) == (NONE, None)
    assert found.probes[-1].substituted == tuple(CALLS)


def test_a_probe_with_no_outcome_stops_the_search():
    found = search(CALLS, lambda subset: None)
    assert (found.status, found.call, len(found.probes)) == (STOPPED, None, 1)


def test_one_candidate_takes_one_rerun():
    found = search(["tool:weather#1"], lambda subset: True)
    assert (found.status, found.call, len(found.probes)) == (FOUND, "tool:weather#1", 1)
