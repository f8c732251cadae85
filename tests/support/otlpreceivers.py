"""OTLP trace receivers on 127.0.0.1 for tests, and the two kinds of receiver that is down.

`HttpReceiver` (http.server decoding each request as `ExportTraceServiceRequest`) and `GrpcReceiver` (the
collector's gRPC service) keep every span they were sent, decoded (ids as hex, attributes as values);
`HttpReceiver(delay=...)` answers all requests but the first that late. `refused_url()` names a port nobody
listens on; `Blackhole` accepts connections and never answers (a hung receiver, or a host whose packets vanish
once connected). `Dripping` answers a byte a second for ever, `SlowReading` reads a request a byte a second and
never answers, `StatusReceiver` answers every request with one status (a redirect, 503 or 429 with a
Retry-After). `run_exporting_app` runs the app the live-export tests export from, as a user runs it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from support.stubs import LoopbackServer, Reply, Request, TcpListener

# Twenty tool calls, a pause (argv[1] seconds: the batch so far goes out while the app still runs), twenty more.
EXPORTING_APP = textwrap.dedent("""
    import sys, time
    from namel3ss_debug import trace_tool_call

    @trace_tool_call
    def work(i):
        return i

    for i in range(20):
        work(i)
    time.sleep(float(sys.argv[1]))
    for i in range(20):
        work(i)
    print("done")
""")


def run_exporting_app(directory: Path, environ: dict[str, str], pause: float = 0.0,
                      ) -> tuple[float, subprocess.CompletedProcess[str]]:
    """EXPORTING_APP run as `python app.py PAUSE` in `directory` with `environ` (the test's tracing and export
    settings), timed to its exit: the seconds, and what it did (it must exit 0, printing `done`)."""
    app = directory / "app.py"
    app.write_text(EXPORTING_APP)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(app), str(pause)], cwd=directory, env=environ, capture_output=True,
                          text=True, timeout=60)
    took = time.perf_counter() - start
    assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
    return took, done


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def _decoded(request: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Each span of an `ExportTraceServiceRequest` as a dict, with its resource's attributes and the
    request's headers (gRPC: its metadata)."""
    found = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                found.append({
                    "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                    "parent": span.parent_span_id.hex() or None, "name": span.name, "status": span.status.code,
                    "attributes": {kv.key: _value(kv.value) for kv in span.attributes},
                    "events": [event.name for event in span.events], "resource": resource, "headers": headers,
                    "start": span.start_time_unix_nano, "end": span.end_time_unix_nano,
                    "scope": scope_spans.scope.name})
    return found


class _Kept:
    spans: list[dict[str, Any]]

    @property
    def names(self) -> list[str]:
        """The names of the spans taken, in order."""
        return [span["name"] for span in self.spans]


class HttpReceiver(_Kept):
    """An OTLP/HTTP receiver: every span it took, decoded, and how many requests it was sent."""

    def __init__(self, delay: float = 0.0) -> None:
        self.spans = []
        self.delay = delay
        self.server = LoopbackServer({"POST *": self._take}, name="otlp-http", protocol="HTTP/1.0").start()
        self.url = self.server.url

    @property
    def requests(self) -> int:
        return len(self.server.requests)

    def _take(self, request: Request) -> Reply:
        if len(self.server.requests) > 1 and self.delay:
            time.sleep(self.delay)
        self.spans.extend(_decoded(ExportTraceServiceRequest.FromString(request.body), dict(request.headers)))
        return Reply(ExportTraceServiceResponse().SerializeToString(), content_type="application/x-protobuf")

    def close(self) -> None:
        self.server.stop()


class GrpcReceiver(_Kept):
    """An OTLP/gRPC receiver: every span it took, decoded."""

    def __init__(self) -> None:
        from concurrent import futures  # noqa: PLC0415 - only the gRPC receiver needs them

        import grpc  # noqa: PLC0415 - as above
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc  # noqa: PLC0415 - as above

        self.spans = []
        receiver = self

        class Service(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                receiver.spans.extend(_decoded(request, dict(context.invocation_metadata())))
                return ExportTraceServiceResponse()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Service(), self.server)
        self.url = f"http://127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def close(self) -> None:
        self.server.stop(None)


def refused_url() -> str:
    """A loopback URL whose port was free a moment ago: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class Blackhole:
    """A listener that accepts every connection (the kernel's backlog does) and never reads or answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


class StatusReceiver:
    """An OTLP/HTTP endpoint that reads each request whole and answers every one with `status` and `headers`
    (a dict the test may change after start: a redirect to the receiver's own `url`, a `Retry-After`);
    `requests` counts what it was sent."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status, self.headers = status, dict(headers or {})
        self.server = LoopbackServer(lambda _: Reply(b"", self.status, None, dict(self.headers)),
                                     name="otlp-status").start()
        self.url = self.server.url

    @property
    def requests(self) -> int:
        return len(self.server.requests)

    def close(self) -> None:
        self.server.stop()


class _Raw(TcpListener):
    """A listener handing each connection to `serve(connection)`, for receivers that misbehave below HTTP (a byte
    at a time)."""

    def __init__(self, receive_buffer: int | None = None) -> None:
        super().__init__(self.serve, receive_buffer=receive_buffer)

    def serve(self, connection: socket.socket) -> None:
        raise NotImplementedError


def _read_request(connection: socket.socket) -> bytes:
    """One HTTP request read whole (its headers, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class Dripping(_Raw):
    """Reads each request whole, then answers a byte every `every` seconds, for ever: a status line, then a
    header that never ends (a receiver, or a proxy before it, that trickles; each byte comes well within any
    read timeout)."""

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nX-Trickle: "

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        super().__init__()

    def serve(self, connection: socket.socket) -> None:
        _read_request(connection)
        sent = 0
        while not self.closed.wait(self.every):
            connection.sendall(self.ANSWER[sent:sent + 1] if sent < len(self.ANSWER) else b"a")
            sent += 1


class SlowReading(_Raw):
    """Reads each request a `chunk` every `every` seconds through a small receive window, and never answers:
    a sender's request of more than a few kilobytes stays half sent."""

    def __init__(self, every: float = 1.0, chunk: int = 1, receive_buffer: int = 4096) -> None:
        self.every, self.chunk = every, chunk
        super().__init__(receive_buffer)

    def serve(self, connection: socket.socket) -> None:
        while not self.closed.wait(self.every):
            if not connection.recv(self.chunk):
                return
