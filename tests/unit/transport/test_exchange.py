"""Requests recorded at the httpx transport and answered there in a rerun, in this process, against the
stub server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer

from namel3ss_debug import capture_http
from namel3ss_debug.launch.rerun import placeholder_keys
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.transport.exchange import status_category
from namel3ss_debug.transport.opening import PLACEHOLDER_KEY
from namel3ss_debug.transport.request import Outgoing

httpx = pytest.importorskip("httpx")
KEY = "sk-test-exchange-0123456789"

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@pytest.fixture
def server() -> Any:
    capture_http()
    stub = StubServer(api_key=KEY, fresh=True).start()
    yield stub
    stub.stop()


def chat(client: Any, url: str, question: str, **extra: Any) -> str:
    response = client.post(f"{url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                           json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}],
                                 **extra})
    if extra.get("stream"):  # the text the chunks add up to (a replay serves the same JSON, written compact)
        chunks = [json.loads(line[6:]) for line in response.text.split("\n") if line.startswith("data: {")]
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    return response.json()["choices"][0]["message"]["content"]


def ends(events: list[dict[str, Any]], event_type: str = "llm_call_end") -> list[dict[str, Any]]:
    return [event for event in events if event["event_type"] == event_type]


# -- recording -------------------------------------------------------------------------------------------
def test_an_llm_request_is_one_llm_span_with_what_it_asked_and_what_it_said(server):
    answer, events = record(lambda: chat(httpx.Client(), server.url, "Why is the sky blue?"))
    [start] = [e for e in events if e["event_type"] == "llm_call_start"]
    [end] = ends(events)
    sent = server.answers[0]
    assert start["name"] == "openai.chat" and start["model"] == "gpt-4o-mini"
    assert start["inputs"]["messages"] == [{"role": "user", "content": "Why is the sky blue?"}]
    assert start["attrs"]["http"] == {"method": "POST", "url": f"{server.url}/v1/chat/completions"}
    assert end["outputs"]["text"] == answer == sent["text"]
    assert (end["usage"]["input_tokens"], end["usage"]["output_tokens"]) == (sent["input_tokens"],
                                                                            sent["output_tokens"])
    assert end["outputs"]["return"]["status"] == 200 and end["attrs"]["http_status"] == 200
    assert KEY not in json.dumps(events)


def test_a_stream_is_recorded_frame_by_frame_with_its_time_to_first_token(server):
    _, events = record(lambda: chat(httpx.Client(), server.url, "one two three", stream=True))
    [end] = ends(events)
    assert end["outputs"]["return"]["framing"] == "sse"
    assert end["outputs"]["return"]["frames"][-1] == {"data": "[DONE]"}
    assert end["outputs"]["text"] == server.answers[0]["text"]
    assert end["attrs"]["ttft_ms"] > 0 and "closed_early" not in end["attrs"]


def test_another_request_is_an_http_span_named_after_its_host_with_secret_query_values_redacted(server):
    _, events = record(lambda: httpx.get(f"{server.url}/weather?city=Oslo&api_key=hunter2hunter2"))
    [start] = [e for e in events if e["event_type"] == "http_request_start"]
    [end] = ends(events, "http_request_end")
    assert (start["component"], start["name"]) == ("http", "127.0.0.1")
    assert start["attrs"]["http"]["url"].endswith("/weather?city=Oslo&api_key=%5BREDACTED%5D")
    assert end["status"] == "failed" and end["error"]["type"] == "HTTP 404"
    assert "hunter2hunter2" not in json.dumps(events)


def test_an_error_status_fails_the_span_with_the_api_s_message_and_a_category(server):
    def app() -> int:
        return httpx.post(f"{server.url}/v1/chat/completions", headers={"Authorization": "Bearer wrong"},
                          json={"model": "m", "messages": [{"role": "user", "content": "x"}]}).status_code

    status, events = record(app)
    [end] = ends(events)
    assert status == 401
    assert end["error"] == {"type": "HTTP 401", "message": "Incorrect API key provided", "category": "auth"}


@pytest.mark.parametrize(("mode", "spans"), [("all", ["llm_call_end", "http_request_end"]),
                                             ("llm", ["llm_call_end"]), ("off", [])])
def test_capture_http_chooses_what_is_recorded(server, mode, spans):
    def app() -> None:
        client = httpx.Client()
        chat(client, server.url, "hi")
        client.get(f"{server.url}/health")

    with capture_events(capture_http=mode) as run:
        app()
    assert [e["event_type"] for e in run.events if e["event_type"].endswith("_end") and e["event_type"] != "run_end"] \
        == spans


@pytest.mark.parametrize(("status", "category"), [(429, "rate_limit"), (401, "auth"), (403, "auth"),
                                                  (504, "timeout"), (503, "dependency"), (422, "parameter")])
def test_error_statuses_sort_into_categories(status, category):
    assert status_category(status) == category


def test_a_url_shows_its_query_with_secret_values_redacted():
    outgoing = Outgoing("GET", "https", "api.x.com", "/v1/a", "key=abc&q=1&sig=zz", "", b"")
    assert outgoing.url() == "https://api.x.com/v1/a?key=%5BREDACTED%5D&q=1&sig=%5BREDACTED%5D"


# -- replay ----------------------------------------------------------------------------------------------
def test_a_rerun_serves_the_recorded_responses_and_sends_nothing(server):
    def app() -> list[str]:
        client = httpx.Client()
        return [chat(client, server.url, "first"), chat(client, server.url, "second", stream=True)]

    first, events = record(app)
    sent = len(server.hits)
    again, new_events, session = rerun(events, app)
    assert again == first and len(server.hits) == sent
    assert session.tally.counts["recorded"] == 2
    assert [e["outputs"]["text"] for e in ends(new_events)] == [e["outputs"]["text"] for e in ends(events)]
    assert all(e["attrs"]["replay"] == "recorded" for e in ends(new_events))


def test_concurrent_agents_each_get_their_own_answers_whatever_order_they_start_in(server):
    async def agent(client: Any, name: str) -> str:
        first = (await client.post(f"{server.url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                                   json={"model": "m", "messages": [{"role": "user", "content": f"I am {name}"}]}))
        text = first.json()["choices"][0]["message"]["content"]
        return f"{name}: {text}"

    def app(order: tuple[str, ...]) -> Callable[[], dict[str, str]]:
        async def main() -> dict[str, str]:
            async with httpx.AsyncClient() as client:
                answers = await asyncio.gather(*(agent(client, name) for name in order))
            return dict(zip(order, answers))
        return lambda: asyncio.run(main())

    recorded, events = record(app(("a", "b", "c")))
    again, _, session = rerun(events, app(("c", "a", "b")))
    assert again == recorded and session.tally.counts["recorded"] == 3


def test_agents_in_a_thread_pool_each_get_their_own_answers(server):
    def app(order: tuple[str, ...]) -> Callable[[], dict[str, str]]:
        def main() -> dict[str, str]:
            client = httpx.Client()
            with ThreadPoolExecutor(max_workers=3) as pool:
                answers = pool.map(lambda name: chat(client, server.url, f"I am {name}"), order)
                return dict(zip(order, answers))
        return main

    recorded, events = record(app(("a", "b", "c")))
    again, _, session = rerun(events, app(("b", "c", "a")))
    assert again == recorded and session.tally.counts["recorded"] == 3


def test_identical_requests_go_to_the_task_that_made_them(server):
    def app(order: tuple[str, ...]) -> Callable[[], dict[str, str]]:
        async def ask() -> str:
            async with httpx.AsyncClient() as client:
                return chat_async_text(await client.post(
                    f"{server.url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                    json={"model": "m", "messages": [{"role": "user", "content": "same"}]}))

        async def main() -> dict[str, str]:
            tasks = {name: asyncio.create_task(ask(), name=f"agent-{name}") for name in order}
            return {name: await task for name, task in tasks.items()}
        return lambda: asyncio.run(main())

    recorded, events = record(app(("a", "b")))
    assert recorded["a"] != recorded["b"]  # fresh nonces: the two answers differ
    again, _, _ = rerun(events, app(("b", "a")))
    assert again == recorded


def chat_async_text(response: Any) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_a_request_the_recording_lacks_is_a_miss_offering_no_call_of_another_kind(server):
    _, events = record(lambda: chat(httpx.Client(), server.url, "hello"))
    result, _, session = rerun(events, lambda: httpx.get(f"{server.url}/elsewhere"), )
    assert isinstance(result, RerunMiss)
    assert session.tally.misses[0].call == "http:127.0.0.1#1"
    assert session.tally.misses[0].candidates == ()  # the recording's one call is a model call, not a request


def test_a_changed_request_is_answered_in_order_and_the_difference_is_shown(server):
    _, events = record(lambda: chat(httpx.Client(), server.url, "hello"))
    result, _, session = rerun(events, lambda: chat(httpx.Client(), server.url, "hello, changed"))
    assert result == server.answers[0]["text"] and session.tally.counts["recorded"] == 1
    _, _, strict = rerun(events, lambda: chat(httpx.Client(), server.url, "hello, changed"), match="inputs")
    assert strict.tally.misses and "inputs" in " ".join(strict.tally.misses[0].candidates[0].reasons)


def test_a_text_mock_is_the_api_s_whole_answer_saying_it(server):
    _, events = record(lambda: chat(httpx.Client(), server.url, "hello", stream=True))
    mocks = {"llm:openai.chat#1": Mock(parse_key("llm:openai.chat#1"), "mocked words", "test")}
    result, new_events, _ = rerun(events, lambda: chat(httpx.Client(), server.url, "hello", stream=True), mocks=mocks)
    assert result == "mocked words"
    assert ends(new_events)[0]["outputs"]["text"] == "mocked words"


def test_a_live_request_in_a_rerun_goes_without_the_placeholder_key(server):
    _, events = record(lambda: None)
    environ: dict[str, str] = {}

    def app() -> int:
        with placeholder_keys(environ):
            headers = {"Authorization": f"Bearer {environ['OPENAI_API_KEY']}"}
            return httpx.post(f"{server.url}/v1/chat/completions", headers=headers,
                              json={"model": "m", "messages": [{"role": "user", "content": "x"}]}).status_code

    status, _, session = rerun(events, app, on_miss="live")
    assert status == 401 and session.tally.counts["live"] == 1
    assert PLACEHOLDER_KEY not in " ".join(server.seen_keys) and environ == {}


def test_placeholder_keys_fill_only_unset_variables_and_go_away():
    environ = {"ANTHROPIC_API_KEY": "mine", "GOOGLE_API_KEY": "g"}
    with placeholder_keys(environ) as added:
        assert environ["OPENAI_API_KEY"] == PLACEHOLDER_KEY and environ["ANTHROPIC_API_KEY"] == "mine"
        assert "ANTHROPIC_API_KEY" not in added and "GEMINI_API_KEY" not in added
    assert environ == {"ANTHROPIC_API_KEY": "mine", "GOOGLE_API_KEY": "g"}
