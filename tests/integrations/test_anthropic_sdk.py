"""The anthropic SDK traced with no change to the app: `namel3ss-debug trace app.py` records each
`client.messages.create(...)` (sync and async, streamed or not) against the stub server, and
`replay --rerun` gives the app the recorded messages and stream events back with the server stopped.

The apps print what they got from the SDK (`label: value` lines), so a test compares the trace with
what the app saw, and a rerun's output with the recorded run's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

anthropic = pytest.importorskip("anthropic",
                                reason="the anthropic SDK is not installed: pip install 'namel3ss-debug[anthropic]'")
from anthropic.types import Message, RawContentBlockDeltaEvent, RawMessageStreamEvent  # noqa: E402 - after the skip
from pydantic import TypeAdapter  # noqa: E402 - the SDK's dependency

STREAM_EVENT = TypeAdapter(RawMessageStreamEvent)

NAME = "anthropic.messages"
SYSTEM = "Be brief."
QUESTION = [{"role": "user", "content": "What is the capital of France"}]
TOOLS = [{"name": "weather", "description": "The weather in a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]

CLIENTS = """
import asyncio, json, os
import anthropic

URL, KEY = os.environ["STUB_URL"], os.environ["STUB_KEY"]
client = anthropic.Anthropic(base_url=URL, api_key=KEY, max_retries=0)
"""

# The calls, in order: 0 plain, 1 tools, 2 stream, 3 stream closed early, 4 key in default_headers,
# 5 key in extra_headers, 6 async plain, 7 async stream, 8 async stream closed early, 9 async stream
# dropped unfinished, 10 plain.
MAIN_APP = CLIENTS + f"""
SYSTEM, QUESTION, TOOLS = {SYSTEM!r}, {QUESTION!r}, {TOOLS!r}

def user(text):
    return [{{"role": "user", "content": text}}]

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
print("tool json:", asked.model_dump_json())

pieces = []
with client.messages.create(model="claude-stub", max_tokens=64, messages=user("Tell me a short story"),
                            stream=True) as stream:
    for event in stream:
        print("stream event:", event.model_dump_json())
        pieces.append(text_of(event))
print("stream text:", "".join(pieces))

early = client.messages.create(model="claude-stub", max_tokens=64, messages=user("Count to ten"), stream=True)
print("early event:", next(iter(early)).model_dump_json())
early.close()

by_default = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0,
                                 default_headers={{"x-api-key": KEY}})
print("default_headers text:", by_default.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in default headers")).content[0].text)
by_extra = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in extra headers"),
    extra_headers={{"x-api-key": KEY}}).content[0].text)

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
    early = await aclient.messages.create(model="claude-stub-async", max_tokens=32, messages=user("Count async"),
                                          stream=True)
    async for event in early:
        print("async_early event:", event.model_dump_json())
        break
    await early.close()

    async def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
        stream = await aclient.messages.create(model="claude-stub-async", max_tokens=32, messages=user(question),
                                               stream=True)
        async for event in stream:
            print("async_dropped event:", event.model_dump_json())
            if text_of(event):
                return text_of(event)

    print("async_dropped text:", await first_word("Stop after one word"))
    print("last text:", (await aclient.messages.create(model="claude-stub-async", max_tokens=32,
                                                       messages=user("The last one"))).content[0].text)
    await aclient.close()

