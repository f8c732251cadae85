"""Where two runs first part: one rule, items paired in order (diff) or by key (the rerun report)."""

from __future__ import annotations

import random

from namel3ss_debug.model.divergence import ByKey, ByPosition, PartingPoint, common_prefix, first_parting


def by_key(*items: tuple[str, str]) -> ByKey[str]:
    """(key, digest) pairs, in the run's order."""
    run: ByKey[str] = ByKey()
    for position, (key, digest) in enumerate(items):
        run.add(key, position, digest)
    return run


# -- in order --------------------------------------------------------------------------------------

def test_runs_that_agree_item_for_item_never_part():
    assert first_parting(ByPosition(["a", "b"]), ByPosition(["a", "b"])) is None


def test_in_order_runs_part_as_twins_where_their_common_prefix_ends():
    parted = first_parting(ByPosition(["a", "b", "c"]), ByPosition(["a", "x", "c"]))
    assert parted == PartingPoint((1, 1), (1, 1), twins=True)


def test_a_run_that_goes_on_past_the_other_parts_where_the_other_ends():
    assert first_parting(ByPosition(["a"]), ByPosition(["a", "b"])) == PartingPoint(None, (1, 1), twins=False)
    assert first_parting(ByPosition(["a", "b"]), ByPosition(["a"])) == PartingPoint((1, 1), None, twins=False)


def test_in_order_the_parting_is_the_common_prefix_for_any_two_runs():
    rng = random.Random(7)
    for _ in range(300):
        old = [rng.choice("ab") for _ in range(rng.randrange(5))]
        new = [rng.choice("ab") for _ in range(rng.randrange(5))]
        parting = first_parting(ByPosition(old), ByPosition(new))
        at = common_prefix(old, new)
        if old == new:
            assert parting is None
        else:
            assert parting is not None
            assert {item[1] for item in (parting.old, parting.new) if item is not None} == {at}


# -- by key ----------------------------------------------------------------------------------------

def test_items_paired_by_key_may_come_in_another_order():
    assert first_parting(by_key(("a", "1"), ("b", "2")), by_key(("b", "2"), ("a", "1"))) is None


def test_a_key_whose_items_say_different_things_is_reported_as_twins_at_each_runs_position():
    old = by_key(("a", "1"), ("b", "2"), ("c", "3"))
    new = by_key(("a", "1"), ("c", "3"), ("b", "changed"))
    assert first_parting(old, new) == PartingPoint(("b", 1), ("b", 2), twins=True)


def test_an_item_only_one_run_has_is_reported_alone():
    one, both = by_key(("a", "1")), by_key(("a", "1"), ("z", "9"))
    assert first_parting(one, both) == PartingPoint(None, ("z", 1), twins=False)
    assert first_parting(both, one) == PartingPoint(("z", 1), None, twins=False)


def test_each_runs_first_item_without_a_twin_is_reported_when_they_are_not_twins():
    old = by_key(("a", "1"), ("x", "8"))
    new = by_key(("a", "1"), ("y", "9"))
    assert first_parting(old, new) == PartingPoint(("x", 1), ("y", 1), twins=False)


def test_a_changed_twin_later_than_the_other_runs_first_unpaired_item_is_not_made_a_pair():
    old = by_key(("a", "1"), ("b", "2"))
    new = by_key(("x", "0"), ("a", "changed"), ("b", "2"))
    assert first_parting(old, new) == PartingPoint(("a", 0), ("x", 0), twins=False)


def test_a_key_met_twice_is_found_where_it_was_last_met():
    old = by_key(("a", "1"), ("b", "2"))
    new = by_key(("a", "1"), ("b", "x"), ("b", "2"))  # a rerun's two calls answered from one recorded call
    assert first_parting(old, new) is None
