"""The openai SDK recorded at its HTTP client with no change to the app: `namel3ss-debug trace app.py`
records every request the SDK sends (create, streams, `with_raw_response`, the `stream()` helper; sync
and async) against the stub server, and `replay --rerun` serves the recorded responses back with the
server stopped, so the SDK builds the same objects.

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
from namel3ss_debug.transport.frames import restored

openai = pytest.importorskip("openai", reason="the openai SDK is not installed: pip install openai")
from openai.types.chat import ChatCompletion, ChatCompletionChunk  # noqa: E402 - after the skip

NAME = "openai.chat"
QUESTION = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France"}]
TOOLS = [{"type": "function", "function": {"name": "weather", "description": "The weather in a city.",
                                            "parameters": {"type": "object",
                                                           "properties": {"city": {"type": "string"}}}}}]

CLIENTS = """
import asyncio, os
import openai

URL, KEY = os.environ["STUB_URL"] + "/v1", os.environ["STUB_KEY"]
client = openai.OpenAI(base_url=URL, api_key=KEY, max_retries=0)

def url(name):  # another server's, in the recording; a rerun reaches none
    return os.environ.get(name, os.environ["STUB_URL"]) + "/v1"

def user(text):
    return [{"role": "user", "content": text}]
"""

# The calls, in order: 0 plain, 1 tools, 2 stream with usage, 3 key in default_headers, 4 key in
# extra_headers, 5 with_raw_response, 6 the `chat.completions.stream()` helper, 7 async plain,
# 8 async stream.
MAIN_APP = CLIENTS + f"""
QUESTION, TOOLS = {QUESTION!r}, {TOOLS!r}

reply = client.chat.completions.create(model="gpt-stub", messages=QUESTION, temperature=0.2, max_tokens=50)
print("sync text:", reply.choices[0].message.content)
print("sync repr:", repr(reply))
print("sync json:", reply.model_dump_json())

asked = client.chat.completions.create(model="gpt-stub", messages=user("Weather in Paris"), tools=TOOLS)
call = asked.choices[0].message.tool_calls[0]
print("tool call:", call.id, call.function.name, call.function.arguments)

pieces = []
for chunk in client.chat.completions.create(model="gpt-stub", messages=user("Tell me a short story"), stream=True,
                                            stream_options={{"include_usage": True}}):
    print("stream chunk:", repr(chunk))
    pieces.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
print("stream text:", "".join(pieces))

by_default = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0,
                           default_headers={{"Authorization": "Bearer " + KEY}})
print("default_headers text:", by_default.chat.completions.create(
    model="gpt-stub", messages=user("key in default headers")).choices[0].message.content)
by_extra = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.chat.completions.create(
    model="gpt-stub", messages=user("key in extra headers"),
    extra_headers={{"Authorization": "Bearer " + KEY}}).choices[0].message.content)

raw = client.chat.completions.with_raw_response.create(model="gpt-stub", messages=user("raw please"))
print("raw status:", raw.http_response.status_code, raw.headers.get("content-type"))
print("raw repr:", repr(raw.parse()))

with client.chat.completions.stream(model="gpt-stub", messages=user("Use the helper")) as helper:
    print("helper events:", " ".join(event.type for event in helper))
    print("helper final:", repr(helper.get_final_completion()))

async def main():
    aclient = openai.AsyncOpenAI(base_url=URL, api_key=KEY, max_retries=0)
    reply = await aclient.chat.completions.create(model="gpt-stub-async", messages=QUESTION, temperature=0.7)
    print("async text:", reply.choices[0].message.content)
    print("async repr:", repr(reply))
    print("async json:", reply.model_dump_json())
    pieces = []
    async for chunk in await aclient.chat.completions.create(model="gpt-stub-async",
                                                             messages=user("Stream it async"), stream=True):
        print("async_stream chunk:", repr(chunk))
        pieces.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    print("async_stream text:", "".join(pieces))
    await aclient.close()

