"""`verify`'s verdict: what the app's current code did to the recorded run's outcome.

A run's outcome (`outcome.py`) passes, or fails in one or more ways (failures: how it ended, each error by
type and handled or not, each rule of the workspace's `checks` it broke, `--expect`). One try of the new code is
judged against the recording by these rules, in this order:

1. A try that a call the recording could not answer stopped (a miss: give `--base-url` or `--live` to let it go
   live) has no outcome of its own, only what failed before the stop: **regressed** when that is already a failure
   the recording has not and the new run had got no further than the recording's first failure (a recording that
   passed has none: any failure before the stop is new), else **inconclusive**. Also **inconclusive** when the new
   run wrote no trace, or the recording has no outcome (it never ended).
2. **fixed**: the recording failed, the new run passes.
3. **regressed**: the recording passed, the new run fails.
4. Both pass: **unchanged**.
5. Both fail, their failures compared as multisets of labels (`unhandled ValueError`, `check max_errors`...):
   - the new run's are a strict part of the recording's: **improved** (fewer failures);
   - the same failures: **improved** when the new run's first failure came later (more LLM and tool calls
     completed before it: it got further), **regressed** when sooner, else **unchanged**;
   - the new run has a failure the recording has not: **improved** when it got further (the recorded failure
     no longer stops it, a later one does), else **regressed**.

The call-by-call comparison (`call_compare.py`) does not decide the verdict: a fix is judged by the outcome,
whichever step changed (several different edits can each fix one failure). It says whether the new run took
the recorded path (every call the same or reworded) and names the first real divergence.

Repeated tries (`--repeat K`) give one verdict when they all agree, and **inconclusive** when they do not (live
calls answered differently from try to try, and the outcome changed with them). pass^k (tau-bench) is the
chance that k tries in a row all pass, estimated from n tries with c passes as C(c, k) / C(n, k).

Exit codes: fixed, improved, unchanged 0; regressed, inconclusive 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import comb
from typing import Sequence

from .outcome import Outcome, counted

FIXED, IMPROVED, REGRESSED, UNCHANGED, INCONCLUSIVE = "fixed", "improved", "regressed", "unchanged", "inconclusive"
VERDICTS = (FIXED, IMPROVED, REGRESSED, UNCHANGED, INCONCLUSIVE)
FAILING = frozenset({REGRESSED, INCONCLUSIVE})  # the verdicts that exit 1


@dataclass(frozen=True)
class Verdict:
    """A verdict and why, in one clause."""

    verdict: str
    why: str

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict in FAILING else 0


def judge(recorded: Outcome | None, new: Outcome | None, stopped: str | None = None) -> Verdict:
    """One try's verdict (rules 1 to 5 of the module docstring). `stopped`: why the app was stopped before it
    could end on its own (a miss), or None."""
    if stopped is not None:
        return _stopped(recorded, new, stopped)
    if new is None:
        return Verdict(INCONCLUSIVE, "the new run wrote no trace")
    if recorded is None or recorded.status not in ("completed", "failed"):
        return Verdict(INCONCLUSIVE, "the recorded run never ended, so it has no outcome to compare with")
    if not recorded.passed:
        return _was_failing(recorded, new)
    if new.passed:
        return Verdict(UNCHANGED, "both runs pass")
    return Verdict(REGRESSED, f"the recorded run passed, the new run {new.summary()}")


def _stopped(recorded: Outcome | None, before: Outcome | None, stopped: str) -> Verdict:
    """A stopped try: regressed by a new failure it had before the stop (rule 1), else inconclusive."""
    if recorded is None or before is None or recorded.status not in ("completed", "failed"):
        return Verdict(INCONCLUSIVE, f"the new run was stopped: {stopped}")
    added = Counter(before.labels()) - Counter(recorded.labels())
    if added and (recorded.passed or before.reached <= recorded.reached):
        names = counted(sorted(added.elements()))
        return Verdict(REGRESSED, f"before it was stopped, the new run failed where the recording did not: {names} "
                                  f"(then {stopped})")
    return Verdict(INCONCLUSIVE, f"the new run was stopped: {stopped}")


def _was_failing(recorded: Outcome, new: Outcome) -> Verdict:
    if new.passed:
        return Verdict(FIXED, f"the recorded run {recorded.summary()}; the new run passes")
    old_labels, new_labels = Counter(recorded.labels()), Counter(new.labels())
    further = _further(recorded, new)
    if new_labels == old_labels:
        if further:
            return Verdict(IMPROVED, f"the same failures, after more calls: {further}")
        if new.reached < recorded.reached:
            return Verdict(REGRESSED, f"the same failures, after fewer calls ({new.reached}, recorded "
                                      f"{recorded.reached})")
        return Verdict(UNCHANGED, f"both runs {new.summary()}")
    added = new_labels - old_labels
    if not added:
        gone = counted(sorted((old_labels - new_labels).elements()))
        return Verdict(IMPROVED, f"fewer failures: {gone} no longer; the new run {new.summary()}")
    names = counted(sorted(added.elements()))
    if further:
        return Verdict(IMPROVED, f"the recorded failures no longer stop it, it gets further ({further}) and "
                                 f"then fails: {names}")
    return Verdict(REGRESSED, f"the new run fails where the recording did not: {names}")


def _further(recorded: Outcome, new: Outcome) -> str:
    """`5 calls completed before the first failure, recorded 2` when the new run got further; else empty."""
    if new.reached <= recorded.reached:
        return ""
    return f"{new.reached} calls completed before the first failure, recorded {recorded.reached}"


@dataclass(frozen=True)
class Repeats:
    """The verdicts of repeated tries, what they add up to, and pass^k for k = 1..n."""

    verdict: Verdict
    tries: tuple[Verdict, ...]
    passes: int
    pass_k: tuple[float, ...]


def over_tries(tries: Sequence[Verdict], passed: Sequence[bool]) -> Repeats:
    """The verdict of `tries` (one a try, with whether its run passed): theirs when they agree, else
    inconclusive."""
    found = Counter(verdict.verdict for verdict in tries)
    if len(found) == 1:
        verdict = tries[0] if len(tries) == 1 else Verdict(tries[0].verdict, f"all {len(tries)} tries: {tries[0].why}")
    else:
        told = ", ".join(f"{count} {name}" for name, count in found.most_common())
        verdict = Verdict(INCONCLUSIVE, f"the tries disagree ({told}): the outcome depends on how the live calls "
                                        "were answered")
    passes = sum(passed)
    return Repeats(verdict, tuple(tries), passes, pass_hat(len(passed), passes))


def pass_hat(tries: int, passes: int) -> tuple[float, ...]:
    """pass^k for k = 1..`tries`: the chance that k tries drawn from these all pass, C(c, k) / C(n, k).

    >>> pass_hat(5, 3)
    (0.6, 0.3, 0.1, 0.0, 0.0)
    """
    return tuple(comb(passes, k) / comb(tries, k) for k in range(1, tries + 1))
