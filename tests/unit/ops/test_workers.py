"""Many runs read in worker processes (`ops/workers.py`): the answers in the runs' order, what one process gives;
a few runs read in the asking process; a worker that dies is one clear error."""

from __future__ import annotations

import os

import pytest

from namel3ss_debug.model.errors import Namel3ssDebugError, TraceError
from namel3ss_debug.ops.workers import CHUNK, MIN_PARALLEL, in_order, workers_for

SET_UP: list[int] = []


def set_up(offset: int) -> None:
    SET_UP[:] = [offset]


def shifted(item: int) -> tuple[int, int]:
    """The item with the worker's offset, and the process that worked on it."""
    return item + SET_UP[0], os.getpid()


def dies_at_seven(item: int) -> int:
    if item == 7:
        os._exit(3)  # a worker killed in the middle of its work
    return item


class Unreadable(TraceError):
    """An error whose constructor takes other arguments than its words."""

    def __init__(self, path: str, line: int):
        super().__init__(f"cannot read line {line}", where=path, hint="write it again")
        self.line = line


def refuses_nine(item: int) -> int:
    if item == 9:
        raise Unreadable("run-9.jsonl", 12)
    return item


def test_an_error_raised_in_a_worker_is_raised_here_whole() -> None:
    """Its type, words, place, hint and a subclass's own fields, whatever its constructor takes
    (`Namel3ssDebugError.__reduce__`)."""
    with pytest.raises(Unreadable) as raised:
        list(in_order(refuses_nine, list(range(40)), 2, set_up, (0,)))
    assert (str(raised.value), raised.value.line) == ("run-9.jsonl: cannot read line 12 (write it again)", 12)


def test_the_answers_come_in_the_items_order_from_workers_set_up_once_each() -> None:
    answers = list(in_order(shifted, list(range(100)), 2, set_up, (1000,)))
    assert [value for value, _ in answers] == list(range(1000, 1100))
    assert os.getpid() not in {pid for _, pid in answers}


def test_a_few_runs_or_one_job_are_read_in_the_asking_process() -> None:
    assert workers_for(MIN_PARALLEL - 1, 8) == 0 and workers_for(1000, 1) == 0
    assert workers_for(MIN_PARALLEL, 8) == MIN_PARALLEL // CHUNK and workers_for(1000, 2) == 2


def test_a_worker_that_dies_is_one_clear_error() -> None:
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped while reading 40 runs in 2 processes"):
        list(in_order(dies_at_seven, list(range(40)), 2, set_up, (0,)))
