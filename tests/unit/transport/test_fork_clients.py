"""A fork's live requests through `requests` and aiohttp (httpx is the openai SDK's: tests/cli/test_rerun_fork.py):
the body the fork changed is what is sent and recorded, and `base_url` sends it to another server."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator

import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer

from namel3ss_debug import capture_http
from namel3ss_debug.rerun.fork import ForkPlan

requests = pytest.importorskip("requests")
aiohttp = pytest.importorskip("aiohttp")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
ASKED_INSTEAD = [{"role": "user", "content": "What about Oslo?"}]


@pytest.fixture
def stubs() -> Iterator[tuple[Any, Any]]:
    capture_http()
    with StubServer() as a, StubServer(fresh=True) as b:
        yield a, b


def body(question: str, model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": question}]}


def with_requests(url: str) -> list[str]:
    return [requests.post(f"{url}/v1/chat/completions", json=body(question)).json()["choices"][0]["message"]["content"]
            for question in ("one", "two")]


def with_aiohttp(url: str) -> list[str]:
    async def app() -> list[str]:
        async with aiohttp.ClientSession() as session:
            said = []
            for question in ("one", "two"):
                async with session.post(f"{url}/v1/chat/completions", json=body(question)) as response:
                    said.append((await response.json())["choices"][0]["message"]["content"])
            return said

    return asyncio.run(app())


@pytest.mark.parametrize("client", [with_requests, with_aiohttp], ids=["requests", "aiohttp"])
def test_a_fork_sends_the_changed_request_to_the_other_server(stubs, client):
    a, b = stubs
    _, events = record(lambda: client(a.url))
    recorded_hits = len(a.hits)
    plan = ForkPlan("llm:openai.chat#2", "ask", ASKED_INSTEAD, base_url=b.url)
    said, new_events, session = rerun(events, lambda: client(a.url), fork=plan)
    assert len(a.hits) == recorded_hits  # the first call came from the recording
    assert b.requests == [{"model": "gpt-4o-mini", "messages": ASKED_INSTEAD}]
    assert said[0] == "Echo: one" and said[1].startswith("Echo: What about Oslo? [nonce ")
    starts = [event for event in new_events if event["event_type"] == "llm_call_start"]
    assert starts[1]["inputs"]["messages"] == ASKED_INSTEAD
    ends = [event for event in new_events if event["event_type"] == "llm_call_end"]
    assert ends[1]["attrs"]["sent_to"] == f"{b.url}/v1/chat/completions"
    assert session.parted == "llm:openai.chat#2" and session.tally.counts["live"] == 1


@pytest.mark.parametrize("client", [with_requests, with_aiohttp], ids=["requests", "aiohttp"])
def test_model_rewrites_every_request_from_the_fork_on(stubs, client):
    a, b = stubs
    _, events = record(lambda: client(a.url))
    plan = ForkPlan("llm:openai.chat#1", "model", model="gpt-other", base_url=b.url)
    rerun(events, lambda: client(a.url), fork=plan)
    assert [request["model"] for request in b.requests] == ["gpt-other", "gpt-other"]
