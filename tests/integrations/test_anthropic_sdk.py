"""The anthropic SDK recorded at its HTTP client with no change to the app: `namel3ss-debug trace
app.py` records every request the SDK sends (`messages.create`, streamed or not, `with_raw_response`,
`beta.messages.create`, the `messages.stream()` helper; sync and async) against the stub server, and
`replay --rerun` serves the recorded responses back with the server stopped, so the SDK builds the
same messages and stream events.

The apps print what they got from the SDK (`label: value` lines), so a test compares the trace with
what the app saw, and a rerun's output with the recorded run's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rerunhelpers import record, rerun

from namel3ss_debug import capture_http

anthropic = pytest.importorskip("anthropic",
                                reason="the anthropic SDK is not installed: pip install anthropic")
from anthropic.types import Message, RawContentBlockDeltaEvent, RawMessageStreamEvent  # noqa: E402 - after the skip
from pydantic import TypeAdapter  # noqa: E402 - the SDK's dependency

STREAM_EVENT = TypeAdapter(RawMessageStreamEvent)

NAME = "anthropic.messages"
SYSTEM = "Be brief."
QUESTION = [{"role": "user", "content": "What is the capital of France"}]
TOOLS = [{"name": "weather", "description": "The weather in a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]

CLIENTS = """
import asyncio, gc, json, os
import anthropic

URL, KEY = os.environ["STUB_URL"], os.environ["STUB_KEY"]
client = anthropic.Anthropic(base_url=URL, api_key=KEY, max_retries=0)

def url(name):  # another server's, in the recording; a rerun reaches none
    return os.environ.get(name, URL)

def user(text):
    return [{"role": "user", "content": text}]
"""

# The calls, in order: 0 plain, 1 tools, 2 stream, 3 key in default_headers, 4 key in extra_headers,
# 5 with_raw_response, 6 beta.messages.create, 7 the `messages.stream()` helper, 8 async plain,
# 9 async stream, 10 the async helper.
MAIN_APP = CLIENTS + f"""
SYSTEM, QUESTION, TOOLS = {SYSTEM!r}, {QUESTION!r}, {TOOLS!r}

def text_of(event):
    if event.type == "content_block_delta" and event.delta.type == "text_delta":
        return event.delta.text
    return ""

reply = client.messages.create(model="claude-stub", max_tokens=64, system=SYSTEM, messages=QUESTION,
                               stop_sequences=["END"])
print("sync text:", reply.content[0].text)
print("sync repr:", repr(reply))
print("sync json:", reply.model_dump_json())

asked = client.messages.create(model="claude-stub", max_tokens=64, messages=user("Weather in Paris"), tools=TOOLS)
use = [block for block in asked.content if block.type == "tool_use"][0]
print("tool use:", use.id, use.name, json.dumps(use.input))

pieces = []
with client.messages.create(model="claude-stub", max_tokens=64, messages=user("Tell me a short story"),
                            stream=True) as stream:
    for event in stream:
        print("stream event:", event.model_dump_json())
        pieces.append(text_of(event))
print("stream text:", "".join(pieces))

by_default = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0,
                                 default_headers={{"x-api-key": KEY}})
print("default_headers text:", by_default.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in default headers")).content[0].text)
by_extra = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in extra headers"),
    extra_headers={{"x-api-key": KEY}}).content[0].text)

raw = client.messages.with_raw_response.create(model="claude-stub", max_tokens=64, messages=user("raw please"))
print("raw status:", raw.http_response.status_code)
print("raw repr:", repr(raw.parse()))
print("beta repr:", repr(client.beta.messages.create(model="claude-stub", max_tokens=64, messages=user("beta"))))

with client.messages.stream(model="claude-stub", max_tokens=64, messages=user("helper sync")) as helper:
    print("helper text:", "".join(helper.text_stream))
    print("helper final:", repr(helper.get_final_message()))

