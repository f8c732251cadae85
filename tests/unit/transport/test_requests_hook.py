"""Requests made with `requests`, recorded at its adapter and answered there in a rerun."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from rerunhelpers import record, rerun
from stubserver import StubServer

from namel3ss_debug import capture_http

requests = pytest.importorskip("requests")
KEY = "sk-test-requests-hook"

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@pytest.fixture
def server() -> Iterator[Any]:
    capture_http()
    stub = StubServer(api_key=KEY, fresh=True).start()
    yield stub
    stub.stop()


class Breaking(BaseHTTPRequestHandler):
    """Two server-sent events, then the connection cut in the middle of the chunked body."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
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


def ask(url: str, question: str) -> str:
    response = requests.post(f"{url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                             json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]})
    return response.json()["choices"][0]["message"]["content"]


def test_a_request_is_recorded_and_answered_again_with_the_server_gone(server):
    first, events = record(lambda: [ask(server.url, "one"), ask(server.url, "two")])
    server.stop()
    again, new_events, session = rerun(events, lambda: [ask(server.url, "one"), ask(server.url, "two")])
    assert again == first == [answer["text"] for answer in server.answers]
    assert session.tally.counts["recorded"] == 2
    assert [e["outputs"]["text"] for e in new_events if e["event_type"] == "llm_call_end"] == first


def test_a_stream_that_broke_breaks_again_after_the_lines_it_gave():
    capture_http()
    broken = ThreadingHTTPServer(("127.0.0.1", 0), Breaking)
    threading.Thread(target=broken.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{broken.server_address[1]}/v1/chat/completions"

    def app() -> list[Any]:
        lines: list[Any] = []
        try:
            response = requests.post(url, json={"model": "m", "messages": [], "stream": True}, stream=True)
            lines.extend(json.loads(line[6:]) for line in response.iter_lines() if line)  # a replay writes JSON compact
        except requests.exceptions.RequestException as error:
            lines.append(type(error).__name__)
        return lines

    first, events = record(app)
    broken.shutdown()
    broken.server_close()
    again, _, session = rerun(events, app)
    assert first == [{"n": 1}, {"n": 2}, "ChunkedEncodingError"]
    assert again == first and session.tally.counts["recorded"] == 1