asyncio.run(main())
"""

# Streams from a server that stalls after a few chunks, so the app closes them before they have all
# come: 0 closed, 1 closed (async), 2 dropped unfinished, 3 closed by its `with`. The SDK's stream and
# its generator hold each other, so only the garbage collector frees a dropped one: here at the end.
EARLY_APP = CLIENTS + """
import gc
gc.disable()
stalled = openai.OpenAI(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)

def ask(text):
    return stalled.chat.completions.create(model="gpt-stub", messages=user(text), stream=True)

early = ask("Count to ten")
print("early chunk:", repr(next(early)))
early.close()

async def main():
    aclient = openai.AsyncOpenAI(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
    early = await aclient.chat.completions.create(model="gpt-stub", messages=user("async"), stream=True)
    async for chunk in early:
        print("async_early chunk:", repr(chunk))
        break
    await early.close()

asyncio.run(main())

def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
    for chunk in ask(question):
        if chunk.choices and chunk.choices[0].delta.content:
            return chunk.choices[0].delta.content

print("dropped text:", first_word("Stop after one word"))
with ask("The last one") as last:
    print("last chunk:", repr(next(last)))
"""

ERRORS_APP = CLIENTS + """
def attempt(label, client, model):
    try:
        print(label + ":", "answered", client.chat.completions.create(model=model, messages=user("hi"))
              .choices[0].message.content)
    except openai.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", openai.OpenAI(base_url=URL, api_key="sk-wrong", max_retries=0), "gpt-stub")
attempt("503", client, "overloaded")
attempt("refused", openai.OpenAI(base_url=url("DEAD_URL"), api_key=KEY, max_retries=0), "gpt-stub")
attempt("timeout", openai.OpenAI(base_url=URL, api_key=KEY, timeout=0.5, max_retries=0), "slow")

broken = openai.OpenAI(base_url=url("BROKEN_URL"), api_key=KEY, max_retries=0)
try:
    for chunk in broken.chat.completions.create(model="gpt-stub", messages=user("hi"), stream=True):
        print("broken chunk:", chunk.choices[0].delta.content)
except openai.APIError as error:
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

FIRST_CHUNKS = [
    {"id": "chatcmpl-cut", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-stub",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": None}]}
    for word in ("Half ", "an ")]

# One LLM call and one request that is not one (GET /v1/models, which the stub answers 404).
ONE_CALL_APP = CLIENTS + """
try:
    client.models.list()  # a request, not an LLM call
except openai.NotFoundError:
    print("models: not found")
print("text:", client.chat.completions.create(model="gpt-stub", messages=user("one call")).choices[0].message.content)
"""

# The key from OPENAI_API_KEY, as most apps have it.
ENV_KEY_APP = """
import os, openai
client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)
try:
    print("text:", client.chat.completions.create(model="gpt-stub", messages=[{"role": "user", "content": "env"}])
          .choices[0].message.content)
except openai.APIStatusError as error:
    print("status:", error.status_code)
"""

# What is loaded before the app imports an SDK.
LOADED = """import sys
print("loaded:", sorted(name for name in ("openai", "anthropic", "httpx", "httpx2") if name in sys.modules))
"""


def usage_of(body: dict[str, Any]) -> dict[str, int]:
    usage = body["usage"]
    return {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"],
            "total_tokens": usage["total_tokens"]}


MOCK_BODY = json.dumps({"id": "chatcmpl-body", "object": "chat.completion", "created": 1, "model": "gpt-mock",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "From a body"}}]})


@pytest.fixture(scope="module")
def main_run(record_offline: Any) -> Any:
    # --no-redact: the redactor would hide a key that the recording let through
    return record_offline(MAIN_APP, "--no-redact")


@pytest.fixture(scope="module")
def errors_run(record_offline: Any, partial_stream_server: Any, dead_url: str) -> Any:
    broken = partial_stream_server(FIRST_CHUNKS)
    recorded = record_offline(ERRORS_APP, env={"BROKEN_URL": broken.url, "DEAD_URL": dead_url})
    broken.stop()
    return recorded


@pytest.fixture(scope="module")
def errors_rerun(errors_run: Any) -> Any:
    return errors_run.cli.rerun(errors_run.traced)


