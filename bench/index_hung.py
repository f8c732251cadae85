"""The run index on a PostgreSQL server that stopped answering (its processes SIGSTOPped after the connection was
made): which bound ends a statement's wait, and what ours costs a statement that is answered.

    python bench/index_hung.py                     # bound 1 s, 8 s of patience, 5,000 statements x 5 rounds
    python bench/index_hung.py --bound 2 --patience 20 --statements 2000 --rounds 3

Two connections to the tests' server (tests/support/pgserver.py, on 127.0.0.1): psycopg's own with libpq's
`keepalives` (idle, interval and count at 1) and `tcp_user_timeout` (--bound, in ms), and the index's
(`pgconnect.connect`, `run_index_timeout_seconds` = --bound). The server is paused, each connection sends
`SELECT 1` in a thread of its own, and the bench prints how each wait ended within --patience seconds. Then, the
server let go on, the cost of the watch: `SELECT 1` sent --statements times on each connection (a plain one, and
the index's), the rounds taking turns, the median time a statement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import psycopg  # noqa: E402 - after the tests' folder is on the path, as the other imports
from support.pgserver import PgServer  # noqa: E402 - the tests' PostgreSQL server

from namel3ss_debug.ops.runs.pgconnect import connect  # noqa: E402 - after the bench's own

Connection = psycopg.Connection[tuple[Any, ...]]


def waited(connection: Connection, patience: float) -> tuple[str, threading.Thread]:
    """How `SELECT 1` on `connection` ended within `patience` seconds (its error and when, or still waiting), and
    the thread that asked (joined before the connection is closed: libpq's connection is not for two threads)."""
    ended: dict[str, Any] = {}

    def ask() -> None:
        started = time.monotonic()
        try:
            connection.execute("SELECT 1").fetchone()
            ended["said"] = "answered"
        except psycopg.Error as error:
            ended["said"] = f"{type(error).__name__}: {error}"
        ended["after"] = time.monotonic() - started

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(patience)
    if "said" not in ended:
        return f"still waiting after {patience:g} s", thread
    return f"{ended['said']} after {ended['after']:.2f} s", thread


def per_statement(run: Callable[[], object], statements: int) -> float:
    started = time.perf_counter()
    for _ in range(statements):
        run()
    return (time.perf_counter() - started) / statements * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bound", type=float, default=1.0)
    parser.add_argument("--patience", type=float, default=8.0)
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with PgServer() as server:
        url, environ = server.url(), {**os.environ, **server.environ()}
        libpq = psycopg.connect(url, password=server.password, autocommit=True, keepalives=1, keepalives_idle=1,
                                keepalives_interval=1, keepalives_count=1,
                                tcp_user_timeout=int(options.bound * 1000))
        ours = connect(url, environ, options.bound)
        with server.paused():
            said, theirs = waited(libpq, options.patience)
            print(f"libpq keepalives 1 s, tcp_user_timeout {options.bound * 1000:g} ms: {said}")
            said, _ = waited(ours, options.patience)
            print(f"run_index_timeout_seconds {options.bound:g}: {said}")
        theirs.join(options.patience)
        print(f"libpq's, once the server goes on: {'still waiting' if theirs.is_alive() else 'answered'}")
        libpq.close()
        plain = psycopg.connect(url, password=server.password, autocommit=True)
        watched = connect(url, environ)
        times: dict[str, list[float]] = {"plain": [], "watched": []}
        for _ in range(options.rounds):
            for name, connection in (("plain", plain), ("watched", watched)):
                times[name].append(per_statement(lambda c=connection: c.execute("SELECT 1").fetchone(),
                                                 options.statements))
        for name, found in times.items():
            print(f"SELECT 1, {name}: {statistics.median(found):.1f} us a statement "
                  f"(median of {options.rounds}; {min(found):.1f}-{max(found):.1f})")
        plain.close()
        watched.close()


if __name__ == "__main__":
    main()
