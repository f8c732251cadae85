"""A Linux network namespace of the rerun's own: where the app runs, so that nothing it or the processes it
starts send can leave, whatever client, library or program sends it.

The namespace has one interface, its own loopback, up: an app that serves itself (a stub server on
127.0.0.1, as the examples start) still can, while the host's loopback, where a local model server or any
other service listens, and every other network are out of reach (no route).

A network namespace belongs to a thread: `unshare(CLONE_NEWNET)` moves the calling thread only, and the
threads and processes it starts afterwards are born in it. The rerun enters one before the app (and the run's
own threads) start, in one of two ways:

- The whole process, in a process that exists to run the app (the `namel3ss-debug` command) and has one
  thread, which the kernel requires: `unshare(CLONE_NEWUSER | CLONE_NEWNET)`. The new user namespace grants
  the right to make the network namespace, and takes away every capability over the host's namespaces: no
  thread of the process is left outside, and nothing in it can go back (`setns()` to the host's network
  needs CAP_SYS_ADMIN where the host's namespaces are, which no process in the new user namespace has, root
  included; the host's processes' /proc/PID/ns files cannot even be opened). A user's own uid and gid are
  mapped to themselves, so `getuid()` and the owner of every file written stay as they were. Root's maps are
  written by a child left outside (only a process with CAP_SETUID there may map more than its own id): every
  uid and gid root has is mapped to itself, so root reads and writes the files it could before. A process
  cannot go back to the user namespace it left: it stays in both until it exits (the report needs no
  network).
- The app's thread only, elsewhere (a library call in a process that goes on after the rerun, a process
  with more threads, user namespaces refused) and only with CAP_SYS_ADMIN (root): the thread goes back
  (`setns`) at the end, so the rest of the process keeps its network. This closes every route of an app
  that does not try to get out, not one that does: code running as root can go back as the rerun does, and
  other threads of the process, and the sockets it holds, are outside (`how` says so).
- Elsewhere (not Linux, namespaces refused), `enter` says why not, and the in-process guard alone closes
  the network (`launch/guard.py`).

The kernel counts, per namespace, each attempt that went nowhere (`unanswered`): a connect or send with no
route (anything but the loopback), a TCP connect refused and a UDP datagram with no listener on the
namespace's loopback. That is how the report learns of attempts made where the in-process guard cannot
see (a process the app started, native code). The counters are read from files opened when the namespace
is entered: a /proc/PID/net file belongs to the namespace it was opened in, wherever the thread goes after.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import struct
import sys
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, NoReturn

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
NET_OF_THREAD = "/proc/thread-self/ns/net"
COUNTERS_OF_THREAD = ("/proc/thread-self/net/snmp", "/proc/thread-self/net/snmp6")
# The kernel's counters of attempts that went nowhere: no route (IPv4, IPv6), a TCP connect refused (both),
# a UDP datagram to a port nobody listens on (IPv4, IPv6).
UNANSWERED = ("Ip:OutNoRoutes", "Ip6OutNoRoutes", "Tcp:AttemptFails", "Udp:NoPorts", "Udp6NoPorts")
OWN_LOOPBACK = "its own loopback up, nothing else"
NOT_OWN_PROCESS = ("a user namespace cannot be left again, so it is entered only by the namel3ss-debug command, "
                   "not by a process that goes on after the rerun")


@dataclass
class Entered:
    """A namespace the app runs in: `how` it got there, the namespace it came from when this thread can go
    back (an open descriptor of it), else None (a user namespace: the process stays until it exits), and
    the namespace's counters (`unanswered`), opened in it."""

    how: str
    back_to: int | None
    counters: list[IO[str]] = field(default_factory=list)
    baseline: int = 0  # what the counters said as it was entered (not 0 when the process entered it before)


_process_namespace: str | None = None  # how this process entered the namespace it stays in, once it has


class NamespaceRefused(Exception):
    """No namespace could be entered, and nothing changed; the message says why (for the report)."""


class Stuck(Exception):
    """The process entered a user namespace it cannot leave, and the namespace cannot run the app as
    asked (the user's ids could not be mapped, or its loopback not brought up): the app must not run."""


def enter(own_process: bool, threads: Callable[[], int] | None = None) -> Entered:
    """Move this process (`own_process`, one thread), else this thread, into a new network namespace with
    only its own loopback up. Raises Refused, having changed nothing, when the platform or the kernel does
    not allow it."""
    global _process_namespace
    if not sys.platform.startswith("linux"):
        raise NamespaceRefused(f"network namespaces are Linux's, and this is {sys.platform}")
    if own_process and _process_namespace is not None:  # a command's next rerun: the process is in it still
        again = _counted(Entered(_process_namespace, None))
        again.baseline = unanswered(again.counters)
        return again
    libc = _libc()
    why_not_process = NOT_OWN_PROCESS
    if own_process:
        count = (threads or _thread_count)()
        why_not_process = f"a user namespace needs a process with one thread (this one has {count})"
        if count == 1:
            try:
                entered = _counted(_enter_process(libc))
                _process_namespace = entered.how
                return entered
            except NamespaceRefused as refused:
                why_not_process = str(refused)
    return _counted(_enter_thread(libc, why_not_process))


