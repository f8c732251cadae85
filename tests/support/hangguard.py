"""A hang guard for a test that runs, in this process, what could wait for ever on a FIFO at a name the tool
chose: the wall clock stops it with `Hung`, a BaseException that no `except Exception` (or `except OSError`) of
ours swallows, so the test fails instead of the session hanging.

    with bounded(60):
        rewrite_lines(str(trace), change)

The bound is a guard, not a budget: it is many times what the work takes on a loaded machine. Main thread only
(signals are delivered there).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GUARD_SECONDS = 60.0


class Hung(BaseException):
    """The guarded work did not end within its bound: it waits on something (a FIFO)."""


@contextmanager
def bounded(seconds: float = GUARD_SECONDS) -> Iterator[None]:
    """Stop the block with `Hung` once `seconds` of wall clock have passed."""
    def stop(signum: int, frame: Any) -> None:
        raise Hung(f"did not end within {seconds} s: waiting on something (a FIFO?)")

    saved = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, saved)
