"""Requests made with `requests`, recorded at its adapter and answered there in a rerun."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer, cut_stream_server

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
    broken = cut_stream_server()
    url = f"{broken.url}/v1/chat/completions"

    def app() -> list[Any]:
        lines: list[Any] = []
        try:
            response = requests.post(url, json={"model": "m", "messages": [], "stream": True}, stream=True)
            lines.extend(json.loads(line[6:]) for line in response.iter_lines() if line)  # a replay writes JSON compact
        except requests.exceptions.RequestException as error:
            lines.append(type(error).__name__)
        return lines

    first, events = record(app)
    broken.stop()
    again, _, session = rerun(events, app)
    assert first == [{"n": 1}, {"n": 2}, "ChunkedEncodingError"]
    assert again == first and session.tally.counts["recorded"] == 1
