"""Closing the network around a rerun of the app, as tightly as the platform and the options allow.

- Nothing can run for real (`--on-miss error`, no `--live-tools`, no console): a network namespace on Linux
  (`netns.py`), which closes every route of the app and the processes it starts, and the in-process guard
  (`guard.py`) inside it, which names what this process tried as a miss. Where a namespace is refused (not
  Linux; no CAP_SYS_ADMIN and no user namespaces), the guard alone, and the report says so. In a process
  that exists to run the app (the `namel3ss-debug` command), the sockets it inherited become /dev/null
  first: a socket made outside the namespace would still reach outside, and sends on a connected socket are
  nothing the guard hears.
- A call may run for real (`--live-tools`, the console, where `live` runs one, or a `--fork` that is not
  `--offline`): the guard alone, which keeps the network for those calls while they run. A namespace
  cannot: it closes the whole thread.
- `--on-miss live`: nothing is closed; the guard counts what reached the network outside the calls that
  ran live.

    with closed_network(rerun, own_process=True) as closing:
        ...run the app...
    closing.network  # the report's `network`
"""

from __future__ import annotations

import contextlib
import os
import platform
import stat
from dataclasses import dataclass
from typing import Iterator

from ..store import remote
from ..model.errors import Namel3ssDebugError
from ..rerun.network import EVERYTHING, FOR_REAL, GUARD, GUARD_OPEN, NAMESPACE, NAMESPACE_OPEN, OPEN, Network
from ..tracer import watch
from . import netns
from .guard import GuardedRerun, RerunGuard

OPEN_DESCRIPTORS = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"


@dataclass
class Closing:
    """What `closed_network` did: `network`, set when the block ends."""

    network: Network | None = None


@contextlib.contextmanager
def closed_network(rerun: GuardedRerun, own_process: bool, namespace: bool = True) -> Iterator[Closing]:
    """Close the network for the block (see the module's docstring); `own_process`: this process exists to
    run the app, and may stay in a user namespace after it. Without `namespace` (a golden run in a pytest test,
    which shares its process and thread with the test runner), the guard alone."""
    closing = Closing()
    closed = rerun.closed
    platform.platform()  # run_start records it, and its first call runs `uname -p`: not a process of the app's
    for_real = rerun.why_network()  # the options let calls use the network for real
    no_namespace = for_real if for_real is not None or namespace else "a test shares its process with pytest"
    if no_namespace is None and own_process and not netns.process_entered():
        remote.release()  # a recording read from a store left a thread: the whole process enters only with one
        disarm_inherited_sockets()  # once, before the process enters: later sockets are the app's, made inside
    entered, why_not = (None, no_namespace) if no_namespace is not None else _enter(own_process)
    network_guard = RerunGuard(rerun, closed)
    watch.guard(network_guard)
    try:
        yield closing
    finally:
        stopped = _stopped(entered) if entered is not None else 0
        watch.unguard(network_guard)
        if entered is not None:
            _leave(entered)
        closing.network = _network(entered, why_not or "", closed, for_real is not None, network_guard, stopped)


def _enter(own_process: bool) -> tuple[netns.Entered | None, str | None]:
    try:
        return netns.enter(own_process), None
    except netns.NamespaceRefused as refused:
        return None, f"no network namespace: {refused}"
    except netns.Stuck as failed:
        raise Namel3ssDebugError(f"the rerun could not close the network: {failed}",
                                 hint="the kernel let the user namespace be made, then refused it what the app "
                                      "needs; rerun with --on-miss live, which closes nothing") from None


def disarm_inherited_sockets() -> None:
    """Every socket this process holds beyond its standard streams (one its parent passed, open before the
    rerun: outside its namespace) becomes /dev/null under the same number, so that the app cannot send on
    it, and a later close by its owner cannot close a number reused since."""
    if os.name != "posix" or not os.path.isdir(OPEN_DESCRIPTORS):
        return
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    try:
        for fd in _sockets(exclude=null):
            os.dup2(null, fd, inheritable=os.get_inheritable(fd))
    finally:
        os.close(null)


def _sockets(exclude: int) -> list[int]:
    """This process's descriptors above the standard streams that are sockets."""
    found = []
    for name in os.listdir(OPEN_DESCRIPTORS):
        fd = int(name)
        with contextlib.suppress(OSError):  # the directory's own descriptor, closed once listed
            if fd > 2 and fd != exclude and stat.S_ISSOCK(os.fstat(fd).st_mode):
                found.append(fd)
    return found


def _stopped(entered: netns.Entered) -> int:
    try:
        return netns.attempts(entered)
    except (OSError, ValueError, IndexError):  # a /proc without the counters: nothing to report
        return 0


def _leave(entered: netns.Entered) -> None:
    try:
        netns.leave(entered)
    except OSError as error:
        raise Namel3ssDebugError(f"the rerun could not leave its network namespace: {error.strerror or error}",
                                 hint="the app ran and its trace is written; run the command again") from None


def _network(entered: netns.Entered | None, why_not: str, closed: bool, for_real: bool, guarded: RerunGuard,
             stopped: int) -> Network:
    reached, processes, started = guarded.reached, guarded.processes, tuple(guarded.started)
    if entered is not None:
        return Network(NAMESPACE, entered.how, NAMESPACE_OPEN, stopped=stopped, reached=reached, processes=processes,
                       started=started)
    if not closed:
        return Network(OPEN, why_not, (EVERYTHING,), reached=reached, processes=processes, started=started)
    return Network(GUARD, why_not, (*GUARD_OPEN, FOR_REAL) if for_real else GUARD_OPEN, reached=reached,
                   processes=processes, started=started)
