"""How a piece of work grows with its input, for tests that guard against time in the square (a hang on
hostile input). CPU time of this process, the best of several tries, with the garbage collector off: a full
collection walks every object the test worker holds, which made a linear reading look 2.5 times too slow
under CI's load. The bound sits between the linear and the square ratio, a factor four from each."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def cpu_seconds(work: Callable[[], object], tries: int = 5) -> float:
    """The least CPU time `work()` took over `tries` calls, the collector off while it runs."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(tries):
            started = time.process_time()
            work()
            best = min(best, time.process_time() - started)
    finally:
        if enabled:
            gc.enable()
    return best


def assert_linear(timed: Callable[[int], float], small: int, big: int) -> None:
    """`timed(size)` grows about as the size does from `small` to `big`: a ratio past four times the sizes'
    ratio fails, which is a quarter of what time in the square would give when `big` is 16 times `small`."""
    scale = big / small
    assert scale >= 16, "sizes too close to tell linear from square"
    small_seconds, big_seconds = timed(small), timed(big)
    assert big_seconds < 4 * scale * small_seconds, (small, small_seconds, big, big_seconds)
