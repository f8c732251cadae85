"""One loopback HTTP server for the tests: routes given as data or small callables, every request recorded.

    with LoopbackServer({"GET /weather": lambda request: json_reply({"city": request.query["city"]})}) as server:
        requests.get(f"{server.url}/weather?city=Paris")
        server.requests[0].path   # '/weather?city=Paris'

A route's key is `"METHOD /path"` (the path without its query), `"METHOD *"` (any path) or `"*"`; its value is
a `Reply`, a `Stream`, or a callable taking the `Request` and returning one of them. A request no route takes is
answered 404. The server listens on 127.0.0.1 (a free port) and answers from daemon threads until `stop()`;
its `url` ends with `base` (`/v1` for an OpenAI client's base URL), `origin` is the URL without it.

`TcpListener` is the same below HTTP: each connection handed to a callable, or what it sent kept.

The stand-in for the LLM APIs is not here: it is the example's (`support.stubserver.StubServer`); this kit is
for the servers a test shapes itself (a service a tool calls, an OTLP receiver, a model that answers on cue, a
stream that breaks).
"""

from __future__ import annotations

import bisect
import json
import mimetypes
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Sequence, Union
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """What the server was sent: the method, the path with its query, the headers (looked up whatever the case of
    a name, as http.server reads them) and the body."""

    method: str
    path: str
    headers: Message
    body: bytes

    @property
    def route(self) -> str:
        """The path without its query."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        """The query's parameters, the first value of each."""
        return {name: values[0] for name, values in parse_qs(urlsplit(self.path).query).items()}

    def json(self) -> Any:
        """The body as JSON (an empty body reads as `{}`)."""
        return json.loads(self.body or b"{}")


@dataclass(frozen=True)
class Reply:
    """A whole answer: a status, a body and its type (None: no Content-Type), and any other headers."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A chunked answer, one HTTP chunk a frame, and how it ends: `done` (the body's last chunk), `cut` (the
    connection shut mid-body `pause` seconds after the frames), `garbage` (a line that is no chunk size, then
    the cut), `hold` (nothing more, the connection open, until the server stops)."""

    frames: Sequence[bytes]
    end: Literal["done", "cut", "garbage", "hold"] = "done"
    pause: float = 0.0
    content_type: str = "text/event-stream"


Answer = Union[Reply, Stream]
Route = Union[Answer, Callable[[Request], Answer]]