async def main():
    aclient = anthropic.AsyncAnthropic(base_url=URL, api_key=KEY, max_retries=0)
    reply = await aclient.messages.create(model="claude-stub-async", max_tokens=32, system=SYSTEM,
                                          messages=QUESTION, metadata={{"user_id": "tester"}})
    print("async text:", reply.content[0].text)
    print("async repr:", repr(reply))
    print("async json:", reply.model_dump_json())
    pieces = []
    async with await aclient.messages.create(model="claude-stub-async", max_tokens=32,
                                             messages=user("Stream it async"), stream=True) as stream:
        async for event in stream:
            print("async_stream event:", event.model_dump_json())
            pieces.append(text_of(event))
    print("async_stream text:", "".join(pieces))
    async with aclient.messages.stream(model="claude-stub", max_tokens=64, messages=user("helper async")) as helper:
        print("async_helper text:", "".join([text async for text in helper.text_stream]))
        print("async_helper final:", repr(await helper.get_final_message()))
    await aclient.close()

asyncio.run(main())
"""

# Streams from a server that stalls after a few events, so the app closes them before they have all
# come: 0 closed, 1 closed (async), 2 dropped unfinished (async), 3 closed by its `async with`. The
# SDK's stream and its generator hold each other, so only the garbage collector (or asyncio.run's
# end) frees a dropped one.
EARLY_APP = CLIENTS + """
gc.disable()
stalled = anthropic.Anthropic(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
early = stalled.messages.create(model="claude-stub", max_tokens=64, messages=user("Count to ten"), stream=True)
print("early event:", next(iter(early)).model_dump_json())
early.close()

async def main():
    aclient = anthropic.AsyncAnthropic(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
    early = await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user("async"), stream=True)
    async for event in early:
        print("async_early event:", event.model_dump_json())
        break
    await early.close()

    async def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
        stream = await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user(question),
                                               stream=True)
        async for event in stream:
            if event.type == "content_block_delta":
                return event.delta.text

    print("dropped text:", await first_word("Stop after one word"))
    async with await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user("The last one"),
                                             stream=True) as last:
        print("last event:", (await last.__anext__()).model_dump_json())

asyncio.run(main())
"""

ERRORS_APP = CLIENTS + """
def attempt(label, client, model):
    try:
        print(label + ":", "answered", client.messages.create(model=model, max_tokens=16, messages=user("hi"))
              .content[0].text)
    except anthropic.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", anthropic.Anthropic(base_url=URL, api_key="sk-wrong", max_retries=0), "claude-stub")
attempt("529", client, "overloaded")
attempt("refused", anthropic.Anthropic(base_url=url("DEAD_URL"), api_key=KEY, max_retries=0), "claude-stub")

broken = anthropic.Anthropic(base_url=url("BROKEN_URL"), api_key=KEY, max_retries=0)
try:
    for event in broken.messages.create(model="claude-stub", max_tokens=16, messages=user("hi"), stream=True):
        print("broken event:", event.type)
except Exception as error:
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

FIRST_EVENTS = [
    {"type": "message_start", "message": {"id": "msg_cut", "type": "message", "role": "assistant", "content": [],
                                          "model": "claude-stub", "stop_reason": None, "stop_sequence": None,
                                          "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Half "}},
]

# One LLM call and one request that is not one (count_tokens: the stub answers 404).
ONE_CALL_APP = CLIENTS + """
try:
    client.messages.count_tokens(model="claude-stub", messages=user("count me"))
except anthropic.NotFoundError:
    print("count_tokens: not found")
print("text:", client.messages.create(model="claude-stub", max_tokens=16, messages=user("one call")).content[0].text)
"""


@pytest.fixture(scope="module")
def main_run(record_offline: Any) -> Any:
    # --no-redact: the redactor would hide a key that the recording let through
    return record_offline(MAIN_APP, "--no-redact")


@pytest.fixture(scope="module")
def errors_run(record_offline: Any, partial_stream_server: Any, dead_url: str) -> Any:
    broken = partial_stream_server(FIRST_EVENTS)
    recorded = record_offline(ERRORS_APP, env={"BROKEN_URL": broken.url, "DEAD_URL": dead_url})
    broken.stop()
    return recorded


