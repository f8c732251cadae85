"""`diagnose --experiment`'s search: the model call after which re-asking the model no longer rescues a failed run.

The run's model calls are its fork points, 1..n in the order they started. A try at point k replays the calls
before k from the recording and sends k and every model call after it live (a `reask` fork, `rerun/fork.py`); it
**rescues** the run when the new run passes (`outcome.py`: the failed-run definition, `checks` and `--expect`).
Re-asking from an early point re-asks every later call too, so when the failure was sealed at call d, points up
to d can rescue and points after d cannot: the **decisive** call is the last point that rescued, when the next
point (or, after the last call, the recording itself, which failed) did not.

The search keeps, over the points tried, `lo`, the last point that rescued (0: none yet), and `hi`, the first
point after it whose judged tries all failed (n + 1: the recording). It tries, in order:
1. the blame's candidates (its decisive step and runners-up, as `diagnose` reads them) that fall between `lo`
   and `hi`, and the point right after a candidate that rescued: a reading that is right costs two points;
2. with nothing rescued yet, point 1 (re-ask everything: if that does not rescue, no point will);
3. the middle of (`lo`, `hi`): a binary search, so about log2(n) points after the candidates.
When `hi` is `lo` + 1, the boundary must be more than chance: a point whose few tries all failed may still rescue
the run now and then (0 of 3 allows a rate up to 56%), which would put the boundary too early. So the boundary is
**verified** only when the drop from `lo`'s rescue rate to `hi`'s is unlikely by chance (`significant`: Fisher's
exact test, one-sided, at 5%); until it is, `hi` and then `lo` get another round of tries, up to `MORE` rounds
each. A try at `hi` that passes moves the boundary on, and the search goes on from there; rounds spent without a
clear drop end in **not confirmed** (`unsure`). (After the run's last call, `hi` is the recording itself: it
failed, for sure.) Likewise point 1 gets up to `MORE` rounds before the search says that no point rescues the run
(**not confirmed**, `no_rescue`: it fails whatever the model says); and it stops when no point between `lo` and
`hi` can be judged (their tries were stopped).

Pure: the tries are given to it. A point whose tries were all stopped before an outcome (a miss, the budget) is
tried but unknown: it bounds nothing.

    search = Search(points, candidates=(5, 3))
    search.next(tried)            # the index of the next point to try, or None
    search.conclude(tried, None)  # the Conclusion
"""

from __future__ import annotations

from math import comb
from typing import Mapping, Optional, Sequence

import msgspec

from .interval import wilson

VERIFIED, NOT_CONFIRMED = "verified", "not confirmed"
# Why a blame is not confirmed: no point rescued the run; the budget (--max-calls, --max-cost) or Ctrl-C stopped the
# search; the points that would decide could not be judged (their tries stopped at a miss)
# whatever was tried, the drop in rescue rate at the boundary stayed within chance
NO_RESCUE, BUDGET, INTERRUPTED, UNJUDGED, UNSURE = "no_rescue", "budget", "interrupted", "unjudged", "unsure"
REASONS = (NO_RESCUE, BUDGET, INTERRUPTED, UNJUDGED, UNSURE)
MORE = 4  # at most this many rounds of tries at each side of a boundary, and at the first point before no_rescue
ALPHA = 0.05  # how unlikely a drop must be by chance alone to count (`significant`)


class ForkPoint(msgspec.Struct, frozen=True):
    """A model call of the run, where a try may start re-asking."""

    call: str  # its address, `llm:openai.chat#3`: `replay --rerun --fork CALL` forks there
    index: int  # 1..n among the run's model calls, in the order they started
    seq: int  # its start event's seq
    agent: Optional[str] = None  # the agent it ran in, when known
    candidate: Optional[int] = None  # its rank among the blame's candidates (0: the blame's own step); None: not one


