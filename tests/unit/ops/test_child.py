"""A forked process of ours (`ops/split/child.py`): it runs its target and ends, is waited for or stopped, reads
nothing of this process's standard input, and shares a count with this process."""

from __future__ import annotations

import os
import sys
import time

from namel3ss_debug.ops.split import pipe
from namel3ss_debug.ops.split.child import Child, SharedCount


def test_a_child_runs_its_target_and_ends_with_its_outcome(tmp_path):
    mark = tmp_path / "ran"
    done = Child(lambda: mark.write_text(str(os.getpid())))
    done.join()
    assert not done.is_alive() and os.WEXITSTATUS(done.status) == 0
    assert int(mark.read_text()) == done.pid != os.getpid()

    def fails() -> None:
        raise RuntimeError("boom")

    failed = Child(fails)
    failed.join()
    assert os.WEXITSTATUS(failed.status) == 1


def test_a_child_shares_a_count_and_reads_nothing_of_standard_input(monkeypatch):
    receiver, sender = pipe.pipe()
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"for the parent only\n")
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_fd, "r"))
    shared = SharedCount()

    def work() -> None:
        shared.value += 41
        shared.value += 1
        pipe.send(sender, sys.stdin.read())

    child = Child(work)
    sender.close()
    with receiver:
        assert pipe.receive(receiver) == ""
    child.join()
    assert shared.value == 42
    assert sys.stdin.readline() == "for the parent only\n"
    os.close(write_fd)


def test_a_child_still_running_is_terminated_and_a_wait_can_end_first():
    child = Child(lambda: time.sleep(30))
    started = time.monotonic()
    child.join(timeout=0.05)
    assert child.is_alive()
    child.terminate()
    assert not child.is_alive() and time.monotonic() - started < 5
    child.terminate()  # ended already: nothing to do
