"""`namel3ss-debug view`'s server and clients that misbehave: one that hangs up early (before its request, in the
middle of it, in the middle of an 8 MB page) prints no traceback and leaves the server serving; idle sockets
are closed after `IDLE_TIMEOUT_S` (10 s) and, twenty of them open, do not hold up a normal request; a client
that takes none of its answer is cut off after the same time. The real command in a subprocess, and the
server itself with a short timeout."""

from __future__ import annotations

import base64
import http.client
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.view import LiveRun
import namel3ss_debug.web.server as server_module
from namel3ss_debug.web.server import IDLE_TIMEOUT_S, ViewServer

HANG_S = 60  # against a hang only: each wait ends as soon as what it waits for happens


@pytest.fixture(scope="module")
def big_run(tmp_path_factory) -> Path:
    """A run whose page is about 8 MB (payloads of random text, which compress little): more than the
    kernel's buffers between a server and a client that stops reading hold."""
    rng = random.Random(7)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(1500):
        trace.span("llm", "plan", 1, inputs={"prompt": base64.b64encode(rng.randbytes(3750)).decode()})
    trace.run_end()
    return trace.write(tmp_path_factory.mktemp("view") / "run.jsonl")


class Viewing:
    """`view --no-browser TRACE` running in a subprocess: its port, and its stderr once stopped."""

    def __init__(self, trace: Path) -> None:
        self.log = trace.parent / f"view-{time.monotonic_ns()}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "view", "--no-browser",
                                             str(trace)], cwd=trace.parent, env=environ, stdout=subprocess.DEVNULL,
                                            stderr=stderr)
        self.port = self._port()

    def _port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", self.log.read_text())
            if found:
                return int(found.group(1))
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.05)
        raise AssertionError(f"view printed no URL: {self.log.read_text()}")

    def connect(self, receive_buffer: int | None = None) -> socket.socket:
        sock = socket.socket()
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect(("127.0.0.1", self.port))
        return sock

    def request(self, path: str = "/") -> bytes:
        return b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path.encode(), self.port)

    def get(self, path: str = "/") -> tuple[int, int]:
        """A normal request: (its status, the length of its body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, len(response.read())

    def stop(self) -> str:
        """Ctrl-C, then what it printed on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        return self.log.read_text()


@pytest.fixture
def viewing(big_run) -> Iterator[Viewing]:
    view = Viewing(big_run)
    try:
        yield view
    finally:
        view.stop()


def reset(sock: socket.socket) -> None:
    """Hang up hard: a TCP reset rather than a close (SO_LINGER 0), as a killed browser tab may."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def before_sending(view: Viewing) -> None:
    view.connect().close()


def mid_request_line(view: Viewing) -> None:
    sock = view.connect()
    sock.sendall(view.request()[:10])
    sock.close()


def mid_headers_reset(view: Viewing) -> None:
    sock = view.connect()
    sock.sendall(view.request()[:30])
    reset(sock)


def mid_page_reset(view: Viewing) -> None:
    """Asks for the 8 MB page through a small window, takes a little of it, and resets."""
    sock = view.connect(receive_buffer=4096)
    sock.sendall(view.request())
    sock.recv(1000)
    time.sleep(1.0)  # the server fills the buffers and waits on the client
    reset(sock)


def mid_page_close(view: Viewing) -> None:
    sock = view.connect(receive_buffer=4096)
    sock.sendall(view.request())
    sock.recv(1000)
    time.sleep(1.0)
    sock.close()


@pytest.mark.parametrize("hang_up", [before_sending, mid_request_line, mid_headers_reset, mid_page_reset,
                                     mid_page_close])
def test_a_client_that_hangs_up_early_prints_no_traceback(viewing, hang_up: Callable[[Viewing], None]) -> None:
    """Before: the resets and the page cut short each printed http.server's traceback on the terminal."""
    hang_up(viewing)
    assert viewing.get("/")[0] == 200  # served after it (and after the hung-up request's own attempt to answer)
    time.sleep(0.5)
    stderr = viewing.stop()
    assert "Traceback" not in stderr and "Exception" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        f"serving http://127.0.0.1:{viewing.port}/ (Ctrl-C to stop)", "stopped"]


