"""A streamed answer ends at its last event (`response.completed`, `message_stop`, `[DONE]`), even when the
client stops reading there and leaves the stream open, as Strands does on the Responses API: the LLM span
ends with the answer and its tool calls are paired with the results the next request carries.

The server here writes each stream's events in HTTP chunks and then holds the connection open, sending
neither the body's end nor a close, until the test is over: a span that waited for the body's end would
end only with the run, after every later request (no clock is needed to tell the two apart).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from support.rerunhelpers import record
from support.stubserver import StubServer
from support.stubs import LoopbackServer, Request, Stream, sse_frames

from namel3ss_debug import capture_http
from namel3ss_debug.transport.finale import LastEvent

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
httpx = pytest.importorskip("httpx")
apis = __import__("sys").modules["llm_stub_apis"]  # loaded beside the stub server (stubserver.py)
TOOLS = [{"type": "function", "name": "get_weather", "description": "The weather in a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def held_stream(request: Request) -> Stream:
    """A POST answered as the stub server would, streamed, then the connection held open until the server
    stops: neither the body's end nor a close, the client stops reading by itself."""
    asked = request.json()
    reply = apis.route(request.route).api.build(asked, asked.get("model") or "stub", "")
    done = [b"data: [DONE]\n\n"] if reply.framing == "sse+done" else []
    return Stream(sse_frames(reply.chunks) + done, end="hold")


@pytest.fixture
def held() -> Iterator[LoopbackServer]:
    StubServer  # noqa: B018 - imported for its side effect: llm_stub_apis is loaded
    capture_http()
    with LoopbackServer({"POST *": held_stream}, name="held-streams") as server:
        yield server


def responses_loop(url: str) -> list[Any]:
    """A tool loop on the Responses API that stops reading each stream at `response.completed`, unclosed."""
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0)
    conversation: list[Any] = [{"role": "user", "content": "What is the weather in Paris"}]
    streams = []  # kept open, as the framework keeps them
    while True:
        stream = client.responses.create(model="gpt-4o-mini", input=conversation, tools=TOOLS, stream=True)
        streams.append(stream)
        completed = next(event for event in stream if event.type == "response.completed")
        calls = [item for item in completed.response.output if item.type == "function_call"]
        if not calls:
            return streams
        for call in calls:
            conversation.append({"type": "function_call", "call_id": call.call_id, "name": call.name,
                                 "arguments": call.arguments})
            conversation.append({"type": "function_call_output", "call_id": call.call_id, "output": "light rain"})


def by_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [event for event in events if event["event_type"] == event_type]


def test_a_responses_stream_left_open_ends_its_span_at_response_completed(held) -> None:
    _, events = record(lambda: responses_loop(held.url))
    starts, ends = by_type(events, "llm_call_start"), by_type(events, "llm_call_end")
    assert len(starts) == len(ends) == 2
    assert ends[0]["seq"] < starts[1]["seq"]  # ended with its answer, before the next request went out
    assert [end["outputs"]["tool_calls"][0]["name"] for end in ends[:1]] == ["get_weather"]
    assert ends[1]["outputs"]["text"].startswith("Echo: What is the weather in Paris")
    assert all("closed_early" not in end["attrs"] for end in ends)  # the whole answer had come


def test_the_tool_call_of_a_stream_left_open_is_paired_with_its_result(held) -> None:
    _, events = record(lambda: responses_loop(held.url))
    [start] = by_type(events, "tool_call_start")
    [end] = by_type(events, "tool_call_end")
    first = by_type(events, "llm_call_end")[0]
    assert (start["name"], start["inputs"], end["outputs"]["return"]) == ("get_weather", {"city": "Paris"},
                                                                          "light rain")
    assert start["attrs"]["llm_span_id"] == first["span_id"]
    assert start["attrs"]["tool_call_id"] == first["outputs"]["tool_calls"][0]["id"]


def test_an_anthropic_stream_left_open_ends_at_message_stop(held) -> None:
    def ask() -> list[Any]:
        client, kept = anthropic.Anthropic(base_url=held.url, api_key="sk-test", max_retries=0), []
        for question in ("first question", "second question"):
            kept.append(client.messages.create(model="claude-haiku-4-5", max_tokens=64, stream=True,
                                               messages=[{"role": "user", "content": question}]))
            next(event for event in kept[-1] if event.type == "message_stop")  # and left open
        return kept

    _, events = record(ask)
    starts, ends = by_type(events, "llm_call_start"), by_type(events, "llm_call_end")
    assert ends[0]["seq"] < starts[1]["seq"]
    assert [end["outputs"]["text"] for end in ends] == ["Echo: first question", "Echo: second question"]


def test_a_chat_stream_left_open_ends_at_done(held) -> None:
    def ask() -> list[Any]:
        client, kept = httpx.Client(), []
        for question in ("first question", "second question"):
            request = client.build_request("POST", f"{held.url}/v1/chat/completions", json={
                "model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": question}]})
            lines = client.send(request, stream=True).iter_lines()
            kept.append(lines)
            next(line for line in lines if line == "data: [DONE]")  # and left open
        return kept

    _, events = record(ask)
    starts, ends = by_type(events, "llm_call_start"), by_type(events, "llm_call_end")
    assert ends[0]["seq"] < starts[1]["seq"]
    assert [end["outputs"]["text"] for end in ends] == ["Echo: first question", "Echo: second question"]


# -- the watch itself ---------------------------------------------------------------------------------------
def test_a_last_event_cut_across_chunks_is_seen_once_its_blank_line_comes() -> None:
    watch, kept = LastEvent("sse"), []
    pieces = [b'data: {"type":"response.output_text.delta"}\n\n', b"event: response.comp", b'leted\ndata: {"type"',
              b':"response.completed"}\n', b"\n"]
    seen = []
    for piece in pieces:
        kept.append(piece)
        seen.append(watch.ended(piece, kept))
    assert seen == [False, False, False, False, True]


def test_a_last_events_name_inside_a_text_delta_ends_nothing() -> None:
    watch, kept = LastEvent("sse"), []
    for piece in (b'data: {"delta":"say [DONE] and message_stop"}\n\n', b'data: {"delta":"more"}\n\n'):
        kept.append(piece)
        assert watch.ended(piece, kept) is False
    kept.append(b"data: [DONE]\n\n")
    assert watch.ended(kept[-1], kept) is True


def test_an_ollama_line_with_done_ends_the_stream() -> None:
    watch, kept = LastEvent("ndjson"), [b'{"message":{"content":"hi"},"done":false}\n', b'{"done":true}\n']
    assert [watch.ended(kept[0], kept[:1]), watch.ended(kept[1], kept)] == [False, True]
