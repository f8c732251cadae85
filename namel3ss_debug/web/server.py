"""The page `view` serves, on 127.0.0.1 only: `/` (the page) and `/data` (its data document), nothing else.

It binds to the loopback address, and answers 403 to a peer that is not on loopback anyway and to a
request whose Host header is not this server's loopback name (a web page elsewhere cannot reach it by
DNS rebinding). Only GET and HEAD are answered; any other path is 404. `/data?since=V` answers 204 when
the run is still at version V, so a page that polls costs a stat of the run's files (and, following a
directory, a listing of it: the page goes on polling after the run ended, for the next run).

Each connection has a thread of its own, and one request (HTTP/1.0: the server closes the connection after
its answer). A connection that sends nothing, or takes none of its answer, for `IDLE_TIMEOUT_S` is closed,
so idle sockets hold no thread for long and never hold up other clients. A client that hangs up early
(before its request, in the middle of it or of the answer) ends its own connection and nothing else: no
traceback on the terminal, as http.server would print.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from ..model.errors import Namel3ssDebugError
from ..ops.view import LiveRun, Snapshot
from ..render.report.document import page_document
from ..render.report.html import page_html

LOOPBACK = "127.0.0.1"
POLL_MS = 500
DATA_PATH = "/data"
IDLE_TIMEOUT_S = 10.0  # a browser's unused preconnected socket lives about this long; a loopback client needs far less
# the answer is written a chunk at a time: the idle timeout is per chunk, not for the whole page
WRITE_CHUNK = 64 * 1024


class ViewServer(ThreadingHTTPServer):
    """An HTTP server for one `LiveRun`; `url` is where the page is."""

    daemon_threads = True  # Ctrl-C does not wait for a client's connection
    allow_reuse_address = False
    request_queue_size = 64  # many clients connecting at once are not made to retry (the default is 5)

    def __init__(self, live: LiveRun, *, port: int = 0, max_text: int, on_error: Callable[[str], None],
                 idle_timeout: float = IDLE_TIMEOUT_S):
        self.live, self.max_text, self.on_error, self.idle_timeout = live, max_text, on_error, idle_timeout
        super().__init__((LOOPBACK, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}/"

    def document(self, snapshot: Snapshot) -> dict[str, Any]:
        live = None
        if self.live.follow:
            live = {"poll_ms": POLL_MS, "version": snapshot.version, "ended": snapshot.ended, "data_url": DATA_PATH,
                    "running": snapshot.running, "watching": self.live.watching,
                    "switched_from": snapshot.switched_from, "in_flight": snapshot.in_flight}
        return page_document(snapshot.page, max_text=self.max_text, live=live, now_ms=snapshot.now_ms)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up or went quiet is no error of ours: its connection is closed, silently. Any
        other failure of one request is one line (http.server would print a traceback)."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.on_error(f"view: a request from {client_address[0]} failed: {error!r}")

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests; the CLI calls `serve_forever` itself)."""
        thread = threading.Thread(target=self.serve_forever, name="namel3ss-debug view", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: ViewServer
    server_version = "namel3ss-debug"
    sys_version = ""

    def setup(self) -> None:
        # each read and write of the connection: socketserver reads `self.timeout`, a class default we set per server
        self.timeout = self.server.idle_timeout  # type: ignore[misc]  # typeshed declares it a ClassVar
        super().setup()

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        if not _loopback(self.client_address[0]) or not self._our_host():
            self._send(HTTPStatus.FORBIDDEN, b"forbidden: this server answers only its own page on loopback\n",
                       "text/plain; charset=utf-8", with_body)
            return
        url = urlsplit(self.path)
        if url.path not in ("/", DATA_PATH):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", with_body)
            return
        try:
            snapshot = self.server.live.snapshot()
        except Namel3ssDebugError as error:
            self.server.on_error(str(error))
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"{error}\n".encode(), "text/plain; charset=utf-8", with_body)
            return
        if url.path == "/":
            page = page_html(self.server.document(snapshot), served=True).encode("utf-8")
            self._send(HTTPStatus.OK, page, "text/html; charset=utf-8", with_body)
            return
        since = parse_qs(url.query).get("since", [""])[0]
        if since == str(snapshot.version):  # running spans grow on the page's own clock meanwhile
            self._send(HTTPStatus.NO_CONTENT, b"", None, with_body)
            return
        body = orjson.dumps(self.server.document(snapshot))
        self._send(HTTPStatus.OK, body, "application/json", with_body)

    def _our_host(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        return host in (f"{LOOPBACK}:{port}", f"localhost:{port}")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str | None, with_body: bool) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.end_headers()
        if with_body and body:
            view = memoryview(body)
            for start in range(0, len(view), WRITE_CHUNK):
                self.wfile.write(view[start:start + WRITE_CHUNK])

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the URL and errors, not every poll."""


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
