"""Aligning call sequences: common ends matched as they are, difflib in between, the first divergence."""

from __future__ import annotations

import random

from namel3ss_debug.diffing.align import added_and_removed, align


def test_identical_sequences_are_one_equal_block_and_never_diverge():
    alignment = align(["a", "b", "c"], ["a", "b", "c"])
    assert (alignment.opcodes, alignment.first_change()) == ([("equal", 0, 3, 0, 3)], None)


def test_an_added_call_is_an_insert_where_the_common_prefix_ends():
    alignment = align(["run", "llm", "tool", "llm"], ["run", "llm", "tool", "tool", "llm"])
    assert alignment.first_change() == ("insert", 3, 3, 3, 4)


def test_the_first_divergence_is_the_common_prefix_even_when_a_later_match_is_longer():
    # difflib alone would match the long run of b's first and report the divergence at 0
    base = ["a", "x", "b", "b", "b", "b"]
    new = ["a", "b", "b", "b", "b", "y"]
    assert align(base, new).first_change()[:2] == ("delete", 1)


def test_aligned_pairs_skip_the_calls_only_one_side_has():
    alignment = align(["a", "b", "c"], ["a", "x", "b", "c"])
    assert list(alignment.pairs()) == [(0, 0), (1, 2), (2, 3)]


def test_a_replaced_call_is_added_and_removed_by_operation():
    base, new = ["a", "b", "c"], ["a", "x", "c"]
    added, removed = added_and_removed(align(base, new), base, new)
    assert (dict(added), dict(removed)) == ({"x": 1}, {"b": 1})


def test_calls_that_only_moved_within_a_replace_are_neither_added_nor_removed():
    base, new = ["s", "a", "b", "e"], ["s", "b", "a", "e"]
    alignment = align(base, new, max_cells=0)
    assert (alignment.aligned_by, added_and_removed(alignment, base, new)) == ("counts", ({}, {}))


def test_a_middle_too_big_to_align_call_by_call_becomes_one_replace_counted_per_operation():
    base, new = ["s", "a", "b", "a", "b", "e"], ["s", "b", "b", "a", "a", "c", "e"]
    alignment = align(base, new, max_cells=19)  # a middle of 4 x 5
    added, removed = added_and_removed(alignment, base, new)
    assert (alignment.opcodes, alignment.aligned_by, dict(added), dict(removed)) == (
        [("equal", 0, 1, 0, 1), ("replace", 1, 5, 1, 6), ("equal", 5, 6, 6, 7)], "counts", {"c": 1}, {})


def test_a_suffix_shared_by_both_runs_is_matched_before_difflib_runs():
    alignment = align(["s", *"ab" * 5, "e"], ["s", *"ba" * 5, "b", "e"], max_cells=0)
    assert (alignment.opcodes[1], alignment.aligned_by) == (("insert", 1, 1, 1, 2), "sequence")


def test_runs_of_different_lengths_with_one_empty_middle():
    assert align(["a", "b"], ["a", "b", "c", "d"]).opcodes == [("equal", 0, 2, 0, 2), ("insert", 2, 2, 2, 4)]
    assert align(["a", "b", "c"], ["a"]).opcodes == [("equal", 0, 1, 0, 1), ("delete", 1, 3, 1, 1)]


def test_a_repetitive_middle_past_the_cap_is_counted_with_the_divergence_still_exact():
    base, new = ["x", "y", "z"] * 400, ["x", "z", "y"] * 400  # difflib would be cubic here
    alignment = align(base, new)
    assert (alignment.aligned_by, alignment.first_change()[1:4:2]) == ("counts", (1, 1))


def test_the_first_change_is_the_first_opcode_that_is_not_equal_for_any_two_runs():
    rng = random.Random(11)
    for _ in range(300):
        base = [rng.choice("abc") for _ in range(rng.randrange(8))]
        new = [rng.choice("abc") for _ in range(rng.randrange(8))]
        for max_cells in (0, 1000):
            alignment = align(base, new, max_cells)
            assert alignment.first_change() == next((op for op in alignment.opcodes if op[0] != "equal"), None)


def test_a_call_whose_status_changed_is_where_the_runs_part_though_the_operations_agree():
    ops = ["llm:plan", "tool:search", "llm:write"]
    alignment = align(ops, ops, statuses=(["completed"] * 3, ["completed", "failed", "completed"]))
    assert (alignment.parted_at, alignment.changed, alignment.first_change()) == (1, True, ("equal", 1, 2, 1, 2))
    assert alignment.opcodes == [("equal", 0, 3, 0, 3)]  # the failed call is still paired with its twin


def test_operations_that_part_before_a_changed_status_are_the_divergence():
    base, new = ["a", "b", "c", "d"], ["a", "x", "c", "d"]
    alignment = align(base, new, statuses=(["completed"] * 4, ["completed", "completed", "completed", "failed"]))
    assert (alignment.parted_at, alignment.changed, alignment.first_change()[0]) == (1, False, "replace")


def test_equal_statuses_leave_the_divergence_to_the_operations():
    ops = ["a", "b"]
    alignment = align(ops, ops, statuses=(["completed", "failed"], ["completed", "failed"]))
    assert (alignment.parted_at, alignment.first_change()) == (None, None)
