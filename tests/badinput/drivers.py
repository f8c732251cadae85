"""What runs beside a command while it serves or reads: a browser fetching `view`'s page and data (and a
few hostile requests) before pressing Ctrl-C, a writer feeding a FIFO. Each returns the problems it saw."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

from harness import Gate

# Requests no browser sends: the server must answer each (or close) without a 500 or a traceback (501 for a
# method it does not serve is the right answer).
HOSTILE_REQUESTS = (
    ("GET", "/../../../etc/passwd", {}), ("GET", "/%00%1b[2J", {}), ("GET", "/data?x=" + "a" * 8000, {}),
    ("POST", "/data", {"Content-Length": "99999999"}), ("GET", "/", {"Host": "evil.example"}),
    ("GET", "/data", {"Host": "\x1b[2J"}), ("OPTIONS", "*", {}),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fetch(port: int, method: str, path: str, headers: dict[str, str], timeout: float = 5.0) -> int | None:
    """The status of one request, or None when the server closed the connection without answering (or did
    not answer within `timeout`)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers, skip_accept_encoding=True)
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError, ValueError):
        return None
    finally:
        connection.close()


def page_driver(port: int, seconds: float = 8.0) -> Callable[[Any], list[str]]:
    """Waits for `view` to listen on `port`; fetches `/` and `/data` (each must be 200) and the hostile
    requests (none may be a 500); then presses Ctrl-C. A command that refused its input has returned by
    then (its exit code and message are judged); one still running after `seconds` without listening on
    `port` (it was given another) gets its Ctrl-C then."""

    def drive(gate: Gate | ProcessGate) -> list[str]:
        deadline, found = time.monotonic() + seconds, []
        while gate.open and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.02)
        else:
            gate.interrupt()
            return []
        status = _fetch(port, "GET", "/", {})
        if status != 200:
            found.append(f"view: GET / answered {status}")
        data = {path: _fetch(port, "GET", path, {}) for path in ("/data", "/runs.json")}  # a run's, a directory's
        if 200 not in data.values():
            found.append(f"view: neither /data nor /runs.json answered 200: {data}")
        for method, path, headers in HOSTILE_REQUESTS:
            status = _fetch(port, method, path, headers, timeout=1.0)
            if status == 500:
                found.append(f"view: {method} {path[:40]!r} {headers} answered {status}")
        gate.interrupt()
        return found

    return drive


class ProcessGate:
    """`Gate`'s two members for a subprocess: open while it runs (asked without reaping it, so that its
    rusage is still there to read), and Ctrl-C sent to it."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.pid = process.pid

    @property
    def open(self) -> bool:
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def interrupt(self) -> bool:
        if self.open:
            os.kill(self.pid, signal.SIGINT)  # a zombie is not reaped yet: its pid is still its own
        return True


def fifo_writer(path: Path, data: bytes, *, linger: float = 0.0) -> threading.Thread:
    """A thread that opens the FIFO at `path` for writing (which waits for a reader), writes `data`, waits
    `linger` seconds and closes it. It gives up after 30 s without a reader."""

    def write() -> None:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError:
                    time.sleep(0.01)
            else:
                return
        os.set_blocking(descriptor, True)
        try:
            os.write(descriptor, data)
            time.sleep(linger)
        except OSError:
            pass  # the reader went away: the case judges what it did
        finally:
            os.close(descriptor)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread
