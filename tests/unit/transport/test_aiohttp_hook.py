"""aiohttp requests recorded at `ClientSession._request` and answered there in a rerun, with the real
aiohttp against the stub LLM server (examples/llm_stub_server.py) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Awaitable, Callable

import orjson
import pytest
from support.rerunhelpers import record, rerun
from support.stubserver import StubServer, cut_stream_server

import namel3ss_debug
from namel3ss_debug import capture_http, get_tracer
from namel3ss_debug.transport import aiohttp_hook
from namel3ss_debug.transport.opening import PLACEHOLDER_KEY

aiohttp = pytest.importorskip("aiohttp")
pytestmark = pytest.mark.usefixtures("isolated_workspace")

KEY = "sk-test-aiohttp-hook"
Event = dict[str, Any]




@pytest.fixture(scope="module")
def server() -> Any:
    stub = StubServer(api_key=KEY, fresh=True).start()
    yield stub
    stub.stop()


@pytest.fixture
def chat(server: Any) -> Callable[..., Any]:
    """`chat(session, question, stream=False, model=...)`: POST a chat completion; the response."""
    def post(session: Any, question: str, *, stream: bool = False, model: str = "gpt-4o-mini", **kwargs: Any) -> Any:
        body = {"model": model, "messages": [{"role": "user", "content": question}], "stream": stream}
        kwargs.setdefault("headers", {"Authorization": f"Bearer {KEY}"})
        return session.post(server.openai_url + "/chat/completions", json=body, **kwargs)

    return post


def traced(directory: Path, app: Callable[[], Awaitable[Any]]) -> tuple[Any, list[Event]]:
    """Run `app()` under `configure(enabled=True)`; what it returned and the events of its trace file."""
    namel3ss_debug.configure(enabled=True, trace_output_dir=str(directory))
    try:
        result = asyncio.run(app())
    finally:
        get_tracer().end_run()
    return result, trace_events(directory)


def trace_events(directory: Path) -> list[Event]:
    return [orjson.loads(line) for path in sorted(directory.rglob("*.jsonl"))
            for line in path.read_bytes().splitlines()]


def rerun_app(events: list[Event], app: Callable[[], Awaitable[Any]]) -> tuple[Any, list[Event]]:
    """`app()` again, its requests answered from `events` as `replay --rerun` answers them: what it
    returned (or raised) and the new run's events."""
    result, replayed, _ = rerun(events, lambda: asyncio.run(app()))
    return result, replayed


def llm_ends(events: list[Event]) -> list[Event]:
    return [e for e in events if e["event_type"] == "llm_call_end"]


def said(delta_lines: list[bytes]) -> str:
    """The text of OpenAI chat stream lines."""
    text = ""
    for raw in delta_lines:
        line = raw.decode().strip()
        if line.startswith("data: ") and line != "data: [DONE]":
            text += "".join(c["delta"].get("content") or "" for c in json.loads(line[6:])["choices"])
    return text


# -- recording ---------------------------------------------------------------------------------------
def test_a_whole_answer_read_with_json_is_one_llm_span_with_its_text_and_usage(tmp_path, chat):
    async def app() -> str:
        async with aiohttp.ClientSession() as session, chat(session, "Capital of France?") as response:
            return (await response.json())["choices"][0]["message"]["content"]

    text, events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert (end["name"], end["status"], end["outputs"]["text"]) == ("openai.chat", "completed", text)
    assert end["usage"]["output_tokens"] > 0 and end["outputs"]["return"]["status"] == 200


def test_a_json_body_becomes_the_spans_inputs(tmp_path, chat):
    async def app() -> None:
        async with aiohttp.ClientSession() as session, chat(session, "Capital of Peru?") as response:
            await response.read()

    _, events = traced(tmp_path, app)
    [start] = [e for e in events if e["event_type"] == "llm_call_start"]
    assert start["inputs"]["messages"] == [{"role": "user", "content": "Capital of Peru?"}]


def test_a_bytes_body_is_read_as_the_same_request(tmp_path, server):
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Capital of Chile?"}]}

    async def app() -> None:
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(base_url=server.url) as session, \
                session.post("/v1/chat/completions", data=json.dumps(body).encode(), headers=headers) as response:
            await response.text()

    _, events = traced(tmp_path, app)
    [start] = [e for e in events if e["event_type"] == "llm_call_start"]
    assert start["name"] == "openai.chat" and start["inputs"]["messages"] == body["messages"]


def test_a_stream_read_line_by_line_is_recorded_as_its_frames(tmp_path, chat):
    async def app() -> str:
        async with aiohttp.ClientSession() as session, chat(session, "Name a river.", stream=True) as response:
            return said([line async for line in response.content])

    text, events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert end["outputs"]["text"] == text and text.startswith("Echo: Name a river.")
    assert end["outputs"]["return"]["frames"][-1] == {"data": "[DONE]"} and "ttft_ms" in end["attrs"]


def test_a_stream_read_in_fixed_chunks_is_recorded_whole(tmp_path, chat):
    async def app() -> str:
        async with aiohttp.ClientSession() as session, chat(session, "Name a lake.", stream=True) as response:
            data = b"".join([chunk async for chunk in response.content.iter_chunked(7)])
            return said(data.splitlines())

    text, events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert end["outputs"]["text"] == text and "closed_early" not in end["attrs"]


def ended(directory: Path) -> int:
    """How many LLM spans of the running trace have ended."""
    get_tracer().flush()
    return len(llm_ends(trace_events(directory)))


def test_the_span_ends_when_the_app_has_read_the_body_not_when_it_arrived(tmp_path, chat):
    async def app() -> tuple[int, int]:
        async with aiohttp.ClientSession() as session, chat(session, "Name a sea.") as response:
            await asyncio.sleep(0.05)  # the body has come by now, unread
            before = ended(tmp_path)
            await response.read()
            return before, ended(tmp_path)

    (before, after), _ = traced(tmp_path, app)
    assert (before, after) == (0, 1)


def test_a_stream_released_before_its_end_is_marked_closed_early(tmp_path, chat):
    async def app() -> tuple[bytes, int]:
        async with aiohttp.ClientSession() as session:
            async with chat(session, "Name a bay.", stream=True) as response:
                first = await response.content.readline()
            return first, ended(tmp_path)

    (first, count), events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert count == 1 and end["attrs"]["closed_early"] is True and first.startswith(b"data: ")
    assert len(end["outputs"]["return"]["frames"]) == 1  # what the app read, nothing more


def test_a_response_dropped_unread_still_ends_its_span(tmp_path, chat):
    async def app() -> int:
        async with aiohttp.ClientSession() as session:
            response = await chat(session, "Name a cape.")
            await asyncio.sleep(0.05)  # the whole body arrives, and aiohttp lets the connection go
            del response
            gc.collect()
            return ended(tmp_path)

    count, events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert count == 1 and end["attrs"]["closed_early"] is True


def test_a_request_to_another_api_is_an_http_span_named_after_its_host_with_the_response(tmp_path, server):
    async def app() -> int:
        async with aiohttp.ClientSession() as session, session.get(server.url + "/v1/nothing") as response:
            await response.read()
            return response.status

    status, events = traced(tmp_path, app)
    [end] = [e for e in events if e["event_type"] == "http_request_end"]
    assert end["name"] == "127.0.0.1" and end["outputs"]["return"]["status"] == status == 404


def test_a_placeholder_key_is_never_sent_even_from_the_sessions_default_headers(tmp_path, server, chat):
    async def app() -> None:
        placeholder = {"Authorization": f"Bearer {PLACEHOLDER_KEY}"}
        async with aiohttp.ClientSession(headers=placeholder) as session:
            async with chat(session, "Name a gulf.", headers={}) as response:
                await response.read()
            async with chat(session, "Name a strait.", headers=placeholder) as response:
                await response.read()

    seen = len(server.seen_keys)
    traced(tmp_path, app)
    assert server.seen_keys[seen:] == ["", ""]


@pytest.fixture
def gzip_server() -> Any:
    """An aiohttp server on 127.0.0.1 that answers every chat completion with a gzipped JSON body."""
    from aiohttp import web  # noqa: PLC0415 - optional: the module is skipped without it (importorskip above)

    body = gzip.compress(json.dumps({"object": "chat.completion", "model": "m", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "zipped"}, "finish_reason": "stop"}]}).encode())

    async def answer(request: Any) -> Any:
        await request.read()
        return web.Response(body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url="http://127.0.0.1:%d" % runner.addresses[0][1])
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_compressed_answer_is_recorded_as_the_app_read_it_decoded(tmp_path, gzip_server):
    async def app() -> str:
        async with aiohttp.ClientSession(base_url=gzip_server.url) as session, \
                session.post("/v1/chat/completions", json={"model": "m", "messages": []}) as response:
            return (await response.json())["choices"][0]["message"]["content"]

    text, events = traced(tmp_path, app)
    [end] = llm_ends(events)
    assert text == end["outputs"]["text"] == "zipped" and "content-encoding" not in end["outputs"]["return"]["headers"]

# -- a rerun -----------------------------------------------------------------------------------------
async def gathered_app(chat: Callable[..., Any]) -> list[str]:
    """Two questions at once, then a stream read three ways: what the app printed."""
    async with aiohttp.ClientSession() as session:
        async def ask(question: str) -> str:
            async with chat(session, question) as response:
                response.raise_for_status()
                return (await response.json())["choices"][0]["message"]["content"]

        answers = list(await asyncio.gather(ask("Capital of France?"), ask("Capital of Spain?")))
        async with chat(session, "Name a river.", stream=True) as response:
            answers.append(said([line async for line in response.content]))
        async with chat(session, "Name a lake.", stream=True) as response:
            answers.append(said(b"".join([c async for c, _ in response.content.iter_chunks()]).splitlines()))
        async with chat(session, "Name a sea.", stream=True) as response:
            answers.append(said([await response.content.readline()]))  # then closed early
        return answers


def test_a_rerun_answers_every_request_from_the_trace_without_the_network(tmp_path, server, chat):
    printed, recorded = traced(tmp_path / "recorded", lambda: gathered_app(chat))
    hits = len(server.hits)
    again, replayed = rerun_app(recorded, lambda: gathered_app(chat))
    assert again == printed and len(server.hits) == hits
    assert [e["attrs"]["replay"] for e in llm_ends(replayed)] == ["recorded"] * 5


def test_a_rerun_ends_each_span_with_the_recorded_outputs(tmp_path, chat):
    _, recorded = traced(tmp_path / "recorded", lambda: gathered_app(chat))
    _, replayed = rerun_app(recorded, lambda: gathered_app(chat))

    def said_by(events: list[Event]) -> dict[str, Any]:
        starts = {e["span_id"]: e["inputs"]["messages"][0]["content"] for e in events
                  if e["event_type"] == "llm_call_start"}
        return {starts[e["span_id"]]: (e["outputs"], e.get("usage"), e["attrs"].get("closed_early"))
                for e in llm_ends(events)}

    assert said_by(replayed) == said_by(recorded)


def test_a_replayed_response_reads_like_the_live_one(tmp_path, chat):
    async def app() -> tuple[Any, ...]:
        async with aiohttp.ClientSession() as session, chat(session, "Capital of Italy?") as response:
            text = await response.text()  # JSON served compact: the same value, not the same spaces
            return (response.status, response.reason, response.ok, response.headers["Content-Type"],
                    response.content_type, json.loads(text), await response.json(), str(response.url),
                    response.method, response.closed)

    live, recorded = traced(tmp_path / "recorded", app)
    again, _ = rerun_app(recorded, app)
    assert again == live


def test_raise_for_status_raises_the_same_error_again_in_a_rerun(tmp_path, chat):
    async def app() -> tuple[type, int]:
        async with aiohttp.ClientSession(raise_for_status=True) as session:
            try:
                async with chat(session, "Hello?", model="rate-limited"):
                    pass
            except aiohttp.ClientResponseError as error:
                return type(error), error.status
        raise AssertionError("no error")

    live, recorded = traced(tmp_path / "recorded", app)
    again, replayed = rerun_app(recorded, app)
    assert live == again == (aiohttp.ClientResponseError, 429)
    assert [e["error"]["type"] for e in llm_ends(replayed)] == [e["error"]["type"] for e in llm_ends(recorded)]


# -- installing --------------------------------------------------------------------------------------
def test_a_version_without_the_hook_point_is_named_and_left_alone():
    assert aiohttp_hook.install(SimpleNamespace()) == ["aiohttp.ClientSession._request"]


def test_installing_twice_wraps_once():
    aiohttp_hook.install(aiohttp)
    wrapped = aiohttp.ClientSession._request
    assert aiohttp_hook.install(aiohttp) == [] and aiohttp.ClientSession._request is wrapped


def test_a_stream_that_broke_breaks_again_in_a_rerun_after_the_lines_it_gave():
    capture_http()
    broken = cut_stream_server()
    url = f"{broken.url}/v1/chat/completions"

    async def read() -> list[Any]:
        lines: list[Any] = []
        async with aiohttp.ClientSession() as session:
            try:
                async with session.post(url, json={"model": "m", "messages": [], "stream": True}) as response:
                    async for line in response.content:
                        if line.strip():
                            lines.append(json.loads(line[6:]))
            except aiohttp.ClientError as error:
                lines.append(type(error).__name__)
        return lines

    first, events = record(lambda: asyncio.run(asyncio.wait_for(read(), 10)))
    broken.stop()
    again, _, session = rerun(events, lambda: asyncio.run(asyncio.wait_for(read(), 10)))
    assert first == [{"n": 1}, {"n": 2}, "ClientPayloadError"]
    assert again == first and session.tally.counts["recorded"] == 1