@pytest.fixture(scope="module")
def early_run(record_offline: Any, partial_stream_server: Any) -> Any:
    stalled = partial_stream_server(FIRST_CHUNKS, stall=True)
    recorded = record_offline(EARLY_APP, env={"STALLED_URL": stalled.url})
    stalled.stop()
    return recorded


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "model", "parameters"), [
    (0, "sync", "gpt-stub", {"temperature": 0.2, "max_tokens": 50}),
    (7, "async", "gpt-stub-async", {"temperature": 0.7}),
])
def test_a_call_records_its_request_body_text_and_usage(main_run, index, label, model, parameters):
    start, end = main_run.traced.llm_calls(NAME)[index]
    assert start["model"] == model
    assert start["inputs"] == {"model": model, "messages": QUESTION, **parameters}
    assert start["attrs"]["http"] == {"method": "POST", "url": main_run.server.openai_url + "/chat/completions"}
    assert (start["attrs"]["api"], start["attrs"]["stream"]) == (NAME, False)
    response = json.loads(main_run.traced.printed[f"{label} json"][0])
    assert end["status"] == "completed" and end["model"] == model
    assert end["outputs"]["text"] == main_run.traced.printed[f"{label} text"][0]
    assert end["outputs"]["text"] == "Echo: What is the capital of France"
    assert (end["outputs"]["finish_reason"], end["outputs"]["id"]) == ("stop", response["id"])
    assert end["outputs"]["return"]["status"] == end["attrs"]["http_status"] == 200
    assert end["outputs"]["return"]["body"]["id"] == response["id"]
    assert end["usage"] == usage_of(response)


def test_the_tool_calls_a_response_asks_for_are_recorded(main_run):
    start, end = main_run.traced.llm_calls(NAME)[1]
    assert start["inputs"]["tools"] == TOOLS
    call_id, name, arguments = main_run.traced.printed["tool call"][0].split(" ", 2)
    assert end["outputs"]["tool_calls"] == [{"id": call_id, "name": name, "arguments": arguments}]
    assert (name, json.loads(arguments)) == ("weather", {"city": "Paris"})
    assert end["outputs"]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(("index", "label", "carries_usage"), [(2, "stream", True), (8, "async_stream", False)])
def test_a_stream_is_recorded_as_its_frames_and_what_they_add_up_to(main_run, index, label, carries_usage):
    start, end = main_run.traced.llm_calls(NAME)[index]
    record, outputs = end["outputs"]["return"], end["outputs"]
    assert start["inputs"]["stream"] is True and start["attrs"]["stream"] is True
    assert end["status"] == "completed" and "closed_early" not in end["attrs"]
    assert (record["framing"], record["headers"]["content-type"]) == ("sse", "text/event-stream")
    frames = list(restored(record["frames"]))  # each chunk with the envelope the trace keeps once
    assert any(frame.get("envelope") == "previous" for frame in record["frames"])
    chunks = [ChatCompletionChunk.model_validate(frame["data"]) for frame in frames[:-1]]
    assert [repr(chunk) for chunk in chunks] == main_run.traced.printed[f"{label} chunk"]
    assert frames[-1] == {"data": "[DONE]"}
    assert outputs["text"] == main_run.traced.printed[f"{label} text"][0] != ""
    assert outputs["finish_reason"] == "stop" and end["attrs"]["ttft_ms"] > 0
    if carries_usage:
        assert end["usage"] == usage_of(frames[-2]["data"])
    else:
        assert end.get("usage") is None


def test_a_stream_the_app_closes_or_drops_before_it_has_all_come_is_marked_closed_early(early_run):
    calls = early_run.traced.llm_calls(NAME)
    assert early_run.traced.printed["dropped text"] == ["Half "]
    assert [end["status"] for _, end in calls] == ["completed"] * 4
    assert [end["attrs"].get("closed_early") for _, end in calls] == [True] * 4
    assert [end["outputs"]["text"] for _, end in calls] == ["Half "] * 4  # what the app had read