def _enter_thread(libc: ctypes.CDLL, why_not_process: str) -> Entered:
    """This thread alone, with CAP_SYS_ADMIN, able to go back: an app running as root can too."""
    try:
        back_to = os.open(NET_OF_THREAD, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise NamespaceRefused(f"cannot open {NET_OF_THREAD}: {error.strerror or error}") from None
    if libc.unshare(CLONE_NEWNET) != 0:
        os.close(back_to)
        raise NamespaceRefused(f"{_error('unshare(CLONE_NEWNET)')}{_joined(why_not_process)}")
    entered = Entered(f"a network namespace with {OWN_LOOPBACK}, for the app's thread only, which code running as "
                      f"root can leave ({why_not_process})", back_to)
    try:
        _loopback_up()
    except OSError as error:
        leave(entered)
        raise NamespaceRefused(f"the namespace's loopback could not be brought up: {error.strerror or error}") from None
    return entered


def _joined(why_not_process: str) -> str:
    """How the reason the process could not enter follows the thread's refusal."""
    return f"; {why_not_process}" if why_not_process.startswith("unshare(") else f", and {why_not_process}"


def _enter_process(libc: ctypes.CDLL) -> Entered:
    """The whole process, in a user namespace of its own (see the module's docstring); raises Refused when
    it cannot be made, Stuck when it was made but cannot run the app."""
    uid, gid = os.getuid(), os.getgid()
    mapper = _mapper() if uid == 0 else None
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        refused = _error("unshare(CLONE_NEWUSER | CLONE_NEWNET)")
        if mapper is not None:
            mapper.cancel()
        raise NamespaceRefused(refused)
    every_id = mapper is not None and mapper.write()
    if not every_id:
        _map_own_ids(uid, gid)
    try:
        _loopback_up()
    except OSError as error:
        raise Stuck(f"the namespace's loopback could not be brought up: {error.strerror or error}") from None
    ids = "every uid and gid mapped to itself" if every_id else "your uid and gid mapped to themselves"
    return Entered(f"a user namespace ({ids}) and a network namespace with {OWN_LOOPBACK}", None)


def _map_own_ids(uid: int, gid: int) -> None:
    """The process maps its own uid and gid (as they were before it moved) to themselves, as any user may
    (`setgroups` denied first)."""
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError as error:
        raise Stuck(f"could not map uid {uid} and gid {gid} in the rerun's user namespace: "
                    f"{error.strerror or error}") from None


class IdMapper:
    """A child process left outside the user namespace this process is about to make, which writes the
    namespace's maps when told: only a process with CAP_SETUID and CAP_SETGID where the namespace is made
    may map more ids than its own.

        mapper = Mapper(maps); unshare(CLONE_NEWUSER...); mapper.write()  # True: written
    """

    def __init__(self, maps: dict[str, str]) -> None:
        target = os.getpid()
        told, self._go = os.pipe()
        try:
            self._pid = os.fork()
        except OSError:
            os.close(told)
            os.close(self._go)
            raise
        if self._pid == 0:
            _write_maps_when_told(told, self._go, target, maps)
        os.close(told)

    def write(self) -> bool:
        """Tell the child to write the maps of this process's new namespace; True when it did."""
        with contextlib.suppress(OSError):  # the child is gone: it wrote nothing
            os.write(self._go, b"1")
        os.close(self._go)
        return self._ended() == 0

    def cancel(self) -> None:
        """No namespace was made: the child ends having written nothing."""
        os.close(self._go)
        self._ended()

    def _ended(self) -> int:
        return os.waitstatus_to_exitcode(os.waitpid(self._pid, 0)[1])


def _write_maps_when_told(told: int, go: int, target: int, maps: dict[str, str]) -> NoReturn:
    """The mapper's child: it waits to be told (the pipe closed without a word: nothing to do), writes the
    maps of process `target` and exits, 0 when it wrote them, never returning into the parent's code."""
    code = 1
    try:
        os.close(go)
        if os.read(told, 1) == b"1":
            for name, text in maps.items():
                _write(f"/proc/{target}/{name}", text)
            code = 0
    finally:
        os._exit(code)


def _mapper() -> IdMapper | None:
    """A mapper of every id this process's user namespace has to itself, or None (the process then maps
    its own ids only)."""
    try:
        return IdMapper({name: _identity(name) for name in ("uid_map", "gid_map")})
    except (OSError, ValueError):
        return None


def _identity(name: str) -> str:
    """This process's own map (`inside outside count` lines) as a map of each id inside to itself."""
    with open(f"/proc/self/{name}", encoding="ascii") as handle:
        extents = [line.split() for line in handle if line.strip()]
    return "".join(f"{int(inside)} {int(inside)} {int(count)}\n" for inside, _, count in extents)


def leave(entered: Entered) -> None:
    """Back to the namespace this thread came from, when it can go back; the counters are closed."""
    for handle in entered.counters:
        handle.close()
    entered.counters = []
    if entered.back_to is None:
        return
    try:
        if _libc().setns(entered.back_to, CLONE_NEWNET) != 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))
    finally:
        os.close(entered.back_to)
        entered.back_to = None


def process_entered() -> bool:
    """Whether this process is in a namespace of its own already (a command's earlier rerun entered it)."""
    return _process_namespace is not None


def attempts(entered: Entered) -> int:
    """How many connects and sends went nowhere in the namespace since `entered` entered it."""
    return unanswered(entered.counters) - entered.baseline


def unanswered(counters: Iterable[IO[str]]) -> int:
    """How many connects and sends of the namespace the counters were opened in went nowhere, since it was
    made (the kernel's counters start at 0 in a new namespace)."""
    found: dict[str, int] = {}
    for handle in counters:
        handle.seek(0)
        found.update(_counters(handle.read()))
    return sum(found.get(name, 0) for name in UNANSWERED)


def _counted(entered: Entered) -> Entered:
    """The namespace's counters, opened now that this thread is in it (IPv6's are absent where it is off)."""
    for path in COUNTERS_OF_THREAD:
        try:
            entered.counters.append(open(path, encoding="ascii"))  # closed by `leave`
        except OSError:
            continue
    return entered


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
