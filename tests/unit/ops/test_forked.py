"""Work done by a forked process: its result comes back, one of our errors is raised here as it was there,
and a fork that fails costs time, never the answer (the work is done here instead)."""

from __future__ import annotations

import os

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops.split.forked import Forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork and 2 CPUs")


def test_the_result_comes_back_from_another_process() -> None:
    here = os.getpid()
    work = Forked(lambda: (os.getpid(), [n * n for n in range(1000)]))
    pid, squares = work.result()
    assert pid != here and squares[-1] == 999 * 999


def test_our_error_is_raised_here_with_its_hint() -> None:
    def fails() -> None:
        raise TraceError("BASE run.jsonl: no events", hint="the trace is empty")

    with pytest.raises(TraceError) as raised:
        Forked(fails).result()
    assert (str(raised.value), raised.value.hint) == ("BASE run.jsonl: no events (the trace is empty)",
                                                      "the trace is empty")


def test_a_result_that_does_not_pickle_is_made_here_instead() -> None:
    here = os.getpid()
    work = Forked(lambda: (os.getpid(), lambda: None) if os.getpid() != here else (os.getpid(), None))
    assert work.result()[0] == here


def test_a_crash_in_the_fork_makes_the_work_run_here() -> None:
    here = os.getpid()

    def crashes_there() -> int:
        if os.getpid() != here:
            os._exit(9)
        return 42

    assert Forked(crashes_there).result() == 42