asyncio.run(main())
"""

ERRORS_APP = CLIENTS + """
def attempt(label, client, model):
    try:
        client.messages.create(model=model, max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    except anthropic.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", anthropic.Anthropic(base_url=URL, api_key="sk-wrong", max_retries=0), "claude-stub")
attempt("timeout", anthropic.Anthropic(base_url=URL, api_key=KEY, timeout=0.5, max_retries=0), "slow")

# BROKEN_URL: a server whose stream breaks midway (a rerun reaches no server)
broken = anthropic.Anthropic(base_url=os.environ.get("BROKEN_URL", URL), api_key=KEY, max_retries=0)
try:
    for event in broken.messages.create(model="claude-stub", max_tokens=16,
                                        messages=[{"role": "user", "content": "hi"}], stream=True):
        print("broken event:", event.model_dump_json())
except Exception as error:  # the SDK lets the HTTP client's error through
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

EVENTS_BEFORE_THE_BREAK = [
    {"type": "message_start", "message": {"id": "msg_cut", "type": "message", "role": "assistant", "content": [],
                                          "model": "claude-stub", "stop_reason": None, "stop_sequence": None,
                                          "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Half "}},
]

ONE_CALL_APP = CLIENTS + """
reply = client.messages.create(model="claude-stub", max_tokens=16, messages=[{"role": "user", "content": "not traced"}])
print("text:", reply.content[0].text)
"""

NOT_IMPORTED_APP = """
import os, sys
print("loaded before import:", sorted(name for name in ("openai", "anthropic") if name in sys.modules))
import anthropic
client = anthropic.Anthropic(base_url=os.environ["STUB_URL"], api_key=os.environ["STUB_KEY"], max_retries=0)
print("text:", client.messages.create(model="claude-stub", max_tokens=16,
                                      messages=[{"role": "user", "content": "late"}]).content[0].text)
"""

# As if this anthropic version had no Messages.create: the app removes it as the SDK loads, before
# namel3ss-debug wraps what it finds. The async client still has its create.
MISSING_HOOK_APP = """
import asyncio, importlib.abc, importlib.util, os, sys

class DropSyncCreate(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "anthropic.resources.messages.messages":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            del module.Messages.create
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, DropSyncCreate())
import anthropic

async def main():
    aclient = anthropic.AsyncAnthropic(base_url=os.environ["STUB_URL"], api_key=os.environ["STUB_KEY"], max_retries=0)
    reply = await aclient.messages.create(model="claude-stub", max_tokens=16,
                                          messages=[{"role": "user", "content": "traced anyway"}])
    print("text:", reply.content[0].text)
    await aclient.close()

asyncio.run(main())
print("sync create:", hasattr(anthropic.resources.messages.Messages, "create"))
"""


@pytest.fixture(scope="module")
def main_run(record_offline: Any) -> Any:
    # --no-redact: the redactor would hide a key that the instrumentation let through
    return record_offline(MAIN_APP, "--no-redact")


@pytest.fixture(scope="module")
def errors_run(record_offline: Any, broken_stream_server: Any) -> Any:
    broken = broken_stream_server(EVENTS_BEFORE_THE_BREAK)
    recorded = record_offline(ERRORS_APP, env={"BROKEN_URL": broken.url})
    broken.stop()
    return recorded


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "model", "parameters"), [
    (0, "sync", "claude-stub", {"max_tokens": 64, "stop_sequences": ["END"]}),
    (6, "async", "claude-stub-async", {"max_tokens": 32, "metadata": {"user_id": "tester"}}),
])
def test_a_call_records_its_model_system_messages_parameters_text_and_usage(main_run, index, label, model,
                                                                             parameters):
    start, end = main_run.traced.llm_calls(NAME)[index]
    assert start["model"] == model
    assert start["inputs"] == {"model": model, "system": SYSTEM, "messages": QUESTION, **parameters}
    response = json.loads(main_run.traced.printed[f"{label} json"][0])
    assert end["status"] == "completed" and end["model"] == model
    assert end["outputs"]["text"] == main_run.traced.printed[f"{label} text"][0]
    assert end["outputs"]["text"] == "Echo: What is the capital of France"
    assert end["outputs"]["finish_reason"] == "end_turn"
    assert end["outputs"]["return"]["id"] == response["id"]
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


@pytest.mark.parametrize(("index", "label"), [(2, "stream"), (7, "async_stream")])
def test_a_stream_is_recorded_whole_with_its_usage(main_run, index, label):
    start, end = main_run.traced.llm_calls(NAME)[index]
    events = main_run.traced.printed[f"{label} event"]
    outputs = end["outputs"]
    assert start["inputs"]["stream"] is True and end["status"] == "completed"
    assert outputs["yield_count"] == len(outputs["yielded"]) == len(events) > 4
    assert [STREAM_EVENT.validate_python(item).model_dump_json() for item in outputs["yielded"]] == events
    assert outputs["text"] == main_run.traced.printed[f"{label} text"][0] != ""
    assert outputs["finish_reason"] == "end_turn"
    assert "closed_early" not in (end.get("attrs") or {})
    started = json.loads(events[0])["message"]["usage"]["input_tokens"]
    delta = json.loads(events[-2])["usage"]["output_tokens"]  # message_delta, before message_stop
    assert end["usage"] == {"input_tokens": started, "output_tokens": delta, "total_tokens": started + delta}