@pytest.fixture(scope="module")
def early_run(record_offline: Any, partial_stream_server: Any) -> Any:
    stalled = partial_stream_server(FIRST_EVENTS, stall=True)
    recorded = record_offline(EARLY_APP, env={"STALLED_URL": stalled.url})
    stalled.stop()
    return recorded


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "model", "parameters"), [
    (0, "sync", "claude-stub", {"max_tokens": 64, "stop_sequences": ["END"]}),
    (8, "async", "claude-stub-async", {"max_tokens": 32, "metadata": {"user_id": "tester"}}),
])
def test_a_call_records_its_request_body_text_and_usage(main_run, index, label, model, parameters):
    start, end = main_run.traced.llm_calls(NAME)[index]
    assert start["model"] == model
    assert start["inputs"] == {"model": model, "system": SYSTEM, "messages": QUESTION, **parameters}
    assert start["attrs"]["http"] == {"method": "POST", "url": main_run.server.url + "/v1/messages"}
    assert (start["attrs"]["api"], start["attrs"]["provider"], start["attrs"]["stream"]) == (NAME, "anthropic", False)
    response = json.loads(main_run.traced.printed[f"{label} json"][0])
    assert end["status"] == "completed" and end["model"] == model
    assert end["outputs"]["text"] == main_run.traced.printed[f"{label} text"][0]
    assert end["outputs"]["text"] == "Echo: What is the capital of France"
    assert (end["outputs"]["finish_reason"], end["outputs"]["id"]) == ("end_turn", response["id"])
    assert end["outputs"]["return"]["body"]["id"] == response["id"]
    usage = response["usage"]
    assert end["usage"] == {"input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"],
                            "total_tokens": usage["input_tokens"] + usage["output_tokens"]}


def test_the_tool_uses_a_message_asks_for_are_recorded(main_run):
    start, end = main_run.traced.llm_calls(NAME)[1]
    assert start["inputs"]["tools"] == TOOLS
    use_id, name, arguments = main_run.traced.printed["tool use"][0].split(" ", 2)
    assert end["outputs"]["tool_calls"] == [{"id": use_id, "name": name, "arguments": {"city": "Paris"}}]
    assert (name, json.loads(arguments)) == ("weather", {"city": "Paris"})
    assert end["outputs"]["finish_reason"] == "tool_use"


@pytest.mark.parametrize(("index", "label"), [(2, "stream"), (9, "async_stream")])
def test_a_stream_is_recorded_as_its_events_and_what_they_add_up_to(main_run, index, label):
    start, end = main_run.traced.llm_calls(NAME)[index]
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
    calls = main_run.traced.llm_calls(NAME)
    (raw, raw_end), (beta, beta_end), (helper, helper_end) = calls[5:8]
    assert main_run.traced.printed["raw status"] == ["200"]
    assert raw["inputs"]["messages"] == [{"role": "user", "content": "raw please"}]
    assert raw_end["outputs"]["text"] == "Echo: raw please"
    assert beta["attrs"]["http"]["url"] == main_run.server.url + main_run.server.hits[6][1]  # as sent
    assert beta_end["outputs"]["text"] == "Echo: beta"
    assert [start["inputs"]["stream"] for start, _ in (calls[7], calls[10])] == [True, True]
    assert [end["outputs"]["text"] for _, end in (calls[7], calls[10])] == ["Echo: helper sync", "Echo: helper async"]
    assert main_run.traced.printed["helper text"] == [helper_end["outputs"]["text"]]


def test_no_api_key_reaches_the_trace_even_in_headers(main_run):
    key = main_run.server.api_key
    calls = main_run.traced.llm_calls(NAME)
    assert main_run.server.seen_keys == [key] * len(calls) == [key] * 11  # every request carried it
    assert main_run.traced.printed["default_headers text"] == ["Echo: key in default headers"]
    assert main_run.traced.printed["extra_headers text"] == ["Echo: key in extra headers"]
    assert "extra_headers" not in calls[4][0]["inputs"]
    assert key.encode() not in main_run.traced.file_bytes()


def test_a_stream_the_app_closes_or_drops_before_it_has_all_come_is_marked_closed_early(early_run):
    calls = early_run.traced.llm_calls(NAME)
    assert early_run.traced.printed["dropped text"] == ["Half "]
    assert [end["status"] for _, end in calls] == ["completed"] * 4
    assert [end["attrs"].get("closed_early") for _, end in calls] == [True] * 4


