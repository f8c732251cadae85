"""The example stub server (examples/llm_stub_server.py): a client that hangs up is no error of the stub's, and
prints nothing (a benchmark's child that exits with a connection open printed a traceback each time)."""

from __future__ import annotations

import socket
import struct
import time

from support.stubserver import StubServer


def test_a_client_that_resets_its_connection_prints_no_traceback(capfd) -> None:
    server = StubServer().start()
    try:
        host, port = server.url.removeprefix("http://").split(":")
        client = socket.create_connection((host, int(port)))
        client.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: stub\r\n")  # a request cut short
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        client.close()
        time.sleep(0.3)  # the handler thread reads, and meets the reset
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err