def test_a_stream_the_app_drops_unfinished_and_python_never_collects_ends_with_the_run(early_run):
    (_, dropped), _ = early_run.traced.llm_calls(NAME)[2:]
    [run_end] = [event for event in early_run.traced.events if event["event_type"] == "run_end"]
    assert dropped["attrs"]["closed_early"] is True and dropped["seq"] < run_end["seq"]


def test_a_rerun_closes_the_same_streams_early(early_run):
    again = early_run.cli.rerun(early_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(early_run.traced.stdout)
    assert [end["attrs"].get("closed_early") for _, end in again.llm_calls(NAME)] == [True] * 4
    assert "reproduced: the rerun matches the recording" in again.stdout


def test_with_raw_response_and_the_stream_helper_are_recorded_like_any_call(main_run):
    (raw_start, raw_end), (helper_start, helper_end) = main_run.traced.llm_calls(NAME)[5:7]
    assert main_run.traced.printed["raw status"] == ["200 application/json"]
    assert raw_start["inputs"]["messages"] == [{"role": "user", "content": "raw please"}]
    assert raw_end["outputs"]["text"] == "Echo: raw please"
    assert helper_start["inputs"]["stream"] is True
    assert helper_end["outputs"]["text"] == "Echo: Use the helper"
    assert "content.done" in main_run.traced.printed["helper events"][0]


def test_no_api_key_reaches_the_trace_even_in_headers(main_run):
    key = main_run.server.api_key
    calls = main_run.traced.llm_calls(NAME)
    assert main_run.server.seen_keys == [key] * len(calls) == [key] * 9  # every request carried it
    assert main_run.traced.printed["default_headers text"] == ["Echo: key in default headers"]
    assert main_run.traced.printed["extra_headers text"] == ["Echo: key in extra headers"]
    assert "extra_headers" not in calls[4][0]["inputs"]
    assert all(set(end["outputs"]["return"]["headers"]) <= {"content-type"} for _, end in calls)
    assert key.encode() not in main_run.traced.file_bytes()


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "app_error", "error_type", "category"), [
    (0, "429", "openai.RateLimitError", "HTTP 429", "rate_limit"),
    (1, "401", "openai.AuthenticationError", "HTTP 401", "auth"),
    (2, "503", "openai.InternalServerError", "HTTP 503", "dependency"),
    (3, "refused", "openai.APIConnectionError", "httpx2.ConnectError", "network"),
    (4, "timeout", "openai.APITimeoutError", "httpx2.ReadTimeout", "timeout"),
])
def test_a_failed_call_records_its_error_category_and_the_app_gets_the_sdk_error(errors_run, index, label,
                                                                                  app_error, error_type, category):
    _, end = errors_run.traced.llm_calls(NAME)[index]
    assert end["status"] == "failed"
    assert (end["error"]["type"], end["error"]["category"]) == (error_type, category)
    assert errors_run.traced.printed[label] == [app_error]
    if error_type.startswith("HTTP"):  # the API's own message, from its error body
        assert end["error"]["message"] == end["outputs"]["return"]["body"]["error"]["message"] != ""
        assert end["outputs"]["return"]["status"] == end["attrs"]["http_status"] == int(label)


def test_a_rerun_raises_the_recorded_errors_again_where_they_were_raised(errors_run, errors_rerun):
    assert errors_rerun.returncode == 0, errors_rerun.stderr
    labels = ("429", "401", "503", "refused", "timeout")
    assert [errors_rerun.printed[label] for label in labels] == [errors_run.traced.printed[label] for label in labels]
    assert [end["error"]["type"] for _, end in errors_rerun.llm_calls(NAME)[:5]] == \
        ["HTTP 429", "HTTP 401", "HTTP 503", "httpx2.ConnectError", "httpx2.ReadTimeout"]
    assert errors_run.server.seen_keys.count("sk-wrong") == 1  # the recording's one request, none since


