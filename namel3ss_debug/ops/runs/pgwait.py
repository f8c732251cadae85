"""A bound on every answer the run index waits for from PostgreSQL, a server that stopped answering included
(`run_index_timeout_seconds`).

A server that took the connection and then stopped answering (its machine hung, a network partition, its processes
stopped with SIGSTOP) would leave a statement waiting on TCP's defaults: minutes, or for ever. What libpq offers does
not end that wait: `statement_timeout` is the server's to enforce, and a stopped server enforces nothing;
`tcp_user_timeout` and `keepalives*` fire only when the peer's kernel stops acknowledging, and a stopped process's
kernel acknowledges everything; a cancel request goes to the same stopped server. So the bound is kept on our side:
every wait of the connection (psycopg's `Connection.wait`, which each statement, fetch, BEGIN and COMMIT goes
through) is watched by one thread of the connection's, which shuts the socket down (`shutdown(2)`, never `close`:
the descriptor stays libpq's, so no other file can take its number under it) once the bound has passed. The wait
then wakes on end-of-file, libpq marks the connection lost, and the error is `StoppedAnswering`: the connection is
spent, and the command says so in one line (`pgconnect.unreachable`).

    connection = WatchedConnection.connect(url, autocommit=True)
    connection.watch(Watchdog(30.0))    # from here on, no wait lasts past 30 s
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.abc import PQGen, RV


class StoppedAnswering(psycopg.OperationalError):
    """The server gave no answer within the bound: the connection was shut and is spent."""

    def __init__(self, bound_s: float) -> None:
        super().__init__(f"it stopped answering: no answer in {bound_s:g} s")
        self.bound_s = bound_s


class Watchdog:
    """Shuts down the socket of a wait that lasts past `bound_s` seconds; its thread starts at the first wait."""

    def __init__(self, bound_s: float) -> None:
        self.bound_s = bound_s
        self.fired = False
        self._changed = threading.Condition()
        self._armed: tuple[float, int] | None = None  # (the deadline on the monotonic clock, the socket)
        self._closed = False
        self._idle = False  # its thread waits for a wait to be armed, with no deadline of its own
        self._thread: threading.Thread | None = None

    @contextmanager
    def armed(self, fileno: int) -> Iterator[None]:
        """A wait on the socket `fileno`, shut down if it is still waiting `bound_s` seconds from now."""
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="namel3ss-debug index watchdog", daemon=True)
                self._thread.start()
            self._armed = (time.monotonic() + self.bound_s, fileno)
            if self._idle:  # else it wakes at an earlier deadline and reads this one: no switch per statement
                self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._armed = None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                if self._armed is None:
                    self._idle = True
                    self._changed.wait()
                    self._idle = False
                    continue
                deadline, fileno = self._armed
                left = deadline - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                self._armed = None
                self.fired = True
                _shut(fileno)


def _shut(fileno: int) -> None:
    """The socket `fileno` shut down both ways, through a duplicate of its descriptor (closed here; libpq's stays)."""
    try:
        with socket.fromfd(fileno, socket.AF_INET, socket.SOCK_STREAM) as duplicate:  # the family does not matter
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the server, or no socket any more: the wait ends on its own
        pass


class WatchedConnection(psycopg.Connection[tuple[Any, ...]]):
    """A psycopg connection whose every wait is bounded by its watchdog (`watch`), once it has one."""

    _watchdog: Watchdog | None = None

    def watch(self, watchdog: Watchdog) -> None:
        self._watchdog = watchdog

    def wait(self, gen: PQGen[RV], *args: Any, **kwargs: Any) -> RV:
        watchdog = self._watchdog
        if watchdog is None:
            return super().wait(gen, *args, **kwargs)
        if watchdog.fired:  # spent: its socket was shut, whatever libpq says of it
            raise StoppedAnswering(watchdog.bound_s)
        with watchdog.armed(self.pgconn.socket):
            try:
                return super().wait(gen, *args, **kwargs)
            except psycopg.OperationalError as error:
                if watchdog.fired:
                    raise StoppedAnswering(watchdog.bound_s) from error
                raise

    def close(self) -> None:
        super().close()
        if self._watchdog is not None:
            self._watchdog.close()


def stopped(connection: psycopg.Connection[tuple[Any, ...]]) -> StoppedAnswering | None:
    """Why `connection` is spent when its watchdog shut it (psycopg then says only that it is closed), else None."""
    watchdog = connection._watchdog if isinstance(connection, WatchedConnection) else None
    return StoppedAnswering(watchdog.bound_s) if watchdog is not None and watchdog.fired else None
