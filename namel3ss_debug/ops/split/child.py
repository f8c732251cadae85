"""A forked process of ours (`forked.py`, `second_half.py`): started with `os.fork`, waited for and stopped here.

Not `multiprocessing`: importing it with its pipes and shared values took 13 ms before a big run's second half
could start, and we use none of what it adds (spawning, pickled targets, managers). What it did in the child
that matters is done here too: standard input is closed and replaced with /dev/null (the child must not read
what the parent reads), and the child ends with `os._exit`, so neither atexit handlers nor a second flush of
the parent's buffers run in it.
"""

from __future__ import annotations

import mmap
import os
import signal
import sys
import time
from typing import Callable

_POLL = 0.005  # seconds between looks at a child that is being waited for with a timeout


class Child:
    """`target()` running in a forked process, started now. Flush what this process has buffered first: the
    child would write it a second time."""

    def __init__(self, target: Callable[[], None]):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                _quiet_stdin()
                target()
                code = 0
            finally:
                _flush()
                os._exit(code)
        self.pid = pid
        self.status: int | None = None  # the wait status, once reaped

    def is_alive(self) -> bool:
        return self.status is None and not self._reaped(os.WNOHANG)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the child ends, or at most `timeout` seconds."""
        if timeout is None:
            self._reaped(0)
            return
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(_POLL)

    def terminate(self) -> None:
        """End the child (SIGTERM) if it is still running, and wait for it a moment."""
        if self.is_alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.join(timeout=1.0)

    def _reaped(self, flags: int) -> bool:
        """Whether the child has ended (and is reaped now), waiting for it unless `flags` says WNOHANG."""
        if self.status is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped already
            self.status = 0
            return True
        if pid == 0:
            return False
        self.status = status
        return True


class SharedCount:
    """A number both sides of a fork see: 8 bytes of memory mapped shared before the fork (the second reader's
    bytes read, for the progress bar). One writer; a word is read and written whole."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 8)
        self._cell = memoryview(self._memory).cast("q")

    @property
    def value(self) -> int:
        return self._cell[0]

    @value.setter
    def value(self, number: int) -> None:
        self._cell[0] = number


def _flush() -> None:
    """What the child itself wrote, out before it exits (what the parent had buffered was flushed before the fork)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def _quiet_stdin() -> None:
    try:
        sys.stdin.close()
        sys.stdin = open(os.devnull)  # for the rest of the child's life
    except (OSError, ValueError, AttributeError):
        pass
