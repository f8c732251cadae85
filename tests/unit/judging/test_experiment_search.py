"""The experiment's search (`judging/experiment.py`), driven by a model of a run whose mistake at call p is answered
again rightly with some chance: re-asking from a point up to p can rescue the run, from a later point never. The
search must find p from anywhere the blame points, spend about log2(n) points after the candidates, and say `not
confirmed` when nothing rescues, when it is cut short, or when the tries that would decide were stopped."""

from __future__ import annotations

import random

import pytest

from namel3ss_debug.judging.experiment import (
    BUDGET, INTERRUPTED, MORE, NO_RESCUE, NOT_CONFIRMED, UNJUDGED, UNSURE, VERIFIED, ForkPoint, PointTried, Search,
    drop_p_value, significant,
)
from namel3ss_debug.judging.interval import wilson


def points(n: int) -> list[ForkPoint]:
    return [ForkPoint(f"llm:chat#{index}", index, index * 2) for index in range(1, n + 1)]


def run(n: int, mistake: int | None, candidates: tuple[int, ...] = (), tries: int = 3, rescue: float = 0.6,
        seed: int = 3) -> tuple[Search, dict[int, PointTried], list[int]]:
    """The search to its end over a model run: a try at k <= mistake passes with chance `rescue`."""
    chance = random.Random(seed)
    search = Search(points(n), candidates, tries)
    tried: dict[int, PointTried] = {}
    order = []
    while (index := search.next(tried)) is not None:
        order.append(index)
        passes = sum(mistake is not None and index <= mistake and chance.random() < rescue for _ in range(tries))
        was = tried.get(index, PointTried(search.points[index - 1], 0, 0))  # another round adds to the point's
        tried[index] = PointTried(was.point, was.tries + tries, was.passes + passes)
    return search, tried, order


@pytest.mark.parametrize("n, mistake", [(1, 1), (2, 1), (2, 2), (6, 3), (10, 1), (10, 10), (100, 37), (1000, 512)])
def test_the_mistake_is_found_wherever_it_is(n, mistake):
    search, tried, _ = run(n, mistake, rescue=0.9)
    conclusion = search.conclude(tried, None)
    assert (conclusion.verdict, conclusion.decisive.index) == (VERIFIED, mistake)
    assert conclusion.at.passes > 0 and (conclusion.after is None or conclusion.after.passes == 0)
    assert conclusion.between == [f"llm:chat#{mistake}"] * 2


def test_a_right_reading_costs_two_points():
    _, _, order = run(100, 37, candidates=(37,), rescue=0.9)
    assert list(dict.fromkeys(order)) == [37, 38]  # a second round at 38 when 0/3 there is no clear drop yet


def test_a_reading_past_the_mistake_bounds_the_search():
    _, _, order = run(100, 37, candidates=(90,), rescue=0.9)
    assert order[:2] == [90, 1]  # 90 did not rescue: nothing after it is tried
    assert max(order[1:]) < 90


