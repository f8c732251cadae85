"""How a rerun closes the network (launch/closing.py): a namespace when nothing can run for real, the
in-process guard alone when a call may (and why), nothing with --on-miss live; the guard hears the app only
inside the block, and the report's record says what was done and what was stopped."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys

import pytest
from support.launchhelpers import drop_sys_admin, in_thread, make_rerun

from namel3ss_debug.launch.closing import closed_network
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.rerun.network import EVERYTHING, FOR_REAL, GUARD_OPEN, NAMESPACE_OPEN, Network

linux_root = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="enters a network namespace as root")
CONNECT = "import socket; socket.socket().connect_ex(('127.0.0.1', 9))"


def closing_of(rerun, act=lambda: None, own_process: bool = False) -> Network:
    """The record of a block that did `act()`."""
    with closed_network(rerun, own_process) as closing:
        act()
    assert closing.network is not None
    return closing.network


def connect() -> int:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", 9))


def test_the_guard_hears_the_app_inside_the_block_only():
    rerun = make_rerun(live_tools=True)
    with closed_network(rerun, own_process=False):
        with pytest.raises(RerunMiss, match="^connect 127.0.0.1:9: the network is closed"):
            connect()
    assert connect() == errno.ECONNREFUSED and len(rerun.rerun.tally.misses) == 1


@pytest.mark.parametrize(("options", "expected"), [
    ({"on_miss": "live"}, Network("open", "--on-miss live: a call the recording cannot answer runs for real",
                                  (EVERYTHING,))),
    ({"live_tools": True}, Network("guard", "--live-tools: tool bodies run for real, with the network",
                                   (*GUARD_OPEN, FOR_REAL))),
    ({"stepper": object()}, Network("guard", "the rerun's console can run a call live", (*GUARD_OPEN, FOR_REAL))),
])
def test_a_rerun_that_may_run_a_call_for_real_gets_no_namespace_and_says_why(options, expected):
    assert closing_of(make_rerun(**options)) == expected


@linux_root
def test_a_rerun_that_runs_nothing_for_real_runs_in_a_namespace_which_counts_what_a_child_tried():
    def child_connects() -> Network:
        return closing_of(make_rerun(), lambda: subprocess.run([sys.executable, "-I", "-c", CONNECT], check=True))

    network = in_thread(child_connects)
    assert network == Network("namespace", network.how, NAMESPACE_OPEN, stopped=1, processes=1,
                              started=("python from test_network_closing",))
    assert network.how.startswith("a network namespace with its own loopback up, nothing else, for the app's thread "
                                  "only, which code running as root can leave")


@linux_root
def test_where_no_namespace_can_be_entered_the_guard_alone_closes_the_network_and_says_so():
    def refused() -> Network:
        drop_sys_admin()
        return closing_of(make_rerun(), own_process=False)

    network = in_thread(refused)
    assert (network.closed_by, network.open_to) == ("guard", GUARD_OPEN)
    assert network.how.startswith("no network namespace: unshare(CLONE_NEWNET): Operation not permitted, and a user "
                                  "namespace cannot be left again")