def test_a_mock_may_be_a_response_record_or_a_whole_body(errors_run):
    record_429 = json.dumps({"status": 429, "body": {"error": {"message": "Slow"}}})
    again = errors_run.cli.rerun(errors_run.traced, "--mock", f"llm:{NAME}#1={MOCK_BODY}",
                                 "--mock", f"llm:{NAME}#2={record_429}")
    assert again.returncode == 0, again.stderr
    assert again.printed["429"] == ["answered From a body"]
    assert again.printed["401"] == ["openai.RateLimitError"]
    assert again.llm_calls(NAME)[1][1]["error"] == {"type": "HTTP 429", "message": "Slow", "category": "rate_limit"}


def test_a_stream_that_breaks_midway_ends_failed_with_the_frames_before_the_break(errors_run):
    _, end = errors_run.traced.llm_calls(NAME)[5]
    assert errors_run.traced.printed["broken chunk"] == ["Half ", "an "]
    assert errors_run.traced.printed["broken"] == ["openai.APIConnectionError"]
    assert end["status"] == "failed" and end["error"]["type"] == "httpx2.RemoteProtocolError"
    assert end["outputs"]["text"] == "Half an " and len(end["outputs"]["return"]["frames"]) == 2


def test_a_rerun_breaks_a_broken_stream_again_after_its_frames(errors_run, errors_rerun):
    assert errors_rerun.printed.get("broken") == ["openai.APIConnectionError"]
    assert "reproduced: the rerun matches the recording" in errors_rerun.stdout


# --- rerun ----------------------------------------------------------------------------------------

def test_a_rerun_with_the_server_stopped_gives_the_app_the_same_responses(main_run, main_rerun):
    assert main_rerun.returncode == 0, main_rerun.stderr
    assert main_rerun.stdout.startswith(main_run.traced.stdout)  # every repr, JSON and chunk the same
    assert [end["attrs"]["replay"] for _, end in main_rerun.llm_calls(NAME)] == ["recorded"] * 9
    assert main_run.server.api_key.encode() not in main_rerun.file_bytes()


def test_a_rerun_records_what_the_recording_did_and_is_a_reproduction(main_run, main_rerun):
    assert [end["outputs"] for _, end in main_rerun.llm_calls(NAME)] == \
        [end["outputs"] for _, end in main_run.traced.llm_calls(NAME)]
    assert "reproduced: the rerun matches the recording" in main_rerun.stdout


def test_a_text_mock_becomes_the_whole_answer_streamed_or_not(main_run):
    again = main_run.cli.rerun(main_run.traced, "--mock", f'llm:{NAME}#1="Mocked"',
                               "--mock", f'llm:{NAME}#3="Mocked stream"', "--mock", f'llm:{NAME}#7="Mocked helper"')
    assert again.returncode == 0, again.stderr
    lines = again.printed
    assert (lines["sync text"], lines["stream text"]) == (["Mocked"], ["Mocked stream"])
    assert "content='Mocked helper'" in lines["helper final"][0]
    assert lines["tool call"] == main_run.traced.printed["tool call"]  # the other calls still from the recording
    assert lines["async text"] == main_run.traced.printed["async text"]
    assert [end["attrs"]["replay"] for _, end in again.llm_calls(NAME)][:4] == \
        ["mocked", "recorded", "mocked", "recorded"]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_rebuilds_responses_equal_to_the_recorded_sdk_objects(llm_stub, stub_key, dead_url):
    capture_http()  # the HTTP clients of this process, hooked as `trace` hooks an app's

    def app(url: str) -> tuple[Any, ...]:
        client = openai.OpenAI(base_url=url, api_key=stub_key, max_retries=0)
        aclient = openai.AsyncOpenAI(base_url=url, api_key=stub_key, max_retries=0)
        messages = [{"role": "user", "content": "Weather in Oslo"}]
        reply = client.chat.completions.create(model="gpt-stub", messages=messages, tools=TOOLS)
        chunks = list(client.chat.completions.create(model="gpt-stub", messages=messages, stream=True))
        raw = client.chat.completions.with_raw_response.create(model="gpt-stub", messages=messages).parse()
        with client.chat.completions.stream(model="gpt-stub", messages=messages) as stream:
            final = stream.get_final_completion()

        async def both() -> tuple[Any, list[Any]]:
            areply = await aclient.chat.completions.create(model="gpt-stub", messages=messages)
            return areply, [chunk async for chunk in await aclient.chat.completions.create(
                model="gpt-stub", messages=messages, stream=True, stream_options={"include_usage": True})]

        return (reply, chunks, raw, final, *asyncio.run(both()))

    original, recording = record(lambda: app(llm_stub.openai_url))
    replayed, events, _ = rerun(recording, lambda: app(dead_url + "/v1"))
    assert replayed == original
    assert type(replayed[0]) is type(replayed[2]) is type(replayed[4]) is ChatCompletion
    assert {type(chunk) for chunk in replayed[1] + replayed[5]} == {ChatCompletionChunk}
    assert [end["attrs"]["replay"] for end in events if end["event_type"] == "llm_call_end"] == ["recorded"] * 6


