"""The tests' loopback server kit (tests/support/stubs.py) answers as its routes say and records what it was sent."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support.stubs import LoopbackServer, Reply, Request, Stream, files, json_reply, text_reply


def get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers or {}), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_route_answers_its_method_and_path_and_others_are_not_found():
    with LoopbackServer({"GET /a": text_reply("a"), "POST *": lambda r: json_reply(r.json(), 201)}) as server:
        assert get(f"{server.url}/a") == (200, b"a")
        assert get(f"{server.url}/b", b'{"x": 1}') == (201, b'{"x": 1}')
        assert get(f"{server.url}/b")[0] == 404


def test_every_request_is_recorded_with_its_query_headers_and_body():
    with LoopbackServer({"*": Reply()}) as server:
        get(f"{server.url}/w?city=Paris&n=2", b"body", {"X-Key": "k"})
    [request] = server.requests
    assert (request.method, request.path, request.route, request.body) == ("POST", "/w?city=Paris&n=2", "/w", b"body")
    assert request.query == {"city": "Paris", "n": "2"} and request.headers["x-key"] == "k"


def test_the_url_ends_with_the_base_and_the_origin_does_not():
    server = LoopbackServer({}, base="/v1")
    assert server.url == server.origin + "/v1" and server.origin.startswith("http://127.0.0.1:")
    server.stop()


def chunks(server: LoopbackServer) -> tuple[list[bytes], str]:
    """The body's chunks as read, and how the body ended."""
    connection = http.client.HTTPConnection("127.0.0.1", int(server.origin.rsplit(":", 1)[1]), timeout=10)
    connection.request("POST", "/", b"{}")
    response = connection.getresponse()
    got: list[bytes] = []
    try:
        while chunk := response.read1():
            got.append(chunk)
    except http.client.HTTPException as error:
        return got, type(error).__name__
    finally:
        connection.close()
    return got, "end"


@pytest.mark.parametrize("end, ended", [("done", "end"), ("cut", "IncompleteRead"), ("garbage", "IncompleteRead")])
def test_a_stream_sends_its_frames_then_ends_as_told(end: str, ended: str):
    with LoopbackServer({"*": Stream([b"data: 1\n\n", b"data: 2\n\n"], end=end)}) as server:  # type: ignore[arg-type]
        got, how = chunks(server)
    assert b"".join(got) == b"data: 1\n\ndata: 2\n\n" and how == ended


def test_a_held_stream_sends_nothing_more_until_the_server_stops():
    server = LoopbackServer({"*": Stream([b"data: 1\n\n"], end="hold")}).start()
    read: list[tuple[list[bytes], str]] = []
    reader = threading.Thread(target=lambda: read.append(chunks(server)))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive()  # the frame came, the body has not ended
    server.stop()
    reader.join(10)
    assert read and b"".join(read[0][0]) == b"data: 1\n\n"


def test_files_serves_a_folder_s_index_and_nothing_outside_it(tmp_path: Path):
    (tmp_path / "site" / "page").mkdir(parents=True)
    (tmp_path / "site" / "page" / "index.html").write_text("<p>hi</p>")
    (tmp_path / "secret.txt").write_text("no")
    with LoopbackServer({"GET *": files(tmp_path / "site")}) as server:
        assert get(f"{server.url}/page/") == (200, b"<p>hi</p>")
        assert get(f"{server.url}/../secret.txt")[0] == 404
        assert get(f"{server.url}/missing.js")[0] == 404


def test_a_route_may_be_a_callable_of_the_request():
    def echo(request: Request) -> Reply:
        return json_reply({"asked": request.route})

    with LoopbackServer(echo) as server:
        assert json.loads(get(f"{server.url}/x?y=1")[1]) == {"asked": "/x"}
