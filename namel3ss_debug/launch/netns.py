"""A Linux network namespace of the rerun's own: where the app runs, so that nothing it or the processes it
starts send can leave, whatever client, library or program sends it.

The namespace has one interface, its own loopback, up: an app that serves itself (a stub server on
127.0.0.1, as the examples start) still can, while the host's loopback, where a local model server or any
other service listens, and every other network are out of reach (no route).

A network namespace belongs to a thread: `unshare(CLONE_NEWNET)` moves the calling thread only, and the
threads and processes it starts afterwards are born in it. So the rerun enters one on the thread that runs
the app, before the app (and the run's own threads) start, and leaves it afterwards.

- With CAP_SYS_ADMIN (root, as in a container) the thread enters a namespace and, at the end, goes back to
  the one it came from (`setns`): the rest of the process keeps its network.
- Without it, a new user namespace grants the right: `unshare(CLONE_NEWUSER | CLONE_NEWNET)`, with the
  user's own uid and gid mapped to themselves, so `getuid()` and the owner of every file written stay as
  they were. The kernel allows that only to a single-threaded process, and a process cannot go back to the
  user namespace it left: it stays in both until it exits, so this is done only in a process that exists
  to run the app (the `namel3ss-debug` command).
- Elsewhere (not Linux, namespaces refused), `enter` says why not, and the in-process guard alone closes
  the network (`launch/guard.py`).

The kernel counts, per namespace, each attempt that went nowhere (`unanswered`): a connect or send with no
route (anything but the loopback), a TCP connect refused and a UDP datagram with no listener on the
namespace's loopback. That is how the report learns of attempts made where the in-process guard cannot
see (a process the app started, native code).
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import sys
from dataclasses import dataclass
from typing import Callable

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
NET_OF_THREAD = "/proc/thread-self/ns/net"
COUNTERS_OF_THREAD = ("/proc/thread-self/net/snmp", "/proc/thread-self/net/snmp6")
# The kernel's counters of attempts that went nowhere: no route (IPv4, IPv6), a TCP connect refused (both),
# a UDP datagram to a port nobody listens on (IPv4, IPv6).
UNANSWERED = ("Ip:OutNoRoutes", "Ip6OutNoRoutes", "Tcp:AttemptFails", "Udp:NoPorts", "Udp6NoPorts")
OWN_LOOPBACK = "its own loopback up, nothing else"


@dataclass
class Entered:
    """A namespace this thread is in: `how` it got there, and the namespace it came from when it can go
    back (an open descriptor of it), else None (a user namespace: the process stays until it exits)."""

    how: str
    back_to: int | None


class Refused(Exception):
    """No namespace could be entered, and nothing changed; the message says why (for the report)."""


class Stuck(Exception):
    """The process entered a user namespace it cannot leave, and the namespace cannot run the app as
    asked (the user's ids could not be mapped, or its loopback not brought up): the app must not run."""


def enter(own_process: bool, threads: Callable[[], int] | None = None) -> Entered:
    """Move this thread into a new network namespace with only its own loopback up. Raises Refused, having
    changed nothing, when the platform or the kernel does not allow it."""
    if not sys.platform.startswith("linux"):
        raise Refused(f"network namespaces are Linux's, and this is {sys.platform}")
    libc = _libc()
    try:
        back_to = os.open(NET_OF_THREAD, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise Refused(f"cannot open {NET_OF_THREAD}: {error.strerror or error}") from None
    if libc.unshare(CLONE_NEWNET) == 0:  # CAP_SYS_ADMIN: root, or a container's root
        entered = Entered(f"a network namespace with {OWN_LOOPBACK}", back_to)
        try:
            _loopback_up()
        except OSError as error:
            leave(entered)
            raise Refused(f"the namespace's loopback could not be brought up: {error.strerror or error}") from None
        return entered
    os.close(back_to)
    _enter_as_user(libc, _error("unshare(CLONE_NEWNET)"), own_process, threads or _thread_count)
    return Entered(f"a user namespace (your uid and gid mapped to themselves) and a network namespace with "
                   f"{OWN_LOOPBACK}", None)


def _enter_as_user(libc: ctypes.CDLL, plain: str, own_process: bool, threads: Callable[[], int]) -> None:
    if not own_process:
        raise Refused(f"{plain}, and a user namespace cannot be left again, so it is entered only by the "
                      "namel3ss-debug command, not by a process that goes on after the rerun")
    count = threads()
    if count != 1:
        raise Refused(f"{plain}, and a user namespace needs a process with one thread (this one has {count})")
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        raise Refused(f"{plain}; {_error('unshare(CLONE_NEWUSER | CLONE_NEWNET)')}")
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError as error:
        raise Stuck(f"could not map uid {uid} and gid {gid} in the rerun's user namespace: "
                    f"{error.strerror or error}") from None
    try:
        _loopback_up()
    except OSError as error:
        raise Stuck(f"the namespace's loopback could not be brought up: {error.strerror or error}") from None


def leave(entered: Entered) -> None:
    """Back to the namespace this thread came from, when it can go back."""
    if entered.back_to is None:
        return
    try:
        if _libc().setns(entered.back_to, CLONE_NEWNET) != 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))
    finally:
        os.close(entered.back_to)
        entered.back_to = None


def unanswered(paths: tuple[str, ...] = COUNTERS_OF_THREAD) -> int:
    """How many connects and sends of this thread's namespace went nowhere, since it was made (the kernel's
    counters start at 0 in a new namespace)."""
    counters: dict[str, int] = {}
    for path in paths:
        with open(path, encoding="ascii") as handle:
            counters.update(_counters(handle.read()))
    return sum(counters.get(name, 0) for name in UNANSWERED)


def _counters(text: str) -> dict[str, int]:
    """`snmp`'s pairs of lines (`Ip: Forwarding ...` then `Ip: 1 ...`) as `Ip:Forwarding`..., and
    `snmp6`'s lines (`Ip6OutNoRoutes 0`) as they are."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    if rows and rows[0][0].endswith(":"):
        return {f"{names[0]}{name}": int(value) for names, values in zip(rows[::2], rows[1::2])
                for name, value in zip(names[1:], values[1:])}
    return {row[0]: int(row[1]) for row in rows if len(row) == 2}


def _loopback_up() -> None:
    """Bring up the namespace's `lo` (it starts down), which gives it 127.0.0.1 and ::1 of its own."""
    import fcntl  # noqa: PLC0415 - POSIX only; this module is imported on every platform

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _error(call: str) -> str:
    return f"{call}: {os.strerror(ctypes.get_errno())}"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _thread_count() -> int:
    """The process's threads as the kernel counts them (native threads included, which `threading` does
    not know of)."""
    return len(os.listdir("/proc/self/task"))
