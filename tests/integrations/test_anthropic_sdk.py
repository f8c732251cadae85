"""The anthropic SDK recorded at its HTTP client with no change to the app: what is particular to it.
A stream is recorded as its events, `with_raw_response`, `beta.messages.create` and the
`messages.stream()` helpers like any call, a broken stream as the events before the break; `replay
--rerun` mocks a call with a text, and rebuilds equal messages and stream events.

The app (sdk_anthropic.py) is recorded and rerun once for the session (conftest's `sdk_runs`), and
the tests that hold for the openai SDK too are test_sdk_calls.py's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from support.rerunhelpers import record, rerun
from sdk_anthropic import ANTHROPIC, NAME, TOOLS

from namel3ss_debug import capture_http

anthropic = pytest.importorskip("anthropic",
                                reason="the anthropic SDK is not installed: pip install anthropic")
from anthropic.types import Message, RawContentBlockDeltaEvent, RawMessageStreamEvent  # noqa: E402 - after the skip
from pydantic import TypeAdapter  # noqa: E402 - the SDK's dependency

STREAM_EVENT = TypeAdapter(RawMessageStreamEvent)


@pytest.fixture(scope="module")
def main_run(sdk_runs: Any) -> Any:
    """The app recorded: `main_run.traced`, `main_run.server` (stopped), `main_run.cli`."""
    return sdk_runs(ANTHROPIC).recorded


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label"), [(2, "stream"), (9, "async_stream")])
def test_a_stream_is_recorded_as_its_events_and_what_they_add_up_to(main_run, index, label):
    start, end = ANTHROPIC.calls(main_run.traced, "main")[index]
    record, events = end["outputs"]["return"], main_run.traced.printed[f"{label} event"]
    assert start["inputs"]["stream"] is True and start["attrs"]["stream"] is True
    assert end["status"] == "completed" and "closed_early" not in end["attrs"]
    assert [frame["event"] for frame in record["frames"]] == [json.loads(event)["type"] for event in events]
    assert [STREAM_EVENT.validate_python(frame["data"]).model_dump_json() for frame in record["frames"]] == events
    assert end["outputs"]["text"] == main_run.traced.printed[f"{label} text"][0] != ""
    assert end["outputs"]["finish_reason"] == "end_turn" and end["attrs"]["ttft_ms"] > 0
    started = json.loads(events[0])["message"]["usage"]["input_tokens"]
    delta = json.loads(events[-2])["usage"]["output_tokens"]  # message_delta, before message_stop
    assert end["usage"] == {"input_tokens": started, "output_tokens": delta, "total_tokens": started + delta}


def test_with_raw_response_beta_and_the_stream_helpers_are_recorded_like_any_call(main_run):
    calls = ANTHROPIC.calls(main_run.traced, "main")
    (raw, raw_end), (beta, beta_end), (helper, helper_end) = calls[5:8]
    assert main_run.traced.printed["raw status"] == ["200"]
    assert raw["inputs"]["messages"] == [{"role": "user", "content": "raw please"}]
    assert raw_end["outputs"]["text"] == "Echo: raw please"
    assert beta["attrs"]["http"]["url"] == main_run.server.url + main_run.server.hits[6][1]  # as sent
    assert beta_end["outputs"]["text"] == "Echo: beta"
    assert [start["inputs"]["stream"] for start, _ in (calls[7], calls[10])] == [True, True]
    assert [end["outputs"]["text"] for _, end in (calls[7], calls[10])] == ["Echo: helper sync", "Echo: helper async"]
    assert main_run.traced.printed["helper text"] == [helper_end["outputs"]["text"]]


def test_a_stream_that_breaks_midway_ends_failed_with_the_events_before_the_break(main_run):
    _, end = ANTHROPIC.calls(main_run.traced, "errors")[4]
    assert main_run.traced.printed["broken event"] == ["message_start", "content_block_start", "content_block_delta"]
    assert end["status"] == "failed" and end["error"]["type"] == "httpx2.RemoteProtocolError"
    assert main_run.traced.printed["broken"] == ["httpx2.RemoteProtocolError"]
    assert [frame["event"] for frame in end["outputs"]["return"]["frames"]] == \
        ["message_start", "content_block_start", "content_block_delta"]
    assert end["outputs"]["text"] == "Half "


# --- rerun ----------------------------------------------------------------------------------------

def test_a_text_mock_becomes_the_whole_message_streamed_or_not(main_run):
    again = main_run.cli.rerun(main_run.traced, "--mock", f'llm:{NAME}#1="Mocked"',
                               "--mock", f'llm:{NAME}#3="Mocked stream"', "--mock", f'llm:{NAME}#8="Mocked helper"',
                               "--mock", f'llm:{NAME}#11="Mocked async helper"')
    assert again.returncode == 0, again.stderr
    lines = again.printed
    assert (lines["sync text"], lines["stream text"]) == (["Mocked"], ["Mocked stream"])
    assert (lines["helper text"], lines["async_helper text"]) == (["Mocked helper"], ["Mocked async helper"])
    assert "text='Mocked helper'" in lines["helper final"][0] and "stop_reason='end_turn'" in lines["helper final"][0]
    assert "text='Mocked async helper'" in lines["async_helper final"][0]
    assert lines["tool use"] == main_run.traced.printed["tool use"]  # the other calls still from the recording
    texts = [end["outputs"].get("text") for _, end in ANTHROPIC.calls(again, "main")]
    assert [texts[index] for index in (0, 2, 7, 10)] == ["Mocked", "Mocked stream", "Mocked helper",
                                                         "Mocked async helper"]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_rebuilds_messages_and_events_equal_to_the_recorded_sdk_objects(llm_stub, stub_key, dead_url):
    capture_http()  # the HTTP clients of this process, hooked as `trace` hooks an app's

    def app(url: str) -> tuple[Any, ...]:
        client = anthropic.Anthropic(base_url=url, api_key=stub_key, max_retries=0)
        aclient = anthropic.AsyncAnthropic(base_url=url, api_key=stub_key, max_retries=0)
        ask = {"model": "claude-stub", "max_tokens": 16, "messages": [{"role": "user", "content": "Weather in Oslo"}]}
        reply = client.messages.create(**ask, tools=TOOLS)
        events = list(client.messages.create(**ask, tools=TOOLS, stream=True))
        raw = client.messages.with_raw_response.create(**ask).parse()
        beta = client.beta.messages.create(**ask)
        with client.messages.stream(**ask) as stream:
            final = stream.get_final_message()

        async def both() -> tuple[Any, list[Any]]:
            areply = await aclient.messages.create(**ask)
            return areply, [event async for event in await aclient.messages.create(**ask, stream=True)]

        return (reply, events, raw, beta, final, *asyncio.run(both()))

    original, recording = record(lambda: app(llm_stub.url))
    replayed, events, _ = rerun(recording, lambda: app(dead_url))
    assert replayed == original
    assert type(replayed[0]) is type(replayed[2]) is type(replayed[5]) is Message
    assert [type(value) for value in (*replayed, *replayed[1])] == [type(value) for value in (*original, *original[1])]
    assert RawContentBlockDeltaEvent in {type(event) for event in replayed[6]}
    assert [end["attrs"]["replay"] for end in events if end["event_type"] == "llm_call_end"] == ["recorded"] * 7
