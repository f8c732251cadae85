"""What root can do from inside the rerun's network namespace (launch/netns.py, launch/closing.py): in a process
of its own, nothing that leads back to the host's network (its namespaces cannot be opened or joined, and the
process holds no descriptor of them), while every id stays root's to use; the counters are the namespace's
wherever the thread goes; and the sockets the process inherited are disarmed. Each case runs in a child
Python of its own, which the namespace (or the disarming) leaves changed for good."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import orjson
import pytest
from support.launchhelpers import in_thread, make_rerun

from namel3ss_debug.launch import netns
from namel3ss_debug.launch.closing import closed_network

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="enters namespaces as root")

PRELUDE = """
import ctypes, errno, json, os, socket, stat, sys
from namel3ss_debug.launch import netns
libc = ctypes.CDLL(None, use_errno=True)

def setns(fd):
    return 0 if libc.setns(fd, netns.CLONE_NEWNET) == 0 else errno.errorcode[ctypes.get_errno()]

def opened(path):
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as error:
        return errno.errorcode[error.errno]
"""


def in_child(code: str, *args: str, pass_fds: tuple[int, ...] = (), stdin: int | None = None) -> dict:
    """What a child Python with one thread printed (a JSON object) after running `code`."""
    done = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args], capture_output=True,
                          text=True, timeout=60, pass_fds=pass_fds, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return orjson.loads(done.stdout)


def test_a_process_of_its_own_cannot_join_the_host_network_by_any_handle_it_had_or_finds():
    seen = in_child("""
        host = os.open("/proc/self/ns/net", os.O_RDONLY)  # a handle on the host's network, held from before
        entered = netns.enter(own_process=True)
        print(json.dumps({
            "how": entered.how, "back_to": entered.back_to,
            "held": setns(host),
            "parent": opened(f"/proc/{os.getppid()}/ns/net"),
            "init": opened("/proc/1/ns/net"),
            "namespaces": [os.readlink(f"/proc/self/fd/{fd}") for fd in map(int, os.listdir("/proc/self/fd"))
                           if os.path.exists(f"/proc/self/fd/{fd}")
                           and os.readlink(f"/proc/self/fd/{fd}").startswith("net:[") and fd != host],
        }))
    """)
    assert seen == {"how": "a user namespace (every uid and gid mapped to itself) and a network namespace with its "
                           "own loopback up, nothing else",
                    "back_to": None, "held": "EPERM", "parent": "EACCES", "init": "EACCES", "namespaces": []}


def test_every_id_stays_roots_to_use_in_the_user_namespace(tmp_path: Path):
    private = tmp_path / "private"
    private.write_text("only its owner reads this")
    private.chmod(0o600)
    os.chown(private, 1234, 1234)  # someone else's: root reads it through DAC override
    seen = in_child("""
        netns.enter(own_process=True)
        path = sys.argv[1]
        print(json.dumps({"uid": os.getuid(), "owner": os.stat(path).st_uid, "read": open(path).read(),
                          "groups": (os.setgroups([0, 1234]), os.getgroups())[1]}))
    """, str(private))
    assert seen == {"uid": 0, "owner": 1234, "read": "only its owner reads this", "groups": [0, 1234]}


def test_the_counters_are_the_namespaces_even_after_the_thread_moves_on():
    seen = in_child("""
        entered = netns.enter(own_process=True)
        refused = socket.socket().connect_ex(("127.0.0.1", 9))  # nobody listens: counted
        moved = libc.unshare(netns.CLONE_NEWNET)  # the app makes a namespace of its own, and its thread moves
        print(json.dumps({"refused": errno.errorcode[refused], "moved": moved,
                          "counted": netns.unanswered(entered.counters),
                          "where_the_thread_is": netns.unanswered([open(netns.COUNTERS_OF_THREAD[0])])}))
    """)
    assert seen == {"refused": "ECONNREFUSED", "moved": 0, "counted": 1, "where_the_thread_is": 0}


def test_on_the_thread_path_the_counters_stay_the_namespaces_when_code_running_as_root_goes_back():
    host = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)

    def inside() -> tuple[int, int, int]:
        entered = netns.enter(own_process=False)
        socket.socket().connect_ex(("127.0.0.1", 9))
        went_back = netns._libc().setns(host, netns.CLONE_NEWNET)  # as an app running as root may
        counted = netns.unanswered(entered.counters)
        netns.leave(entered)
        return went_back, counted, len(entered.counters)

    try:
        assert in_thread(inside) == (0, 1, 0)  # not the host's counters, which are not 1; closed by leave
    finally:
        os.close(host)


def test_the_command_disarms_the_sockets_it_inherited_and_keeps_their_numbers_and_its_standard_streams():
    passed, kept = socket.socketpair()
    stdin, _ = socket.socketpair()
    with passed, kept, stdin, _:
        seen = in_child("""
            from namel3ss_debug.launch.closing import disarm_inherited_sockets
            fd = int(sys.argv[1])
            sock = socket.socket(fileno=fd)
            disarm_inherited_sockets()
            try:
                sock.send(b"out")
                sent = "sent"
            except OSError as error:
                sent = errno.errorcode[error.errno]
            print(json.dumps({"same_number": sock.fileno() == fd, "now": os.readlink(f"/proc/self/fd/{fd}"),
                              "sent": sent, "stdin": stat.S_ISSOCK(os.fstat(0).st_mode)}))
        """, str(passed.fileno()), pass_fds=(passed.fileno(),), stdin=stdin.fileno())
        kept.setblocking(False)
        with pytest.raises(BlockingIOError):
            kept.recv(8)  # nothing arrived
    assert seen == {"same_number": True, "now": "/dev/null", "sent": "ENOTSOCK", "stdin": True}


def test_a_command_with_more_threads_gets_the_threads_namespace_which_says_it_can_be_left():
    def inside() -> tuple[str, bool]:
        entered = netns.enter(own_process=True, threads=lambda: 2)
        can_go_back = entered.back_to is not None
        netns.leave(entered)
        return entered.how, can_go_back

    assert in_thread(inside) == ("a network namespace with its own loopback up, nothing else, for the app's thread "
                                 "only, which code running as root can leave (a user namespace needs a process with "
                                 "one thread (this one has 2))", True)


def test_a_library_call_leaves_the_sockets_of_the_process_it_runs_in_alone():
    one, other = socket.socketpair()

    def send_inside() -> None:
        with closed_network(make_rerun(), own_process=False):
            one.send(b"still a socket")

    with one, other:
        assert in_thread(send_inside) is None
        assert other.recv(64) == b"still a socket"