# --- what is recorded -----------------------------------------------------------------------------

@pytest.mark.parametrize("runner", ["trace", "autostart"])
def test_no_sdk_or_http_client_is_imported_until_the_app_imports_it_and_its_calls_are_recorded(module_cli, runner):
    if runner == "trace":  # `namel3ss-debug trace app.py`
        traced = module_cli.trace(LOADED + ONE_CALL_APP)
    else:  # `python app.py` with NAMEL3SS_DEBUG_ENABLED=1, the app importing namel3ss_debug
        traced = module_cli.autostart("import namel3ss_debug\n" + LOADED + ONE_CALL_APP)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["loaded"] == ["[]"]
    [(_, end)] = traced.llm_calls(NAME)  # imported late, the SDK is still recorded
    assert end["outputs"]["text"] == traced.printed["text"][0] == "Echo: one call"


@pytest.mark.parametrize(("options", "env", "components"), [
    ((), None, ["http", "llm"]),
    (("--capture-http", "llm"), None, ["llm"]),
    (("--capture-http", "off"), None, []),
    ((), {"NAMEL3SS_DEBUG_CAPTURE_HTTP": "off"}, []),
])
def test_capture_http_chooses_which_requests_are_recorded(module_cli, options, env, components):
    traced = module_cli.trace(ONE_CALL_APP, *options, env=env)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed == {"models": ["not found"], "text": ["Echo: one call"]}
    spans = [event for event in traced.events if event["event_type"].endswith("_start")
             and event["component"] in ("http", "llm")]
    assert [span["component"] for span in spans] == components
    assert traced.events[-1]["event_type"] == "run_end" and traced.events[-1]["status"] == "completed"


@pytest.mark.parametrize(("settings", "recorded_calls"), [("", 1), ("capture_http='off'", 0)])
def test_a_run_started_by_configure_records_what_its_settings_say(module_cli, settings, recorded_calls):
    traced = module_cli.configured(ONE_CALL_APP, settings)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["text"] == ["Echo: one call"]
    assert len(traced.llm_calls(NAME)) == recorded_calls


def test_a_rerun_needs_no_api_key_and_never_sends_its_placeholder(record_offline, module_cli, llm_stub):
    recorded = record_offline(ENV_KEY_APP, env={"OPENAI_API_KEY": llm_stub.api_key})
    again = recorded.cli.rerun(recorded.traced)  # no OPENAI_API_KEY here: the SDK is given a placeholder
    assert again.returncode == 0, again.stderr
    assert again.printed["text"] == ["Echo: env"] and "reproduced: the rerun matches" in again.stdout
    # recorded without the call (capture off); the rerun lets it run live, with the placeholder dropped
    unrecorded = module_cli.trace(ENV_KEY_APP, "--capture-http", "off", env={"OPENAI_API_KEY": llm_stub.api_key})
    live = module_cli.rerun(unrecorded, "--on-miss", "live")
    assert live.printed["status"] == ["401"]
    assert llm_stub.seen_keys[-1] == ""
    assert live.returncode == 1
    assert "not reproduced: 1 call(s) ran live instead of being answered from the recording" in live.stdout
