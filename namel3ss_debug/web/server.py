"""The page `view` serves, on 127.0.0.1 only.

One run (or BASE NEW compared): `/` (the page) and `/data` (its data document). A directory of runs (`view
DIR`, or `view` with no TRACE: trace_output_dir): `/` is the list of its runs and `/runs.json` the list's data
(its query string: the page's filters and sort, `ops/browse.query_of`); `/run/<run id>` a run's page and
`/compare/<base id>/<new id>` two runs compared, each with its data at `<page>/data`; `/run/latest` the
directory's newest run (with --follow, moved to each new run as it starts). A run id in a path is looked up
in the directory's run index, never joined into a path: an id the index does not hold is a 404 page that
says so.

It binds to the loopback address, and answers 403 to a peer that is not on loopback anyway and to a
request whose Host header is not this server's loopback name (a web page elsewhere cannot reach it by
DNS rebinding). Only GET and HEAD are answered; a request line whose target is not a path (`GET *`) is 400, any
other path 404. A data URL with `?since=V` answers 204 when the run (or the list) is still at version V, so a page
that polls costs a stat of the run's files (and, following a directory, a listing of it: the page goes on polling
after the run ended, for the next run).

Each connection has a thread of its own, and one request (HTTP/1.0: the server closes the connection after
its answer). A connection that sends nothing, or takes none of its answer, for `IDLE_TIMEOUT_S` is closed,
so idle sockets hold no thread for long and never hold up other clients. A client that hangs up early
(before its request, in the middle of it or of the answer) ends its own connection and nothing else: no
traceback on the terminal, as http.server would print.
"""

from __future__ import annotations

import html
import ipaddress
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import orjson

from ..model.errors import Namel3ssDebugError, TraceError, UsageError
from ..model.messages import visible
from ..ops.browse import RunsBrowser, query_of
from ..ops.view import LiveRun, Snapshot, experiment_forks
from ..render.report.document import page_document
from ..render.report.html import page_html
from ..render.report.runs_document import runs_document

LOOPBACK = "127.0.0.1"
POLL_MS = 500
LIST_POLL_MS = 2000  # the list of a followed directory: each poll may sync the index (a stat of every file)
DATA_PATH = "/data"
RUNS_DATA_PATH = "/runs.json"
LATEST = "latest"  # /run/latest: the directory's newest run
IDLE_TIMEOUT_S = 10.0  # a browser's unused preconnected socket lives about this long; a loopback client needs far less
# the answer is written a chunk at a time: the idle timeout is per chunk, not for the whole page
WRITE_CHUNK = 64 * 1024
_TEXT = "text/plain; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_NOTE_PAGE = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
              '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
              '{refresh}<title>{title}</title><style>body{{font:14px system-ui,sans-serif;margin:3em}}</style></head>'
              '<body{ready}><h1>{title}</h1><p>{text}</p><p><a href="/">all runs</a></p></body></html>')