@pytest.mark.parametrize(("index", "label"), [(3, "early"), (8, "async_early")])
def test_a_stream_the_app_closes_early_is_marked_with_what_it_read(main_run, index, label):
    _, end = main_run.traced.llm_calls(NAME)[index]
    assert end["attrs"]["closed_early"] is True
    assert end["outputs"]["yield_count"] == 1
    assert STREAM_EVENT.validate_python(end["outputs"]["yielded"][0]).model_dump_json() == \
        main_run.traced.printed[f"{label} event"][0]


def test_a_stream_the_app_drops_unfinished_ends_marked_before_the_next_call(main_run):
    calls = main_run.traced.llm_calls(NAME)
    (_, end), (next_start, _) = calls[9], calls[10]
    assert end["attrs"]["closed_early"] is True
    assert end["outputs"]["yield_count"] == len(main_run.traced.printed["async_dropped event"]) == 3
    assert end["outputs"]["text"] == main_run.traced.printed["async_dropped text"][0] == "Echo: "
    assert end["seq"] < next_start["seq"]


def test_no_api_key_reaches_the_trace_even_in_headers(main_run):
    key = main_run.server.api_key
    calls = main_run.traced.llm_calls(NAME)
    assert main_run.server.seen_keys == [key] * len(calls) == [key] * 11  # every request carried it
    assert main_run.traced.printed["default_headers text"] == ["Echo: key in default headers"]
    assert main_run.traced.printed["extra_headers text"] == ["Echo: key in extra headers"]
    assert "extra_headers" not in calls[5][0]["inputs"]
    assert key.encode() not in main_run.traced.file_bytes()


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "error_type", "category"), [
    (0, "429", "anthropic.RateLimitError", "rate_limit"),
    (1, "401", "anthropic.AuthenticationError", "auth"),
    (2, "timeout", "anthropic.APITimeoutError", "timeout"),
])
def test_a_failed_call_records_its_error_category_and_the_app_gets_the_sdk_error(errors_run, index, label,
                                                                                  error_type, category):
    _, end = errors_run.traced.llm_calls(NAME)[index]
    assert end["status"] == "failed"
    assert (end["error"]["type"], end["error"]["category"]) == (error_type, category)
    assert errors_run.traced.printed[label] == [error_type]