def json_reply(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """`document` as a JSON answer."""
    return Reply(json.dumps(document).encode(), status, "application/json", dict(headers or {}))


def text_reply(text: str, status: int = 200, content_type: str = "text/plain") -> Reply:
    return Reply(text.encode(), status, content_type)


def sse_frames(events: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Server-sent events as the APIs send them: an event with a `type` (Anthropic's) with its `event:` line,
    else (OpenAI's) its data alone."""
    return [((f"event: {e['type']}\n" if "type" in e else "") + f"data: {json.dumps(e)}\n\n").encode()
            for e in events]


def chat_completion(message: Mapping[str, Any], *, usage: tuple[int, int], model: str = "gpt-4o-mini",
                    id: str = "chatcmpl-1", created: int = 0, finish_reason: str = "stop",
                    logprobs: bool = False) -> dict[str, Any]:
    """An OpenAI Chat Completions answer holding one choice, `message`; `usage` is (prompt, completion)
    tokens; `logprobs` adds the choice's `"logprobs": null` as the API writes it."""
    choice: dict[str, Any] = {"index": 0, "message": dict(message), "finish_reason": finish_reason}
    if logprobs:
        choice["logprobs"] = None
    prompt, completion = usage
    return {"id": id, "object": "chat.completion", "created": created, "model": model, "choices": [choice],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}


def files(directory: Path) -> Callable[[Request], Reply]:
    """A route serving the files under `directory` (a folder's `index.html` for the folder), 404 for others."""
    root = directory.resolve()

    def serve(request: Request) -> Reply:
        path = (root / request.route.lstrip("/")).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(root) or not path.is_file():
            return text_reply("not found", 404)
        return Reply(path.read_bytes(), 200, mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    return serve


class LoopbackServer:
    """The server on 127.0.0.1; `requests` lists what it was sent, in order. A context manager, or
    `start()` / `stop()`; a second `stop()` returns at once."""

    def __init__(self, routes: Mapping[str, Route] | Callable[[Request], Answer], *, name: str = "stub",
                 protocol: str = "HTTP/1.1", base: str = "") -> None:
        self.routes: Mapping[str, Route] = routes if isinstance(routes, Mapping) else {"*": routes}
        self.base = base
        self.requests: list[Request] = []
        self.released = threading.Event()  # what a held stream waits for
        self._server = _Server(("127.0.0.1", 0), _handler(self, protocol))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=name, daemon=True)
        self._stopped = False

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.origin + self.base

    def answer(self, request: Request) -> Answer:
        """What the routes answer to `request` (a 404 when none takes it)."""
        self.requests.append(request)
        for key in (f"{request.method} {request.route}", f"{request.method} *", "*"):
            if key in self.routes:
                route = self.routes[key]
                return route(request) if callable(route) else route
        return json_reply({"error": {"message": f"no route {request.method} {request.route}"}}, 404)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.released.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ChatStub:
    """An OpenAI chat-completions stand-in on 127.0.0.1 (HTTP/1.0) for a test to subclass: `answer(request)`
    answers each POST; `url` is its `/v1` base URL, `requests` how many requests reached it."""

    def __init__(self) -> None:
        self.server = LoopbackServer({"POST *": self.answer}, protocol="HTTP/1.0").start()
        self.url = f"{self.server.url}/v1"

    @property
    def requests(self) -> int:
        return len(self.server.requests)

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def stop(self) -> None:
        self.server.stop()


class TcpListener:
    """A TCP listener on 127.0.0.1 handing each connection to `serve(connection)` in a thread of its own until
    `close()`, then closing it (quietly when the client went away: an OSError). By default `serve` keeps what
    the connection sent, whole once it closed or `timeout` seconds passed without a byte, in `heard`, in the
    order the connections were made (one that sent nothing is not kept). `receive_buffer` sets the accepted
    connections' receive window."""

    def __init__(self, serve: Callable[[socket.socket], None] | None = None, *, timeout: float = 5.0,
                 receive_buffer: int | None = None) -> None:
        self.sock = socket.socket()
        if receive_buffer is not None:  # before listen: accepted connections inherit it, and the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)  # the accepting loop looks at `closed` this often
        self.heard: list[bytes] = []
        self.connections: list[socket.socket] = []
        self.closed = threading.Event()
        self._serve = serve
        self._made: list[int] = []  # the number of each connection `heard` holds, in the order they were made
        self._timeout = timeout
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="tcp-listener", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received(self, count: int, within: float = 5.0) -> list[bytes]:
        """`heard`, once `count` connections have been heard (or `within` seconds have passed)."""
        deadline = time.monotonic() + within
        while len(self.heard) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.heard

    def take(self, settle: float = 0.5) -> list[bytes]:
        """What was heard since the last `take`, once what is on its way has had `settle` seconds to arrive."""
        time.sleep(settle)
        with self._lock:
            heard, self.heard, self._made = self.heard, [], []
        return heard

    def close(self) -> None:
        self.closed.set()
        self._thread.join()
        self.sock.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            made = len(self.connections)
            threading.Thread(target=self._handle, args=(connection, made), daemon=True).start()

    def _handle(self, connection: socket.socket, made: int) -> None:
        try:
            self._serve(connection) if self._serve else self._keep(connection, made)
        except OSError:  # the client gave up and closed
            pass
        finally:
            connection.close()

    def _keep(self, connection: socket.socket, made: int) -> None:
        connection.settimeout(self._timeout)
        chunks: list[bytes] = []
        try:
            while chunk := connection.recv(4096):
                chunks.append(chunk)
        finally:
            if chunks:
                with self._lock:  # in the order the connections were made, whichever ended first
                    at = bisect.bisect(self._made, made)
                    self._made.insert(at, made)
                    self.heard.insert(at, b"".join(chunks))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about a client that went away (a test that cut or dropped a stream); loud about the rest."""
        import sys  # noqa: PLC0415 - only on an error

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(server: LoopbackServer, protocol: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol
        disable_nagle_algorithm = True  # a small answer goes out at once, not after the client's delayed ACK

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = server.answer(Request(self.command, self.path, self.headers, body))
            if isinstance(answer, Stream):
                self._stream(answer)
                return
            self.send_response(answer.status)
            if answer.content_type is not None:
                self.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def _stream(self, stream: Stream) -> None:
            self.send_response(200)
            self.send_header("Content-Type", stream.content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for frame in stream.frames:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            if stream.end == "done":
                self.wfile.write(b"0\r\n\r\n")
                return
            self.wfile.flush()
            self.close_connection = True
            if stream.end == "hold":
                server.released.wait(60)
                return
            time.sleep(stream.pause)  # the client has the frames before the break, as over a real network
            if stream.end == "garbage":
                self.wfile.write(b"not a chunk size\r\n")
                self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    return Handler