class ViewServer(ThreadingHTTPServer):
    """An HTTP server for one `LiveRun` (a run, or two compared) or a `RunsBrowser` (a directory of runs);
    `url` is where the page is."""

    daemon_threads = True  # Ctrl-C does not wait for a client's connection
    allow_reuse_address = False
    request_queue_size = 64  # many clients connecting at once are not made to retry (the default is 5)

    def __init__(self, served: LiveRun | RunsBrowser, *, port: int = 0, max_text: int,
                 on_error: Callable[[str], None], idle_timeout: float = IDLE_TIMEOUT_S):
        self.live = served if isinstance(served, LiveRun) else None
        self.browser = served if isinstance(served, RunsBrowser) else None
        self.max_text, self.on_error, self.idle_timeout = max_text, on_error, idle_timeout
        super().__init__((LOOPBACK, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}/"

    def document(self, snapshot: Snapshot, live: LiveRun | None = None, data_url: str = DATA_PATH,
                 nav: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data document of a run page (`live`: its LiveRun, the server's own by default)."""
        live = live or self.live
        assert live is not None
        polling = None
        if live.follow:
            polling = {"poll_ms": POLL_MS, "version": snapshot.version, "ended": snapshot.ended, "data_url": data_url,
                       "running": snapshot.running, "watching": live.watching,
                       "switched_from": snapshot.switched_from, "in_flight": snapshot.in_flight}
        if nav is not None and self.browser is not None:  # the experiment's forks this directory's index holds
            nav = {**nav, "served": [run_id for run_id in experiment_forks(snapshot.page)
                                     if self.browser.row(run_id) is not None]}
        return page_document(snapshot.page, max_text=self.max_text, live=polling, now_ms=snapshot.now_ms, nav=nav)

    def runs(self, query: str) -> dict[str, Any]:
        """The list page's data document for a query string."""
        assert self.browser is not None
        listing = self.browser.listing(query_of(parse_qs(query)))
        live = ({"poll_ms": LIST_POLL_MS, "version": listing.version, "data_url": RUNS_DATA_PATH}
                if self.browser.follow else None)
        return runs_document(listing, directory=self.browser.directory, live=live)

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
    with_body = True  # False: a HEAD request, answered without its body

    def setup(self) -> None:
        # each read and write of the connection: socketserver reads `self.timeout`, a class default we set per server
        self.timeout = self.server.idle_timeout  # type: ignore[misc]  # typeshed declares it a ClassVar
        super().setup()

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        self.with_body = with_body
        if not _loopback(self.client_address[0]) or not self._our_host():
            self._send(HTTPStatus.FORBIDDEN, b"forbidden: this server answers only its own page on loopback\n", _TEXT)
            return
        try:
            url = urlsplit(self.path)
        except ValueError:  # `GET http://[oops]/`: a bracketed host that is no IPv6 address
            url = urlsplit("")
        if not url.path.startswith("/"):  # `GET *`, a URL with no path or one that does not parse: no route of ours
            self._send(HTTPStatus.BAD_REQUEST, b"bad request: the request line names no path (/...)\n", _TEXT)
            return
        try:
            if self.server.browser is not None:
                self._browse(url.path, url.query)
            elif url.path in ("/", DATA_PATH):
                assert self.server.live is not None
                self._run(self.server.live, url.path == DATA_PATH, url.query, DATA_PATH, None)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", _TEXT)
        except UsageError as error:  # a query string the list does not take
            self._send(HTTPStatus.BAD_REQUEST, f"{error}\n".encode(), _TEXT)
        except Namel3ssDebugError as error:  # the run index failed (its database stopped answering): said once
            self._failed(error)

    def _browse(self, path: str, query: str) -> None:
        """The routes of a directory of runs (see the module docstring)."""
        browser = self.server.browser
        assert browser is not None
        parts = [unquote(part) for part in path.split("/")[1:]]
        data = parts[-1] == "data" and len(parts) == {"run": 3, "compare": 4}.get(parts[0])
        named = parts[:-1] if data else parts
        if parts == [""]:
            self._html(page_html(self.server.runs(query), served=True))
        elif path == RUNS_DATA_PATH:
            since = parse_qs(query).get("since", [""])[0]
            if since and since == str(browser.version()):
                self._send(HTTPStatus.NO_CONTENT, b"", None)
            else:
                self._send(HTTPStatus.OK, orjson.dumps(self.server.runs(query)), "application/json")
        elif named == ["run", LATEST]:
            self._run(browser.latest(), data, query, f"/run/{LATEST}/data", {"list": "/", "latest": True})
        elif len(named) == 2 and named[0] == "run":
            self._named_run(browser, named[1], data, query)
        elif len(named) == 3 and named[0] == "compare":
            live = browser.compare(named[1], named[2])
            if live is None:
                self._unknown(browser, [run_id for run_id in named[1:] if browser.row(run_id) is None])
            else:
                self._run(live, data, query, f"/compare/{_q(named[1])}/{_q(named[2])}/data", {"list": "/"})
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", _TEXT)

    def _named_run(self, browser: RunsBrowser, run_id: str, data: bool, query: str) -> None:
        live = browser.run(run_id)
        if live is None:
            self._unknown(browser, [run_id])
            return
        row = browser.row(run_id)
        parent = row.parent if row is not None else None
        nav = {"list": "/", "parent": parent, "parent_listed": parent is not None and browser.row(parent) is not None}
        self._run(live, data, query, f"/run/{_q(run_id)}/data", nav)

    def _run(self, live: LiveRun, data: bool, query: str, data_url: str, nav: dict[str, Any] | None) -> None:
        """A run's page (or its data document, 204 when it is still at the version the page has)."""
        try:
            snapshot = live.snapshot()
        except TraceError as error:
            if nav is not None and nav.get("latest") and live.follow and not data:
                self._html(_note_page("waiting for a run", f"{error}: this page looks again every second.",
                                      refresh=True))
                return
            self._failed(error)
            return
        except Namel3ssDebugError as error:
            self._failed(error)
            return
        if not data:
            self._html(page_html(self.server.document(snapshot, live, data_url, nav), served=True))
            return
        since = parse_qs(query).get("since", [""])[0]
        if since == str(snapshot.version):  # running spans grow on the page's own clock meanwhile
            self._send(HTTPStatus.NO_CONTENT, b"", None)
            return
        self._send(HTTPStatus.OK, orjson.dumps(self.server.document(snapshot, live, data_url, nav)), "application/json")

    def _failed(self, error: Namel3ssDebugError) -> None:
        self.server.on_error(str(error))
        self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"{error}\n".encode(), _TEXT)

    def _unknown(self, browser: RunsBrowser, run_ids: list[str]) -> None:
        names = " and ".join(repr(run_id) for run_id in run_ids) or "that run"
        self._html(_note_page("no such run", f"the run index of {browser.directory} holds no run {names}: it may "
                              "have been deleted, or the id is mistyped."), HTTPStatus.NOT_FOUND)

    def _our_host(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        port = self.server.server_address[1]
        return host in (f"{LOOPBACK}:{port}", f"localhost:{port}")

    def _html(self, text: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(status, text.encode("utf-8"), _HTML)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str | None) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.end_headers()
        if self.with_body and body:
            view = memoryview(body)
            for start in range(0, len(view), WRITE_CHUNK):
                self.wfile.write(view[start:start + WRITE_CHUNK])

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the URL and errors, not every poll."""


def _note_page(title: str, text: str, *, refresh: bool = False) -> str:
    """A page of one sentence (a run the index does not hold; a run waited for), its text escaped."""
    # a page that looks again is not the page yet: no readiness said
    return _NOTE_PAGE.format(title=html.escape(title, quote=False), text=html.escape(visible(text), quote=False),
                             ready="" if refresh else ' data-ready="note"',
                             refresh='<meta http-equiv="refresh" content="1">' if refresh else "")


def _q(run_id: str) -> str:
    return quote(run_id, safe="")


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False