def test_a_rerun_raises_the_recorded_errors_again_where_they_were_raised(errors_run):
    again = errors_run.cli.rerun(errors_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(errors_run.traced.stdout)  # a broken stream: its events, then its error
    assert [end["error"]["type"] for _, end in again.llm_calls(NAME)] == \
        ["anthropic.RateLimitError", "anthropic.AuthenticationError", "anthropic.APITimeoutError",
         errors_run.traced.printed["broken"][0]]
    assert errors_run.server.seen_keys.count("sk-wrong") == 1  # the recording's one request, none since


def test_a_stream_that_breaks_midway_records_the_events_before_the_error(errors_run):
    _, end = errors_run.traced.llm_calls(NAME)[3]
    assert end["status"] == "failed" and errors_run.traced.printed["broken"] == [end["error"]["type"]]
    assert end["outputs"]["yield_count"] == len(errors_run.traced.printed["broken event"]) == 3


# --- rerun ----------------------------------------------------------------------------------------

def test_a_rerun_with_the_server_stopped_gives_the_app_the_same_messages(main_run):
    requests = len(main_run.server.requests)
    again = main_run.cli.rerun(main_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(main_run.traced.stdout)  # every repr, JSON and stream event the same
    assert [end["attrs"]["replay"] for _, end in again.llm_calls(NAME)] == ["recorded"] * 11
    assert len(main_run.server.requests) == requests
    assert main_run.server.api_key.encode() not in again.file_bytes()
    # the streams the app closed or dropped early are closed early in the rerun too
    assert "reproduced: the rerun matches the recording" in again.stdout


def test_a_mock_of_the_first_call_changes_what_the_app_prints(main_run):
    again = main_run.cli.rerun(main_run.traced, "--mock", 'llm:anthropic.messages#1="Mocked"')
    assert again.returncode == 0, again.stderr
    lines = again.printed
    assert lines["sync text"] == ["Mocked"]
    # the other calls still come from the recording
    assert lines["tool use"] == main_run.traced.printed["tool use"]
    assert lines["stream text"] == main_run.traced.printed["stream text"]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_rebuilds_messages_and_events_equal_to_the_recorded_sdk_objects(llm_stub, stub_key, dead_url,
                                                                               rerun_in_process):
    from namel3ss_debug.integrations import instrument
    from namel3ss_debug.testing.capture import capture_events

    instrument(["anthropic"])

    def app(url: str) -> tuple[Any, list[Any], Any, list[Any]]:
        client = anthropic.Anthropic(base_url=url, api_key=stub_key, max_retries=0)
        aclient = anthropic.AsyncAnthropic(base_url=url, api_key=stub_key, max_retries=0)
        ask = {"model": "claude-stub", "max_tokens": 16, "messages": [{"role": "user", "content": "Weather in Oslo"}]}
        reply = client.messages.create(**ask, tools=TOOLS)
        events = list(client.messages.create(**ask, tools=TOOLS, stream=True))

        async def both() -> tuple[Any, list[Any]]:
            areply = await aclient.messages.create(**ask)
            return areply, [event async for event in await aclient.messages.create(**ask, stream=True)]

        return (reply, events, *asyncio.run(both()))

    with capture_events() as recording:
        original = app(llm_stub.url)
    replayed, _ = rerun_in_process(recording.events, lambda: app(dead_url))
    assert replayed == original
    assert type(replayed[0]) is type(replayed[2]) is Message
    assert [type(event) for event in replayed[1]] == [type(event) for event in original[1]]
    assert RawContentBlockDeltaEvent in {type(event) for event in replayed[3]}


# --- what is instrumented -----------------------------------------------------------------------

def test_anthropic_is_not_imported_for_an_app_until_it_imports_it(module_cli):
    traced = module_cli.trace(NOT_IMPORTED_APP)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["loaded before import"] == ["[]"]
    [(_, end)] = traced.llm_calls(NAME)  # imported late, the SDK is still traced
    assert end["outputs"]["text"] == "Echo: late"


def test_instrumenting_only_openai_leaves_anthropic_calls_untraced(module_cli):
    traced = module_cli.trace(ONE_CALL_APP, "--instrument", "openai")
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["text"] == ["Echo: not traced"]
    assert not [event for event in traced.events if event["component"] == "llm"]
    assert traced.events[-1]["event_type"] == "run_end" and traced.events[-1]["status"] == "completed"


def test_a_missing_hook_point_is_one_warning_and_the_rest_is_traced(module_cli):
    traced = module_cli.trace(MISSING_HOOK_APP)
    assert traced.returncode == 0, traced.stderr
    [warning] = traced.stderr.splitlines()
    assert warning.startswith("namel3ss-debug: anthropic ")
    assert "Messages.create" in warning and "AsyncMessages" not in warning
    assert traced.printed == {"text": ["Echo: traced anyway"], "sync create": ["False"]}
    [(start, end)] = traced.llm_calls(NAME)
    assert start["inputs"]["messages"] == [{"role": "user", "content": "traced anyway"}]
    assert end["outputs"]["text"] == "Echo: traced anyway"


# --- the messages.stream() helper -------------------------------------------------------------------

STREAM_HELPER_APP = '''
import asyncio, os
import anthropic

url, key = os.environ["STUB_URL"], os.environ["STUB_KEY"]
client = anthropic.Anthropic(base_url=url, api_key=key, max_retries=0)
with client.messages.stream(model="claude-stub", max_tokens=64,
                            messages=[{"role": "user", "content": "helper sync"}]) as stream:
    print("sync text: " + "".join(stream.text_stream))
    final = stream.get_final_message()
print("sync final: " + final.model_dump_json())

async def main():
    aclient = anthropic.AsyncAnthropic(base_url=url, api_key=key, max_retries=0)
    async with aclient.messages.stream(model="claude-stub", max_tokens=64,
                                       messages=[{"role": "user", "content": "helper async"}]) as stream:
        print("async text: " + "".join([text async for text in stream.text_stream]))
        final = await stream.get_final_message()
    print("async final: " + final.model_dump_json())

asyncio.run(main())
'''


@pytest.fixture(scope="module")
def helper_run(record_offline: Any) -> Any:
    return record_offline(STREAM_HELPER_APP)


def test_the_stream_helper_is_recorded_as_a_stream_and_replayed_offline(helper_run):
    recorded = helper_run
    assert recorded.traced.printed["sync text"] == ["Echo: helper sync"]
    calls = recorded.traced.llm_calls(NAME)
    assert [start["inputs"]["stream"] for start, _ in calls] == [True, True]
    assert [end["outputs"]["text"] for _, end in calls] == ["Echo: helper sync", "Echo: helper async"]
    assert [end["usage"]["output_tokens"] for _, end in calls] == [3, 3]
    assert calls[0][1]["outputs"]["yielded"][0]["type"] == "message_start"
    again = recorded.cli.rerun(recorded.traced)  # the stub is stopped
    assert again.returncode == 0, again.stderr
    assert again.printed["sync final"] == recorded.traced.printed["sync final"]
    assert again.printed["async final"] == recorded.traced.printed["async final"]
    assert [end["attrs"]["replay"] for _, end in again.llm_calls(NAME)] == ["recorded", "recorded"]
    assert "never awaited" not in again.stderr


def test_a_text_mock_of_the_stream_helper_is_a_whole_message(helper_run):
    again = helper_run.cli.rerun(helper_run.traced, "--mock", 'llm:anthropic.messages#1="Mocked"',
                                 "--mock", 'llm:anthropic.messages#2=["One ", "two"]')
    assert again.returncode == 0, again.stderr
    assert (again.printed["sync text"], again.printed["async text"]) == (["Mocked"], ["One two"])
    finals = [json.loads(again.printed[label][0]) for label in ("sync final", "async final")]
    assert [([block["text"] for block in final["content"]], final["stop_reason"]) for final in finals] == \
        [(["Mocked"], "end_turn"), (["One two"], "end_turn")]
    assert [end["outputs"]["text"] for _, end in again.llm_calls(NAME)] == ["Mocked", "One two"]


# --- values this SDK version does not know --------------------------------------------------------

# As a newer API than this SDK version sends them: a stop reason, a content block and a stream event
# its types do not list. The SDK builds them without validating; the recording and the rerun keep them.
NEWER_MESSAGE = {"id": "msg_new", "type": "message", "role": "assistant", "model": "claude-new",
                 "content": [{"type": "text", "text": "Hello"}, {"type": "future_block", "detail": {"x": 1}}],
                 "stop_reason": "model_context_window_exceeded", "stop_sequence": None,
                 "usage": {"input_tokens": 3, "output_tokens": 1}}
NEWER_EVENTS = [
    {"type": "message_start", "message": {**NEWER_MESSAGE, "content": [], "stop_reason": None}},
    {"type": "future_event", "detail": "kept"},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "model_context_window_exceeded", "stop_sequence": None},
     "usage": {"output_tokens": 1}},
    {"type": "message_stop"},
]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_gives_back_a_message_with_values_the_sdk_types_do_not_list(canned_server, dead_url,
                                                                           rerun_in_process):
    import warnings

    from namel3ss_debug.integrations import instrument
    from namel3ss_debug.testing.capture import capture_events

    instrument(["anthropic"])
    server = canned_server(NEWER_MESSAGE, NEWER_EVENTS)

    def app(url: str) -> tuple[Any, list[Any]]:
        client = anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0)
        ask = {"model": "claude-new", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
        return client.messages.create(**ask), list(client.messages.create(**ask, stream=True))

    with warnings.catch_warnings(record=True) as warned, capture_events() as recording:
        warnings.simplefilter("always")
        original = app(server.url)
    assert not [w for w in warned if "serializer warnings" in str(w.message)]  # none on the app's stderr
    assert original[0].stop_reason == "model_context_window_exceeded"  # the SDK kept them
    replayed, events = rerun_in_process(recording.events, lambda: app(dead_url))
    assert replayed == original
    assert [end["attrs"]["replay"] for end in events if end["event_type"] == "llm_call_end"] == ["recorded"] * 2