def still_waiting(sock: socket.socket) -> bool:
    """Whether the server has neither said anything on `sock` nor closed it (a look, not a read)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True


def test_twenty_idle_sockets_hold_up_no_one_and_are_closed_after_the_timeout(viewing) -> None:
    """By the order of events, not a time budget: the request is answered while the idle sockets still wait
    (a server serving one connection at a time answers it after their timeouts, past the client's own 30 s).
    Their close is timed from below only (not before the timeout); HANG_S is a guard against a hang."""
    opened = time.monotonic()
    idle = [viewing.connect() for _ in range(20)]
    try:
        status, length = viewing.get("/data")
        assert status == 200 and length > 1_000_000
        assert all(still_waiting(sock) for sock in idle)  # served while they wait, not after them
        for sock in idle:
            sock.settimeout(HANG_S)
            assert sock.recv(1) == b""  # closed by the server, with nothing said
        closed_after = time.monotonic() - opened
    finally:
        for sock in idle:
            sock.close()
    assert closed_after > IDLE_TIMEOUT_S - 0.5
    assert "Traceback" not in viewing.stop()


# -- the server itself, with a short idle timeout ------------------------------------------------------------
SHORT_S = 1.0


def serving(big_run: Path, idle_timeout: float) -> Iterator[tuple[ViewServer, list[str]]]:
    """A server of the 8 MB page with `idle_timeout`; yields it and the error lines it reported."""
    errors: list[str] = []
    live = LiveRun(ReportRequest((str(big_run),)), Environment(cwd=big_run.parent))
    live.snapshot()
    server = ViewServer(live, max_text=20_000, on_error=errors.append, idle_timeout=idle_timeout)
    server.start()
    yield server, errors
    server.shutdown()
    server.server_close()


@pytest.fixture
def served(big_run) -> Iterator[tuple[ViewServer, list[str]]]:
    yield from serving(big_run, SHORT_S)


@pytest.fixture
def served_patiently(big_run) -> Iterator[tuple[ViewServer, list[str]]]:
    """Its idle timeout past the client's own HANG_S: a connection the client sees closed was closed by the
    server's answer, never by the idle timeout."""
    yield from serving(big_run, 2 * HANG_S)


def test_a_client_that_takes_none_of_its_answer_is_cut_off(served, capfd, monkeypatch) -> None:
    """The client reads only once the server is done with the connection (not after a guess of how long
    that takes); HANG_S is a guard against a server that never gives up."""
    server, errors = served
    done = threading.Event()
    shutdown_request = server.shutdown_request

    def seen(request: socket.socket) -> None:
        shutdown_request(request)
        done.set()

    monkeypatch.setattr(server, "shutdown_request", seen)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.server_address[1]))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.server_address[1])
    assert done.wait(HANG_S)  # takes nothing: the server's write waits, then gives up
    sock.settimeout(HANG_S)
    received = b""
    while chunk := sock.recv(1 << 20):
        received += chunk  # what the buffers held, then the end the server made
    sock.close()
    length = int(re.search(rb"Content-Length: (\d+)", received).group(1))
    assert len(received.partition(b"\r\n\r\n")[2]) < length  # cut short
    assert errors == [] and "Traceback" not in capfd.readouterr().err


def test_one_request_a_connection_even_when_the_client_asks_to_keep_it(served_patiently) -> None:
    """HTTP/1.0: after its answer the connection is closed, so a kept-alive socket never idles here. Closed
    at once, not after the idle timeout: that one is longer than the client waits (no time budget)."""
    server, _ = served_patiently
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=HANG_S) as sock:
        sock.sendall(b"GET /data?since=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: keep-alive\r\n\r\n"
                     % server.server_address[1])
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.0 204 ") and sock.recv(1) == b""


def test_an_idle_socket_is_closed_after_the_timeout_given(served, monkeypatch) -> None:
    """Not before the timeout (a lower bound: the clock starts before the connection does), and by the timeout
    given: the one the connection's socket was set to, seen as each connection is set up, not timed from
    above (HANG_S is a guard against a hang)."""
    server, _ = served
    timeouts: list[float | None] = []
    setup = server_module._Handler.setup

    def seen(handler: server_module._Handler) -> None:
        setup(handler)
        timeouts.append(handler.connection.gettimeout())

    monkeypatch.setattr(server_module._Handler, "setup", seen)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=HANG_S) as sock:
        assert sock.recv(1) == b""
        assert time.monotonic() - started > SHORT_S - 0.05
    assert timeouts == [SHORT_S]


def test_any_other_failure_of_a_request_is_one_line_not_a_traceback(tmp_path, capfd) -> None:
    class Broken(LiveRun):
        def snapshot(self):  # a fault of ours, not the client's: said, in one line
            raise RuntimeError("the page could not be built")

    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    errors: list[str] = []
    server = ViewServer(Broken(ReportRequest((str(trace.write(tmp_path / "run.jsonl")),)), Environment(cwd=tmp_path)),
                        max_text=100, on_error=errors.append, idle_timeout=SHORT_S)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.server_address[1])
            assert sock.recv(1) == b""
    finally:
        server.shutdown()
        server.server_close()
    assert errors == ["view: a request from 127.0.0.1 failed: RuntimeError('the page could not be built')"]
    assert "Traceback" not in capfd.readouterr().err