def test_the_points_tried_grow_with_log_n():
    for n in (10, 100, 1000):
        _, _, order = run(n, n // 3, rescue=0.95)
        assert len(set(order)) <= 2 + n.bit_length(), (n, order)
        assert len(order) <= 2 + n.bit_length() + 2 * (MORE - 1), (n, order)  # and a few more rounds at the end


def test_most_calls_bounds_what_the_search_says_before_it_starts():
    for n in (10, 100, 1000):
        search, tried, order = run(n, n // 3, candidates=(n - 1, n // 2), rescue=0.95)
        most_points, most_calls = search.most_calls()
        assert len(order) <= most_points
        assert sum(3 * (n - index + 1) for index in order) <= most_calls


def test_nothing_rescued_is_not_confirmed():
    search, tried, order = run(10, None, candidates=(7,))
    conclusion = search.conclude(tried, None)
    assert order == [7, 1, 1, 1, 1]
    assert (conclusion.verdict, conclusion.reason, conclusion.decisive) == (NOT_CONFIRMED, NO_RESCUE, None)
    assert "fails whatever the model says" in conclusion.why
    assert tried[1].tries == MORE * 3  # 0 of 12 before saying so (at most 24%), not 0 of 3 (56%)


@pytest.mark.parametrize("stopped", [BUDGET, INTERRUPTED])
def test_a_search_cut_short_says_where_the_call_is_so_far(stopped):
    search = Search(points(10))
    tried = {1: PointTried(search.points[0], 3, 2), 6: PointTried(search.points[5], 3, 0)}
    conclusion = search.conclude(tried, stopped)
    assert (conclusion.verdict, conclusion.reason) == (NOT_CONFIRMED, stopped)
    assert conclusion.between == ["llm:chat#1", "llm:chat#5"]
    assert "one of llm:chat#1 to llm:chat#5 (5 calls)" in conclusion.why


def test_a_point_whose_tries_all_stopped_bounds_nothing():
    search = Search(points(3))
    tried = {1: PointTried(search.points[0], 3, 1), 2: PointTried(search.points[1], 3, 0, stopped=3),
             3: PointTried(search.points[2], 3, 0, stopped=3)}
    assert search.bounds(tried) == (1, 4)
    assert search.next(tried) is None
    conclusion = search.conclude(tried, None)
    assert (conclusion.verdict, conclusion.reason) == (NOT_CONFIRMED, UNJUDGED)


def test_the_last_call_is_decisive_against_the_recording():
    search = Search(points(4))
    tried = {4: PointTried(search.points[3], 3, 1)}
    conclusion = search.conclude(tried, None)
    assert conclusion.verdict == VERIFIED and conclusion.after is None
    assert "with its answer kept, the run failed as recorded" in conclusion.why


def test_candidates_out_of_range_are_dropped():
    assert Search(points(3), (0, 5, 2, 2)).candidates == [2]


def test_the_interval_is_wilsons():
    assert wilson(0, 3) == (0.0, 0.5615)
    assert wilson(3, 3) == (0.4385, 1.0)
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(50, 100)
    assert (round(low, 2), round(high, 2)) == (0.4, 0.6)


def test_a_point_whose_tries_failed_by_chance_gets_more_before_a_verdict():
    search = Search(points(10), tries=3)
    tried = {1: PointTried(search.points[0], 3, 1), 2: PointTried(search.points[1], 3, 0)}  # 1/3, then 0/3
    assert not significant(tried[1], tried[2], 3)  # 1/3 against 0/3 is no drop beyond chance
    assert search.next(tried) == 2  # another round where the run may still be rescued
    tried[2] = PointTried(search.points[1], 6, 1)  # it was: the boundary moves on
    assert search.bounds(tried) == (2, 11) and search.next(tried) != 2


def test_three_tries_that_failed_by_chance_make_no_wrong_verdict():
    # at a 50% rescue rate, a round of 3 tries fails whole one time in 8: over 200 runs many rounds do
    said = []
    for seed in range(200):
        search, tried, _ = run(20, 7, rescue=0.5, seed=seed)
        conclusion = search.conclude(tried, None)
        said.append(conclusion.decisive.index if conclusion.decisive is not None else conclusion.reason)
    wrong = [found for found in said if found not in (7, UNSURE)]
    assert wrong == [], wrong  # the round that made a point the boundary is no evidence: none named too early
    assert said.count(7) >= 170  # the others unsure: a drop within chance


def test_a_drop_within_chance_is_not_confirmed():
    search = Search(points(4), tries=3)
    cap = MORE * 3
    tried = {1: PointTried(search.points[0], cap, 1), 2: PointTried(search.points[1], cap, 0)}  # 1/12 vs 0/12
    assert search.next(tried) is None
    conclusion = search.conclude(tried, None)
    assert (conclusion.verdict, conclusion.reason) == (NOT_CONFIRMED, UNSURE)
    assert conclusion.between == ["llm:chat#1", "llm:chat#4"]
    assert "a drop no wider than chance" in conclusion.why


def test_a_boundary_within_chance_cut_short_claims_no_call():
    search = Search(points(4), tries=3)
    tried = {1: PointTried(search.points[0], 3, 1), 2: PointTried(search.points[1], 3, 0)}
    conclusion = search.conclude(tried, BUDGET)
    assert conclusion.between == ["llm:chat#1", "llm:chat#4"] and "it is one of" in conclusion.why


def test_the_drop_is_fishers_one_sided_test():
    assert round(drop_p_value(3, 3, 0, 3), 4) == 0.05  # 1 / C(6, 3): not below 5%
    assert round(drop_p_value(4, 6, 0, 6), 4) == 0.0303
    assert drop_p_value(0, 3, 0, 3) == 1.0 and drop_p_value(2, 3, 0, 0) == 1.0


def test_the_search_stops_at_its_own_bound_of_rounds():
    search = Search(points(4), tries=3)
    tried = {1: PointTried(search.points[0], 3 * search.most_rounds, 1)}
    assert search.rounds(tried) == search.most_rounds and search.next(tried) is None
    conclusion = search.conclude(tried, None)
    assert (conclusion.verdict, conclusion.reason) == (NOT_CONFIRMED, BUDGET)
    assert f"the search's own bound of {search.most_rounds} rounds" in conclusion.why
