"""The stand-in for the LLM APIs (examples/llm_stub_server.py), loaded by its path for the tests (the
examples folder is not a package), and a server that cuts a stream mid-body."""

from __future__ import annotations

import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from support.pathmodule import module_at

ROOT = Path(__file__).resolve().parents[2]


StubServer = module_at("llm_stub_server", ROOT / "examples" / "llm_stub_server.py").StubServer


class CutStream(BaseHTTPRequestHandler):
    """Two server-sent events, then the connection cut in the middle of the chunked body."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in (b'data: {"n": 1}\n\n', b'data: {"n": 2}\n\n'):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        self.wfile.flush()
        time.sleep(0.2)  # the client has the frames before the break, as over a real network
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
