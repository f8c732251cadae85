"""The in-process guard (launch/guard.py): in a rerun whose network is closed, each of this process's ways
out is refused as a miss, before anything is sent; what stays on the machine is let through; with
`--on-miss live` nothing is refused and what went out is counted; a call the rerun runs for real keeps the
network until it ends."""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import sys
from typing import Any, Callable, Iterator

import pytest
from support.launchhelpers import make_rerun
from support.rerunhelpers import record
from support.stubs import TcpListener

from namel3ss_debug import get_tracer, trace_tool_call
from namel3ss_debug.launch.guard import RerunGuard
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer import watch


@pytest.fixture
def listener() -> Iterator[TcpListener]:
    started = TcpListener()
    yield started
    started.close()


def guarded(closed: bool = True, live_tools: bool = False, events: list[dict[str, Any]] | None = None) -> RerunGuard:
    return RerunGuard(make_rerun(events, live_tools=live_tools), closed)


def under(network: RerunGuard, act: Callable[[], Any]) -> Any:
    """What `act()` returned or raised, with `network` hearing the audit events."""
    watch.guard(network)
    try:
        return act()
    except BaseException as error:  # the test looks at what was raised
        return error
    finally:
        watch.unguard(network)


def udp(send: Callable[[socket.socket], Any]) -> Callable[[], Any]:
    def act() -> Any:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            return send(sock)
    return act


def ctypes_connect() -> Any:
    return ctypes.CDLL(None).connect


ROUTES = [
    ("connect 127.0.0.1:{port}", lambda port: lambda: socket.create_connection(("127.0.0.1", port), timeout=1)),
    ("connect [::1]:{port}", lambda port: lambda: socket.socket(socket.AF_INET6).connect_ex(("::1", port))),
    ("sendto 127.0.0.1:{port}", lambda port: udp(lambda sock: sock.sendto(b"x", ("127.0.0.1", port)))),
    ("sendmsg 127.0.0.1:{port}", lambda port: udp(lambda sock: sock.sendmsg([b"x"], [], 0, ("127.0.0.1", port)))),
    ("resolve n3probe.example", lambda port: lambda: socket.getaddrinfo("n3probe.example", port)),
    ("resolve n3probe.example", lambda port: lambda: socket.gethostbyname("n3probe.example")),
    ("resolve 192.0.2.1", lambda port: lambda: socket.gethostbyaddr("192.0.2.1")),
    ("connect through ctypes", lambda port: ctypes_connect),
]


@pytest.mark.parametrize(("call", "route"), ROUTES)
def test_a_closed_network_refuses_each_way_out_as_a_miss_before_it_is_sent(listener, call, route):
    network = guarded()
    refused = under(network, route(listener.address[1]))
    called = call.format(port=listener.address[1])
    assert isinstance(refused, RerunMiss) and str(refused).startswith(f"{called}: the network is closed")
    assert [miss.call for miss in network.rerun.rerun.tally.misses] == [called]
    assert listener.heard == []


@pytest.mark.parametrize("act", [
    lambda: socket.socketpair(),
    lambda: socket.getaddrinfo("127.0.0.1", 80),
    lambda: socket.getaddrinfo("localhost", 80),
    lambda: socket.getaddrinfo(None, 80),
    lambda: socket.gethostbyname(socket.gethostname()),
    lambda: socket.gethostbyaddr("127.0.0.1"),
    lambda: socket.create_server(("127.0.0.1", 0)).close(),  # an app may serve itself
    lambda: ctypes.CDLL(None).getpid(),
], ids=["socketpair", "numeric", "localhost", "no host", "own name", "loopback's name", "bind", "ctypes getpid"])
def test_what_stays_on_the_machine_is_let_through(act):
    network = guarded()
    assert not isinstance(under(network, act), BaseException)
    assert network.rerun.rerun.tally.misses == []


def test_a_send_on_a_connected_socket_is_let_through_its_connect_was_heard():
    network = guarded()
    left, right = socket.socketpair()
    with left, right:
        assert under(network, lambda: left.sendmsg([b"x"])) == 1
    assert network.rerun.rerun.tally.misses == []


def test_with_on_miss_live_nothing_is_refused_and_what_went_out_is_counted(listener):
    network = guarded(closed=False)
    under(network, lambda: socket.create_connection(listener.address, timeout=5).close())
    under(network, udp(lambda sock: sock.sendto(b"x", listener.address)))
    under(network, lambda: socket.getaddrinfo("localhost", 80))
    assert (network.reached, network.rerun.rerun.tally.misses) == (2, [])


def test_the_processes_the_app_starts_are_counted_not_refused():
    network = guarded()
    under(network, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    under(network, lambda: os.system("true"))
    assert (network.processes, network.rerun.rerun.tally.misses) == (2, [])


def test_each_process_counted_is_named_with_the_module_that_started_it():
    """A library's process (the platform module's `uname -p`, which an SDK's headers ask for) is not the app's."""
    import platform  # noqa: PLC0415 - its uncached way of asking, as processor() asks it once
    network = guarded()
    under(network, lambda: platform._Processor.from_subprocess())
    under(network, lambda: os.system("true"))
    assert network.started == ["uname from platform", f"true from {__name__}"]


def test_a_tool_body_that_runs_for_real_keeps_the_network_until_it_ends(listener):
    @trace_tool_call
    def notify() -> str:
        with socket.create_connection(listener.address, timeout=5) as sock:
            sock.sendall(b"tool")
        return "sent"

    def app() -> None:
        notify()
        with socket.create_connection(listener.address, timeout=5) as sock:  # after the tool: the app's own
            sock.sendall(b"app")

    _, events = record(app)
    assert listener.received(2) == [b"tool", b"app"]
    listener.take(settle=0)
    network = guarded(live_tools=True, events=events)
    get_tracer().rerun = network.rerun
    try:
        with capture_events():
            refused = under(network, app)
    finally:
        get_tracer().rerun = None
    assert isinstance(refused, RerunMiss) and listener.received(1) == [b"tool"]
    assert network.rerun.rerun.tally.counts["reran"] == 1
    assert [miss.call for miss in network.rerun.rerun.tally.misses] == [f"connect 127.0.0.1:{listener.address[1]}"]