class PointTried(msgspec.Struct, frozen=True):
    """The tries made at one fork point: how many, how many passed, how many were stopped with no outcome."""

    point: ForkPoint
    tries: int
    passes: int
    stopped: int = 0  # tries stopped before the run ended (a miss, the budget): neither passed nor failed
    forks: list[str] = msgspec.field(default_factory=list)  # each try's new run id, in order
    # each try's outcome, beside its fork: `passed`, how it failed (`failed: ...`), or `stopped: WHY`
    outcomes: list[str] = msgspec.field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.tries - self.stopped

    @property
    def rescued(self) -> bool:
        return self.passes > 0

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval of the rescue rate, over the judged tries."""
        return wilson(self.passes, self.judged)

    def interval_text(self) -> str:
        """`21-94%`: the interval in whole percents."""
        low, high = self.interval
        return f"{low * 100:.0f}-{high * 100:.0f}%"

    def rate_text(self) -> str:
        """`2/3 passed (95% interval 21-94%)`."""
        return f"{self.passes}/{self.judged} passed (95% interval {self.interval_text()})"


class Conclusion(msgspec.Struct, frozen=True):
    """What the tries showed: the decisive call `verified`, or `not confirmed` and why (`REASONS`)."""

    verdict: str  # VERIFIED | NOT_CONFIRMED
    why: str  # one sentence, with the rates
    reason: Optional[str] = None  # one of REASONS when not confirmed
    decisive: Optional[ForkPoint] = None  # verified: the call after which no re-ask rescued the run
    at: Optional[PointTried] = None  # verified: the tries re-asking from the decisive call on
    after: Optional[PointTried] = None  # verified: the tries from the next call on; None: the recording's own end
    # where the decisive call lies as far as the tries tell: [first, last] of the calls it may be (both ends
    # included; one call when verified); None while no point has rescued the run
    between: Optional[list[str]] = None


class Search:
    """The search over `points` (their indices 1..n), trying `candidates` (indices, best first) before bisecting."""

    def __init__(self, points: Sequence[ForkPoint], candidates: Sequence[int] = (), tries: int = 3):
        self.points = list(points)
        self.candidates = [index for index in dict.fromkeys(candidates) if 1 <= index <= len(self.points)]
        self.tries = tries  # a round at a point

    @property
    def end(self) -> int:
        """The index past the last call: the recording itself, which failed."""
        return len(self.points) + 1

    def bounds(self, tried: Mapping[int, PointTried]) -> tuple[int, int]:
        """(`lo`, `hi`): the last point that rescued (0: none), the first judged point after it that did not
        (`end`: none)."""
        lo = max((index for index, done in tried.items() if done.rescued), default=0)
        hi = min((index for index, done in tried.items() if index > lo and done.judged and not done.rescued),
                 default=self.end)
        return lo, hi

    def next(self, tried: Mapping[int, PointTried]) -> int | None:
        """The index of the next point to try, or None when the tries so far decide, nothing is left, or the
        search's own bound of rounds is reached (`most_rounds`)."""
        if self.rounds(tried) >= self.most_rounds:
            return None
        lo, hi = self.bounds(tried)
        if lo >= 1 and hi == lo + 1:
            return self._firmer(tried, lo, hi)
        for index in self.candidates:
            if lo < index < hi and index not in tried:
                return index
            if index == lo and index + 1 < hi and index + 1 not in tried:
                return index + 1
        open_ = [index for index in range(lo + 1, hi) if index not in tried]
        first = tried.get(1)
        if lo == 0 and first is not None and first.judged and first.tries < MORE * self.tries:
            return 1  # nothing rescued from the first call on yet: more rounds there before saying none will
        if not open_:
            return None
        if lo == 0:
            return open_[0]  # nothing rescued yet: the earliest point, which re-asks the most
        middle = (lo + hi) // 2
        return min(open_, key=lambda index: (abs(index - middle), index))

    def _firmer(self, tried: Mapping[int, PointTried], lo: int, hi: int) -> int | None:
        """At a boundary: None when it is sure (or nothing more may be tried), else the side that gets another
        round: `hi` while it has rounds left, then `lo`."""
        if hi == self.end or significant(tried[lo], tried[hi], self.tries):
            return None
        for index in (hi, lo):
            if tried[index].tries < MORE * self.tries:
                return index
        return None

    @property
    def most_rounds(self) -> int:
        """The search's own bound on its rounds (a round: `tries` tries at a point): three times the points a
        bisection visits (a point that fails a round by chance makes it search again past it), and the rounds at
        a boundary and at point 1. It stops there, `not confirmed` (`budget`), rather than go on unbounded."""
        n = len(self.points)
        return 3 * min(n, 2 * len(self.candidates) + 1 + n.bit_length()) + 3 * (MORE - 1)

    def rounds(self, tried: Mapping[int, PointTried]) -> int:
        """The rounds made so far (a round cut short counts whole)."""
        return sum(-(-done.tries // self.tries) for done in tried.values())

    def most_calls(self) -> tuple[int, int]:
        """At most how many rounds the search makes, and how many model calls the recording says they re-ask at
        most (each try at point k re-asks the n - k + 1 calls from k on; a live run may ask more or fewer:
        `--max-calls` holds whatever it asks)."""
        return self.most_rounds, self.tries * self.most_rounds * len(self.points)

    def conclude(self, tried: Mapping[int, PointTried], stopped: str | None, how: str | None = None) -> Conclusion:
        """The conclusion of the tries so far; `stopped`: BUDGET or INTERRUPTED when the search was cut short, `how`
        what ran out (`--max-calls 30: 28 sent, the next try re-asks 4`)."""
        lo, hi = self.bounds(tried)
        if lo >= 1 and hi == lo + 1:
            if hi == self.end or significant(tried[lo], tried[hi], self.tries):
                return self._verified(tried, lo, hi)
            hi = self.end  # a boundary within chance bounds nothing: any later call may still be decisive
        between = [self.points[lo - 1].call, self.points[hi - 2].call] if lo >= 1 else None
        if stopped is None and self.rounds(tried) >= self.most_rounds:
            stopped, how = BUDGET, f"the search's own bound of {self.most_rounds} rounds"
        if stopped is not None:
            return Conclusion(NOT_CONFIRMED, _cut_short(stopped, how, self.points, lo, hi), stopped, between=between)
        after = tried.get(lo + 1) if lo >= 1 else None
        if after is not None and after.judged and not after.rescued:
            at = tried[lo]
            return Conclusion(NOT_CONFIRMED, f"re-asking from {at.point.call} on, {at.rate_text()}; from "
                              f"{after.point.call} on, {after.rate_text()}: a drop no wider than chance, so a re-ask "
                              f"from {after.point.call} may still rescue the run", UNSURE, between=between)
        first = tried.get(1)
        if lo == 0 and first is not None and first.judged:
            return Conclusion(NOT_CONFIRMED, f"re-asking the model from the first call on did not rescue the run "
                              f"({first.rate_text()}): it fails whatever the model says as far as these forks tell, "
                              "so no model call is decisive", NO_RESCUE, between=between)
        return Conclusion(NOT_CONFIRMED, "the tries that would decide were stopped before the run ended (a miss, "
                          f"shown with each point): {_between(self.points, lo, hi)}", UNJUDGED, between=between)

    def _verified(self, tried: Mapping[int, PointTried], lo: int, hi: int) -> Conclusion:
        at, after = tried[lo], tried.get(hi)
        decisive = self.points[lo - 1]
        then = f"re-asking from {self.points[hi - 1].call} on, {after.rate_text()}" if after is not None \
            else "with its answer kept, the run failed as recorded"
        why = f"re-asking from {decisive.call} on, {at.rate_text()}; {then}"
        return Conclusion(VERIFIED, why, None, decisive, at, after, [decisive.call, decisive.call])


def significant(at: PointTried, after: PointTried, first_round: int) -> bool:
    """Whether the rescue rate drops for sure from `at` to `after`, the next point, whose tries all failed: Fisher's
    exact test, one-sided, at 5% (the chance that forks rescuing as often at both points split their passes this
    unevenly), on `after`'s tries past its `first_round`. That round is what made `after` the boundary (it was
    chosen for failing, so it is no evidence of the drop: counted, a point that rescues half the time would be
    named past one time in eight). 3 of 3 against a fresh 0 of 3 is 5%, not enough; against 0 of 6, 1.2%."""
    fresh = after.judged - min(first_round, after.judged)
    return after.passes == 0 and drop_p_value(at.passes, at.judged, 0, fresh) < ALPHA


def drop_p_value(passes: int, tries: int, after_passes: int, after_tries: int) -> float:
    """The one-sided p-value of Fisher's exact test that `passes` of `tries` is a higher rate than `after_passes`
    of `after_tries`: the hypergeometric chance of `passes` or more of all the passes falling in the first group."""
    total, passed = tries + after_tries, passes + after_passes
    if tries == 0 or after_tries == 0:
        return 1.0
    ways = comb(total, tries)
    return sum(comb(passed, k) * comb(total - passed, tries - k) for k in range(passes, min(passed, tries) + 1)) / ways


def _cut_short(stopped: str, how: str | None, points: Sequence[ForkPoint], lo: int, hi: int) -> str:
    what = "the budget ran out" if stopped == BUDGET else "it was interrupted"
    what += f" ({how})" if how else ""
    if lo == 0:
        return f"{what} before any fork point rescued the run"
    return f"{what} before the decisive call was found: {_between(points, lo, hi)}"


def _between(points: Sequence[ForkPoint], lo: int, hi: int) -> str:
    """Where the decisive call is, as far as the tries tell: `it is after X and at or before Y`."""
    if lo == 0:
        return "no fork point has rescued the run yet"
    last = points[hi - 2].call  # the last point that may still be decisive
    if hi - 1 == lo:
        return f"it is {points[lo - 1].call}"
    return f"it is one of {points[lo - 1].call} to {last} ({hi - lo} calls)"
