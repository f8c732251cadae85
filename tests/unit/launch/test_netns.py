"""The rerun's network namespace (launch/netns.py): a thread in it reaches its own loopback and nothing
else, the kernel counts each attempt that went nowhere, and the thread comes back; where the kernel
refuses, nothing changes and the refusal says why. Each namespace is entered in a thread of its own."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

import pytest
from support.launchhelpers import drop_sys_admin, in_thread

from namel3ss_debug.launch import netns

linux_root = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="enters a network namespace as root")

SNMP = """Ip: Forwarding DefaultTTL InReceives OutNoRoutes
Ip: 1 64 10 3
Icmp: InMsgs OutMsgs
Icmp: 2 2
Tcp: RtoAlgorithm ActiveOpens AttemptFails
Tcp: 1 4 2
Udp: InDatagrams NoPorts OutDatagrams
Udp: 5 1 7
"""
SNMP6 = "Ip6InReceives                   \t4\nIp6OutNoRoutes                  \t5\nUdp6NoPorts  \t1\n"


THREAD_ONLY = ("a network namespace with its own loopback up, nothing else, for the app's thread only, which code "
               "running as root can leave (a user namespace cannot be left again, so it is entered only by the "
               "namel3ss-debug command, not by a process that goes on after the rerun)")


def own_namespace() -> str:
    return os.readlink("/proc/thread-self/ns/net")


def test_the_attempts_that_went_nowhere_are_summed_from_the_kernels_counters(tmp_path: Path):
    (tmp_path / "snmp").write_text(SNMP)
    (tmp_path / "snmp6").write_text(SNMP6)
    with (tmp_path / "snmp").open() as snmp, (tmp_path / "snmp6").open() as snmp6:
        assert netns.unanswered((snmp, snmp6)) == 3 + 5 + 2 + 1 + 1
        assert netns.unanswered((snmp, snmp6)) == 3 + 5 + 2 + 1 + 1  # read again from the start


@linux_root
def test_a_thread_in_the_namespace_reaches_its_own_loopback_only_and_comes_back():
    host = socket.create_server(("127.0.0.1", 0))  # on the host's loopback
    outside = own_namespace()

    def inside() -> dict[str, object]:
        entered = netns.enter(own_process=False)
        seen: dict[str, object] = {"how": entered.how, "moved": own_namespace() != outside}
        seen["host"] = socket.socket().connect_ex(host.getsockname())
        with socket.create_server(("127.0.0.1", 0)) as own:  # a server the app starts for itself
            seen["own"] = socket.socket().connect_ex(own.getsockname())
        seen["far"] = socket.socket().connect_ex(("192.0.2.1", 80))
        seen["unanswered"] = netns.unanswered(entered.counters)
        netns.leave(entered)
        seen["back"] = own_namespace() == outside and socket.socket().connect_ex(host.getsockname()) == 0
        return seen

    with host:
        seen = in_thread(inside)
    assert seen == {"how": THREAD_ONLY, "moved": True,
                    "host": errno.ECONNREFUSED, "own": 0, "far": errno.ENETUNREACH, "unanswered": 2, "back": True}
    assert own_namespace() == outside  # pytest's thread never moved


@linux_root
@pytest.mark.parametrize(("own_process", "threads", "why"), [
    (False, None, "unshare(CLONE_NEWNET): Operation not permitted, and a user namespace cannot be left again, so "
                  "it is entered only by the namel3ss-debug command, not by a process that goes on after the rerun"),
    (True, lambda: 2, "unshare(CLONE_NEWNET): Operation not permitted, and a user namespace needs a process with "
                      "one thread (this one has 2)"),
])
def test_without_cap_sys_admin_a_namespace_is_refused_where_it_could_not_be_left_and_nothing_changes(
        own_process, threads, why):
    def without() -> tuple[object, bool]:
        before = own_namespace()
        drop_sys_admin()
        try:
            netns.enter(own_process, threads)
        except netns.NamespaceRefused as refused:
            return str(refused), own_namespace() == before
        return "entered", False

    assert in_thread(without) == (why, True)


def test_elsewhere_than_linux_there_are_no_network_namespaces(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(netns.NamespaceRefused, match="^network namespaces are Linux's, and this is darwin$"):
        netns.enter(own_process=True)
