"""How often `diagnose --experiment`'s search is right, unsure or wrong, and what it spends, over a model of a run
(issue 100): the search of `judging/experiment.py` itself, driven by draws instead of forks of an app.

    python bench/experiment_search.py               # 2,000 searches a row: about a minute on 2 cores
    python bench/experiment_search.py --seeds 200   # a quick look

The model: a run of n model calls whose failure was sealed at call d (drawn per search from 1..n-1). A try that
re-asks from point k <= d passes with chance `rescue`, from k > d never; each try at k re-asks the n - k + 1 calls
from k on. A round adds `--tries` tries to a point, as the real search's rounds do. The blame is right (its
candidate is d) or wrong (it reads the last call, n, as rule 5 does). Each row: the search's own bound (rounds,
model calls), the points, rounds and calls it took (worst and mean), and its verdicts: right, unsure, budget (its
own bound reached), no_rescue, or wrong (a call verified that is not d). The named alternative is no search: reading
the blame alone, right only when the blame is.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namel3ss_debug.judging.experiment import VERIFIED, ForkPoint, PointTried, Search

OUTCOMES = ("right", "unsure", "budget", "no_rescue", "wrong")


def one_search(n: int, d: int, candidate: int, rescue: float, tries: int, seed: int) -> tuple[int, int, int, str]:
    """(points tried, rounds, model calls, outcome) of one search."""
    chance = random.Random(seed)
    points = [ForkPoint(f"llm:x#{index}", index, index) for index in range(1, n + 1)]
    search = Search(points, (candidate,), tries)
    tried: dict[int, PointTried] = {}
    rounds = calls = 0
    while (index := search.next(tried)) is not None:
        passes = sum(index <= d and chance.random() < rescue for _ in range(tries))
        was = tried.get(index, PointTried(points[index - 1], 0, 0))
        tried[index] = PointTried(was.point, was.tries + tries, was.passes + passes)
        rounds += 1
        calls += tries * (n - index + 1)
    conclusion = search.conclude(tried, None)
    if conclusion.verdict == VERIFIED:
        outcome = "right" if conclusion.decisive is not None and conclusion.decisive.index == d else "wrong"
    else:
        outcome = conclusion.reason or "?"
    return len(tried), rounds, calls, outcome


def row(n: int, rescue: float, blame: str, tries: int, seeds: int) -> str:
    found = []
    for seed in range(seeds):
        d = random.Random(10_000 + seed).randint(1, n - 1)
        found.append(one_search(n, d, n if blame == "wrong" else d, rescue, tries, seed))
    points = [item[0] for item in found]
    rounds = [item[1] for item in found]
    calls = [item[2] for item in found]
    bound_rounds, bound_calls = Search([ForkPoint("x", 1, 1)] * n, (n,), tries).most_calls()
    shares = " | ".join(f"{100 * sum(item[3] == outcome for item in found) / seeds:.1f}" for outcome in OUTCOMES)
    cells = [f"{n:,}", str(rescue), blame, f"{bound_rounds}, {bound_calls:,}",
             f"{max(points)} ({statistics.mean(points):.1f})", f"{max(rounds)} ({statistics.mean(rounds):.1f})",
             f"{max(calls):,} ({statistics.mean(calls):,.0f})"]
    return "| " + " | ".join(cells) + f" | {shares} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2000, help="searches a row (default 2,000)")
    parser.add_argument("--tries", type=int, default=3, help="tries a round (default 3)")
    args = parser.parse_args()
    print(f"`python bench/experiment_search.py --seeds {args.seeds} --tries {args.tries}`: shares in %, worst (mean)")
    print()
    print("| n | rescue | blame | bound: rounds, calls | points | rounds | model calls | "
          + " | ".join(f"{outcome} %" for outcome in OUTCOMES) + " |")
    print("|" + "---|" * (7 + len(OUTCOMES)))
    for n in (10, 100, 1000):
        for rescue in (0.5, 0.7):
            for blame in ("wrong", "right"):
                print(row(n, rescue, blame, args.tries, args.seeds), flush=True)


if __name__ == "__main__":
    main()
