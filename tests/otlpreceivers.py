"""OTLP trace receivers on 127.0.0.1 for tests, and the two kinds of receiver that is down.

`HttpReceiver` (http.server decoding each request as `ExportTraceServiceRequest`) and `GrpcReceiver` (the
collector's gRPC service) keep every span they were sent, decoded (ids as hex, attributes as values); `HttpReceiver(delay=...)` answers all requests
but the first that late. `refused_url()` names a port nobody listens on; `Blackhole` accepts connections
and never answers (a hung receiver, or a host whose packets vanish once connected).
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


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
    """An OTLP/HTTP receiver: every span it took, decoded, and how many requests it answered."""

    def __init__(self, delay: float = 0.0) -> None:
        self.spans = []
        self.requests = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.requests and delay:
                    time.sleep(delay)
                receiver.requests += 1
                receiver.spans.extend(_decoded(ExportTraceServiceRequest.FromString(body), dict(self.headers)))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class GrpcReceiver(_Kept):
    """An OTLP/gRPC receiver: every span it took, decoded."""

    def __init__(self) -> None:
        from concurrent import futures  # noqa: PLC0415 - only the gRPC receiver needs them

        import grpc  # noqa: PLC0415
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc  # noqa: PLC0415

        self.spans = []
        receiver = self

        class Service(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 - the service's name
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
