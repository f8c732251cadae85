"""`bisect`'s search (`judging/bisect.py`) reruns no substitution twice: a rerun costs a whole run of the app."""

from __future__ import annotations

import pytest

from namel3ss_debug.judging.bisect import FOUND, search

CALLS = [f"llm:chat#{number}" for number in range(1, 21)]


@pytest.mark.parametrize("count", [2, 3, 20])
@pytest.mark.parametrize("bad", [0, 1])
def test_no_substitution_is_probed_twice(count, bad):
    candidates = CALLS[:count]
    found = search(candidates, lambda subset: candidates[bad] in subset)
    probed = [probe.substituted for probe in found.probes]
    assert len(probed) == len(set(probed)), probed
    assert (found.status, found.call) == (FOUND, candidates[bad])


def test_the_first_call_whose_prefix_flipped_is_found_alone_without_another_rerun():
    found = search(CALLS[:3], lambda subset: "llm:chat#1" in subset)
    assert (found.status, found.call, found.alone) == (FOUND, "llm:chat#1", True)
    assert [probe.substituted for probe in found.probes] == [("llm:chat#1",)]


def test_one_candidate_that_flips_is_found_alone_by_its_one_rerun():
    found = search(CALLS[:1], lambda subset: "llm:chat#1" in subset)
    assert (found.status, found.call, found.alone) == (FOUND, "llm:chat#1", True)
    assert [probe.substituted for probe in found.probes] == [("llm:chat#1",)]