def test_a_stream_the_app_drops_unfinished_and_python_never_collects_ends_with_the_run(early_run):
    (_, dropped), _ = early_run.traced.llm_calls(NAME)[2:]
    [run_end] = [event for event in early_run.traced.events if event["event_type"] == "run_end"]
    assert dropped["attrs"]["closed_early"] is True and dropped["seq"] < run_end["seq"]


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "app_error", "error_type", "category"), [
    (0, "429", "anthropic.RateLimitError", "HTTP 429", "rate_limit"),
    (1, "401", "anthropic.AuthenticationError", "HTTP 401", "auth"),
    (2, "529", "anthropic.OverloadedError", "HTTP 529", "dependency"),
    (3, "refused", "anthropic.APIConnectionError", "httpx2.ConnectError", "network"),
])
def test_a_failed_call_records_its_error_category_and_the_app_gets_the_sdk_error(errors_run, index, label,
                                                                                  app_error, error_type, category):
    _, end = errors_run.traced.llm_calls(NAME)[index]
    assert end["status"] == "failed"
    assert (end["error"]["type"], end["error"]["category"]) == (error_type, category)
    assert errors_run.traced.printed[label] == [app_error]
    if error_type.startswith("HTTP"):  # the API's own message, from its error body
        assert end["error"]["message"] == end["outputs"]["return"]["body"]["error"]["message"] != ""


def test_a_stream_that_breaks_midway_ends_failed_with_the_events_before_the_break(errors_run):
    _, end = errors_run.traced.llm_calls(NAME)[4]
    assert errors_run.traced.printed["broken event"] == ["message_start", "content_block_start", "content_block_delta"]
    assert end["status"] == "failed" and end["error"]["type"] == "httpx2.RemoteProtocolError"
    assert errors_run.traced.printed["broken"] == ["httpx2.RemoteProtocolError"]
    assert [frame["event"] for frame in end["outputs"]["return"]["frames"]] == \
        ["message_start", "content_block_start", "content_block_delta"]
    assert end["outputs"]["text"] == "Half "


def test_a_rerun_raises_the_recorded_errors_again(errors_run):
    again = errors_run.cli.rerun(errors_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.printed["429"] == errors_run.traced.printed["429"]
    assert [end["error"]["type"] for _, end in again.llm_calls(NAME)[:4]] == \
        ["HTTP 429", "HTTP 401", "HTTP 529", "httpx2.ConnectError"]
    assert [again.printed[label] for label in ("401", "529", "refused")] == \
        [errors_run.traced.printed[label] for label in ("401", "529", "refused")]
    assert errors_run.server.seen_keys.count("sk-wrong") == 1  # the recording's one request, none since


# --- rerun ----------------------------------------------------------------------------------------

def test_a_rerun_with_the_server_stopped_gives_the_app_the_same_messages(main_run, main_rerun):
    assert main_rerun.returncode == 0, main_rerun.stderr
    assert main_rerun.stdout.startswith(main_run.traced.stdout)  # every repr, JSON and stream event the same
    assert [end["attrs"]["replay"] for _, end in main_rerun.llm_calls(NAME)] == ["recorded"] * 11
    assert main_run.server.api_key.encode() not in main_rerun.file_bytes()
    assert "reproduced: the rerun matches the recording" in main_rerun.stdout


def test_a_rerun_closes_the_same_streams_early(early_run):
    again = early_run.cli.rerun(early_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(early_run.traced.stdout)
    assert [end["attrs"].get("closed_early") for _, end in again.llm_calls(NAME)] == [True] * 4
    assert "reproduced: the rerun matches the recording" in again.stdout


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
    texts = [end["outputs"].get("text") for _, end in again.llm_calls(NAME)]
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


# --- what is recorded -----------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "components"), [((), ["http", "llm"]), (("--capture-http", "llm"), ["llm"]),
                                                     (("--capture-http", "off"), [])])
def test_capture_http_chooses_which_requests_are_recorded(module_cli, options, components):
    traced = module_cli.trace(ONE_CALL_APP, *options)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed == {"count_tokens": ["not found"], "text": ["Echo: one call"]}
    spans = [event for event in traced.events if event["event_type"].endswith("_start")
             and event["component"] in ("http", "llm")]
    assert [span["component"] for span in spans] == components
    if "http" in components:
        assert spans[0]["attrs"]["http"]["url"].endswith("/v1/messages/count_tokens")
