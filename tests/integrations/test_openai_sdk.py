"""The openai SDK traced with no change to the app: `namel3ss-debug trace app.py` records each
`client.chat.completions.create(...)` (sync and async, streamed or not) against the stub server, and
`replay --rerun` gives the app the recorded responses back with the server stopped.

The apps print what they got from the SDK (`label: value` lines), so a test compares the trace with
what the app saw, and a rerun's output with the recorded run's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

openai = pytest.importorskip("openai", reason="the openai SDK is not installed: pip install 'namel3ss-debug[openai]'")
from openai.types.chat import ChatCompletion, ChatCompletionChunk  # noqa: E402 - after the skip
from namel3ss_debug.integrations.openai_sdk import OpenAITypes  # noqa: E402

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
"""

# The calls, in order: 0 plain, 1 tools, 2 stream with usage, 3 stream closed early, 4 key in
# default_headers, 5 key in extra_headers, 6 async plain, 7 async stream without usage, 8 async
# stream closed early, 9 stream dropped unfinished, 10 the `chat.completions.stream()` helper.
MAIN_APP = CLIENTS + f"""
QUESTION = {QUESTION!r}
TOOLS = {TOOLS!r}

def user(text):
    return [{{"role": "user", "content": text}}]

def read(stream, label):
    pieces = []
    for chunk in stream:
        print(label + " chunk:", chunk.model_dump_json())
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    print(label + " text:", "".join(pieces))

reply = client.chat.completions.create(model="gpt-stub", messages=QUESTION, temperature=0.2, max_tokens=50)
print("sync text:", reply.choices[0].message.content)
print("sync repr:", repr(reply))
print("sync json:", reply.model_dump_json())

asked = client.chat.completions.create(model="gpt-stub", messages=user("Weather in Paris"), tools=TOOLS)
call = asked.choices[0].message.tool_calls[0]
print("tool call:", call.id, call.function.name, call.function.arguments)
print("tool json:", asked.model_dump_json())

read(client.chat.completions.create(model="gpt-stub", messages=user("Tell me a short story"), stream=True,
                                    stream_options={{"include_usage": True}}), "stream")

early = client.chat.completions.create(model="gpt-stub", messages=user("Count to ten"), stream=True)
print("early chunk:", next(early).model_dump_json())
early.close()

by_default = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0,
                           default_headers={{"Authorization": "Bearer " + KEY}})
print("default_headers text:", by_default.chat.completions.create(
    model="gpt-stub", messages=user("key in default headers")).choices[0].message.content)
by_extra = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.chat.completions.create(
    model="gpt-stub", messages=user("key in extra headers"),
    extra_headers={{"Authorization": "Bearer " + KEY}}).choices[0].message.content)

async def main():
    aclient = openai.AsyncOpenAI(base_url=URL, api_key=KEY, max_retries=0)
    reply = await aclient.chat.completions.create(model="gpt-stub-async", messages=QUESTION, temperature=0.7)
    print("async text:", reply.choices[0].message.content)
    print("async repr:", repr(reply))
    print("async json:", reply.model_dump_json())
    stream = await aclient.chat.completions.create(model="gpt-stub-async", messages=user("Stream it async"),
                                                   stream=True)
    pieces = []
    async for chunk in stream:
        print("async_stream chunk:", chunk.model_dump_json())
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    print("async_stream text:", "".join(pieces))
    early = await aclient.chat.completions.create(model="gpt-stub-async", messages=user("Count async"), stream=True)
    async for chunk in early:
        print("async_early chunk:", chunk.model_dump_json())
        break
    await early.close()
    await aclient.close()

asyncio.run(main())

def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
    for chunk in client.chat.completions.create(model="gpt-stub", messages=user(question), stream=True):
        print("dropped chunk:", chunk.model_dump_json())
        if chunk.choices and chunk.choices[0].delta.content:
            return chunk.choices[0].delta.content

print("dropped text:", first_word("Stop after one word"))

with client.chat.completions.stream(model="gpt-stub", messages=user("Use the helper")) as helper:
    print("helper events:", " ".join(event.type for event in helper))
    print("helper final:", helper.get_final_completion().model_dump_json())
"""

ERRORS_APP = CLIENTS + """
def attempt(label, client, model):
    try:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    except openai.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", openai.OpenAI(base_url=URL, api_key="sk-wrong", max_retries=0), "gpt-stub")
attempt("timeout", openai.OpenAI(base_url=URL, api_key=KEY, timeout=0.5, max_retries=0), "slow")

# BROKEN_URL: a server whose stream breaks midway (a rerun reaches no server)
broken = openai.OpenAI(base_url=os.environ.get("BROKEN_URL", URL) + "/v1", api_key=KEY, max_retries=0)
try:
    for chunk in broken.chat.completions.create(model="gpt-stub", messages=[{"role": "user", "content": "hi"}],
                                                stream=True):
        print("broken chunk:", chunk.model_dump_json())
except openai.APIError as error:
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

CHUNKS_BEFORE_THE_BREAK = [
    {"id": "chatcmpl-cut", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-stub",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": None}]}
    for word in ("Half ", "an ")]

ONE_CALL_APP = CLIENTS + """
reply = client.chat.completions.create(model="gpt-stub", messages=[{"role": "user", "content": "untraced please"}])
print("text:", reply.choices[0].message.content)
"""

NOT_IMPORTED_APP = """
import os, sys
print("loaded before import:", sorted(name for name in ("openai", "anthropic") if name in sys.modules))
import openai
client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
print("text:", client.chat.completions.create(model="gpt-stub", messages=[{"role": "user", "content": "late"}])
      .choices[0].message.content)
"""

# As if this openai version had no AsyncCompletions.create: the app removes it as the SDK loads,
# before namel3ss-debug wraps what it finds.
MISSING_HOOK_APP = """
import importlib.abc, importlib.util, os, sys

class DropAsyncCreate(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "openai.resources.chat.completions":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            del module.AsyncCompletions.create
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, DropAsyncCreate())
import openai

client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
history = [{"role": "user", "content": "traced anyway"}]
reply = client.chat.completions.create(model="gpt-stub", messages=(message for message in history))
print("text:", reply.choices[0].message.content)
raw = client.chat.completions.with_raw_response.create(model="gpt-stub",
                                                       messages=[{"role": "user", "content": "raw"}])
print("raw:", raw.http_response.status_code, raw.parse().choices[0].message.content)
"""


def usage_of(response_json: str) -> dict[str, int]:
    usage = json.loads(response_json)["usage"]
    return {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"],
            "total_tokens": usage["total_tokens"]}


@pytest.fixture(scope="module")
def main_run(record_offline: Any) -> Any:
    # --no-redact: the redactor would hide a key that the instrumentation let through
    return record_offline(MAIN_APP, "--no-redact")


@pytest.fixture(scope="module")
def errors_run(record_offline: Any, broken_stream_server: Any) -> Any:
    broken = broken_stream_server(CHUNKS_BEFORE_THE_BREAK)
    recorded = record_offline(ERRORS_APP, env={"BROKEN_URL": broken.url})
    broken.stop()
    return recorded


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "model", "parameters"), [
    (0, "sync", "gpt-stub", {"temperature": 0.2, "max_tokens": 50}),
    (6, "async", "gpt-stub-async", {"temperature": 0.7}),
])
def test_a_call_records_its_model_messages_parameters_text_and_usage(main_run, index, label, model, parameters):
    start, end = main_run.traced.llm_calls(NAME)[index]
    assert start["model"] == model
    assert start["inputs"] == {"model": model, "messages": QUESTION, **parameters}
    response = main_run.traced.printed[f"{label} json"][0]
    assert end["status"] == "completed" and end["model"] == model
    assert end["outputs"]["text"] == main_run.traced.printed[f"{label} text"][0]
    assert end["outputs"]["text"] == "Echo: What is the capital of France"
    assert end["outputs"]["finish_reason"] == "stop"
    assert end["outputs"]["return"]["id"] == json.loads(response)["id"]
    assert end["usage"] == usage_of(response)


def test_the_tool_calls_a_response_asks_for_are_recorded(main_run):
    start, end = main_run.traced.llm_calls(NAME)[1]
    assert start["inputs"]["tools"] == TOOLS
    call_id, name, arguments = main_run.traced.printed["tool call"][0].split(" ", 2)
    assert end["outputs"]["tool_calls"] == [{"id": call_id, "name": name, "arguments": arguments}]
    assert (name, json.loads(arguments)) == ("weather", {"city": "Paris"})
    assert end["outputs"]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(("index", "label", "carries_usage"), [(2, "stream", True), (7, "async_stream", False)])
def test_a_stream_is_recorded_whole_as_the_app_read_it(main_run, index, label, carries_usage):
    start, end = main_run.traced.llm_calls(NAME)[index]
    chunks = main_run.traced.printed[f"{label} chunk"]
    outputs = end["outputs"]
    assert start["inputs"]["stream"] is True and end["status"] == "completed"
    assert outputs["yield_count"] == len(outputs["yielded"]) == len(chunks) > 2
    rebuild = OpenAITypes(ChatCompletion, ChatCompletionChunk).chunk  # as a rerun rebuilds them, in order
    assert [rebuild(item).model_dump_json() for item in outputs["yielded"]] == chunks
    # after the first, a chunk is recorded without the envelope it repeats (id, model, created...)
    assert "id" in outputs["yielded"][0] and not any("id" in item for item in outputs["yielded"][1:])
    assert outputs["text"] == main_run.traced.printed[f"{label} text"][0] != ""
    assert outputs["finish_reason"] == "stop"
    assert "closed_early" not in (end.get("attrs") or {})
    if carries_usage:
        assert end["usage"] == usage_of(chunks[-1])
    else:
        assert "usage" not in outputs and end.get("usage") is None


@pytest.mark.parametrize(("index", "label"), [(3, "early"), (8, "async_early")])
def test_a_stream_the_app_closes_early_is_marked_with_what_it_read(main_run, index, label):
    _, end = main_run.traced.llm_calls(NAME)[index]
    assert end["attrs"]["closed_early"] is True
    assert end["outputs"]["yield_count"] == 1
    assert ChatCompletionChunk.model_validate(end["outputs"]["yielded"][0]).model_dump_json() == \
        main_run.traced.printed[f"{label} chunk"][0]


def test_a_stream_the_app_drops_unfinished_ends_marked_before_the_next_call(main_run):
    calls = main_run.traced.llm_calls(NAME)
    (_, end), (next_start, _) = calls[9], calls[10]
    assert end["attrs"]["closed_early"] is True
    assert end["outputs"]["yield_count"] == len(main_run.traced.printed["dropped chunk"]) == 2
    assert end["outputs"]["text"] == main_run.traced.printed["dropped text"][0] == "Echo: "
    assert end["seq"] < next_start["seq"]


def test_the_stream_helper_is_recorded_as_a_stream(main_run):
    start, end = main_run.traced.llm_calls(NAME)[10]
    final = json.loads(main_run.traced.printed["helper final"][0])
    assert start["inputs"]["stream"] is True
    assert end["outputs"]["text"] == final["choices"][0]["message"]["content"] == "Echo: Use the helper"
    assert "content.done" in main_run.traced.printed["helper events"][0]


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
    (0, "429", "openai.RateLimitError", "rate_limit"),
    (1, "401", "openai.AuthenticationError", "auth"),
    (2, "timeout", "openai.APITimeoutError", "timeout"),
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
    assert again.stdout.startswith(errors_run.traced.stdout)  # a broken stream: its chunks, then its error
    assert [end["error"]["type"] for _, end in again.llm_calls(NAME)] == \
        ["openai.RateLimitError", "openai.AuthenticationError", "openai.APITimeoutError", "openai.APIConnectionError"]
    assert errors_run.server.seen_keys.count("sk-wrong") == 1  # the recording's one request, none since


def test_a_stream_that_breaks_midway_records_the_chunks_before_the_error(errors_run):
    _, end = errors_run.traced.llm_calls(NAME)[3]
    assert end["status"] == "failed" and errors_run.traced.printed["broken"] == [end["error"]["type"]]
    assert end["outputs"]["yield_count"] == len(errors_run.traced.printed["broken chunk"]) == 2


# --- rerun ----------------------------------------------------------------------------------------

def test_a_rerun_with_the_server_stopped_gives_the_app_the_same_responses(main_run):
    requests = len(main_run.server.requests)
    again = main_run.cli.rerun(main_run.traced)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(main_run.traced.stdout)  # every repr, JSON and chunk the same
    assert [end["attrs"]["replay"] for _, end in again.llm_calls(NAME)] == ["recorded"] * 11
    assert len(main_run.server.requests) == requests
    assert main_run.server.api_key.encode() not in again.file_bytes()
    # the streams the app closed or dropped early are closed early in the rerun too
    assert "reproduced: the rerun matches the recording" in again.stdout


def test_a_mock_of_the_first_call_changes_what_the_app_prints(main_run):
    again = main_run.cli.rerun(main_run.traced, "--mock", 'llm:openai.chat#1="Mocked"')
    assert again.returncode == 0, again.stderr
    lines = again.printed
    assert lines["sync text"] == ["Mocked"]
    # the other calls still come from the recording
    assert lines["tool call"] == main_run.traced.printed["tool call"]
    assert lines["stream text"] == main_run.traced.printed["stream text"]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_rebuilds_responses_equal_to_the_recorded_sdk_objects(llm_stub, stub_key, dead_url,
                                                                      rerun_in_process):
    from namel3ss_debug.integrations import instrument
    from namel3ss_debug.testing.capture import capture_events

    instrument(["openai"])

    def app(url: str) -> tuple[Any, list[Any], Any, list[Any]]:
        client = openai.OpenAI(base_url=url, api_key=stub_key, max_retries=0)
        aclient = openai.AsyncOpenAI(base_url=url, api_key=stub_key, max_retries=0)
        messages = [{"role": "user", "content": "Weather in Oslo"}]
        reply = client.chat.completions.create(model="gpt-stub", messages=messages, tools=TOOLS)
        chunks = list(client.chat.completions.create(model="gpt-stub", messages=messages, stream=True))

        async def both() -> tuple[Any, list[Any]]:
            areply = await aclient.chat.completions.create(model="gpt-stub", messages=messages)
            return areply, [chunk async for chunk in await aclient.chat.completions.create(
                model="gpt-stub", messages=messages, stream=True, stream_options={"include_usage": True})]

        return (reply, chunks, *asyncio.run(both()))

    with capture_events() as recording:
        original = app(llm_stub.openai_url)
    replayed, _ = rerun_in_process(recording.events, lambda: app(dead_url + "/v1"))
    assert replayed == original
    assert type(replayed[0]) is type(replayed[2]) is ChatCompletion
    assert {type(chunk) for chunk in replayed[1] + replayed[3]} == {ChatCompletionChunk}


# --- what is instrumented -----------------------------------------------------------------------

def test_openai_is_not_imported_for_an_app_until_it_imports_it(module_cli):
    traced = module_cli.trace(NOT_IMPORTED_APP)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["loaded before import"] == ["[]"]
    [(_, end)] = traced.llm_calls(NAME)  # imported late, the SDK is still traced
    assert end["outputs"]["text"] == "Echo: late"


@pytest.mark.parametrize(("options", "env"), [(("--no-instrument",), None),
                                              ((), {"NAMEL3SS_DEBUG_INSTRUMENT": "[]"})])
def test_without_instrumentation_sdk_calls_are_not_traced(module_cli, options, env):
    traced = module_cli.trace(ONE_CALL_APP, *options, env=env)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["text"] == ["Echo: untraced please"]
    assert not [event for event in traced.events if event["component"] == "llm"]
    assert traced.events[-1]["event_type"] == "run_end" and traced.events[-1]["status"] == "completed"


def test_a_rerun_instruments_the_sdks_the_recording_instrumented(record_offline, module_cli):
    # recorded with openai traced; rerun where the workspace says no SDK: the calls are still answered
    recorded = record_offline(ONE_CALL_APP)  # its stub is stopped
    trace_file = sorted(recorded.traced.directory.glob("*.jsonl"))[0]
    again = recorded.cli.run("replay", str(trace_file), "--rerun", "-o", "again",
                             env={"NAMEL3SS_DEBUG_INSTRUMENT": "[]"})
    assert again.returncode == 0, again.stderr
    assert "text: Echo: untraced please" in again.stdout and "reproduced" in again.stdout
    [new_trace] = (recorded.cli.directory / "again").glob("*.jsonl")
    [start] = [event for event in map(json.loads, new_trace.read_text().splitlines())
               if event["event_type"] == "run_start"]
    assert (start["attrs"]["config"]["instrument"], start["attrs"]["config_sources"]["instrument"]) == \
        (["openai", "anthropic"], "the recording")
    # recorded with no SDK traced: the rerun leaves the call live too, rather than missing it
    untraced = module_cli.trace(ONE_CALL_APP, "--no-instrument")
    trace_file = sorted(untraced.directory.glob("*.jsonl"))[0]
    live = module_cli.run("replay", str(trace_file), "--rerun", "-o", "live")
    assert live.returncode == 0, live.stderr
    assert "text: Echo: untraced please" in live.stdout and "reproduced" in live.stdout


def test_an_app_run_by_python_with_tracing_enabled_by_the_environment_is_instrumented(module_cli):
    traced = module_cli.autostart("import namel3ss_debug\n" + ONE_CALL_APP)
    assert traced.returncode == 0, traced.stderr
    [(_, end)] = traced.llm_calls(NAME)
    assert end["outputs"]["text"] == traced.printed["text"][0] == "Echo: untraced please"


@pytest.mark.parametrize(("settings", "traced_calls"), [("", 1), ("instrument=[]", 0)])
def test_a_run_started_by_configure_instruments_the_sdks_its_settings_name(module_cli, settings, traced_calls):
    traced = module_cli.configured(ONE_CALL_APP, settings)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["text"] == ["Echo: untraced please"]
    assert len(traced.llm_calls(NAME)) == traced_calls


def test_instrument_takes_only_the_sdks_it_knows_and_a_second_call_changes_nothing():
    from namel3ss_debug.integrations import instrument

    with pytest.raises(ValueError, match="'langchain' is not an SDK namel3ss-debug instruments"):
        instrument(["langchain"])
    instrument(["openai"])
    wrapped = openai.resources.chat.completions.Completions.create
    instrument(["openai"])
    assert openai.resources.chat.completions.Completions.create is wrapped
    assert getattr(wrapped, "__wrapped__", None) is not None  # ours, around the SDK's


def test_a_call_records_its_parameters_without_transport_options_or_unset_ones():
    from namel3ss_debug.integrations.sdk_values import request_inputs

    messages = ({"role": "user", "content": text} for text in ("a", "b"))
    kwargs = {"model": "m", "messages": messages, "temperature": openai.NOT_GIVEN, "timeout": 3,
              "extra_headers": {"Authorization": "Bearer sk-x"}, "extra_query": {"api-key": "sk-x"},
              "extra_body": {"seed": 1}}
    recorded = request_inputs(kwargs)
    assert recorded == {"model": "m", "messages": [{"role": "user", "content": "a"},
                                                   {"role": "user", "content": "b"}], "extra_body": {"seed": 1}}
    assert kwargs["messages"] == recorded["messages"]  # the SDK is given the list read for the trace


def test_a_missing_hook_point_is_one_warning_and_the_rest_is_traced(module_cli):
    traced = module_cli.trace(MISSING_HOOK_APP)
    assert traced.returncode == 0, traced.stderr
    [warning] = traced.stderr.splitlines()
    assert warning.startswith("namel3ss-debug: openai ")
    assert "openai.resources.chat.completions.AsyncCompletions.create" in warning
    assert traced.printed == {"text": ["Echo: traced anyway"], "raw": ["200 Echo: raw"]}
    [(start, end)] = traced.llm_calls(NAME)  # the raw-response call is the SDK's HTTP layer: passed through
    assert start["inputs"]["messages"] == [{"role": "user", "content": "traced anyway"}]
    assert end["outputs"]["text"] == "Echo: traced anyway"


# A response the SDK builds without validating (an OpenAI-compatible server's, or a newer API's than
# this SDK version): a finish_reason its type does not list, and a chunk with no `delta` (as Azure's
# content-filter chunks have).
UNKNOWN_TO_THE_SDK = {"id": "chatcmpl-odd", "object": "chat.completion", "created": 1700000000, "model": "odd",
                      "choices": [{"index": 0, "finish_reason": "insufficient_system_resource",
                                   "message": {"role": "assistant", "content": "Half an answer"}}]}
ODD_CHUNKS = [
    {"id": "chatcmpl-odd", "object": "chat.completion.chunk", "created": 1700000000, "model": "odd",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Half"}, "finish_reason": None}]},
    {"id": "chatcmpl-odd", "object": "chat.completion.chunk", "created": 1700000000, "model": "odd",
     "choices": [{"index": 0, "finish_reason": "insufficient_system_resource", "content_filter_results": {}}]},
]


@pytest.mark.usefixtures("isolated_workspace")
def test_a_rerun_gives_back_a_response_with_values_the_sdk_types_do_not_list(canned_server, dead_url,
                                                                            rerun_in_process):
    from namel3ss_debug.integrations import instrument
    from namel3ss_debug.testing.capture import capture_events

    instrument(["openai"])
    server = canned_server(UNKNOWN_TO_THE_SDK, ODD_CHUNKS)

    def app(url: str) -> tuple[Any, list[Any]]:
        client = openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0)
        ask = {"model": "odd", "messages": [{"role": "user", "content": "hi"}]}
        return client.chat.completions.create(**ask), list(client.chat.completions.create(**ask, stream=True))

    with capture_events() as recording:
        original = app(server.url)
    assert original[0].choices[0].finish_reason == "insufficient_system_resource"  # the SDK kept it
    replayed, events = rerun_in_process(recording.events, lambda: app(dead_url))
    assert replayed == original
    assert [end["attrs"]["replay"] for end in events if end["event_type"] == "llm_call_end"] == ["recorded"] * 2


def test_a_recording_is_rebuilt_as_the_sdk_builds_a_response_and_a_mock_is_validated():
    from namel3ss_debug.integrations.sdk_values import sdk_construct

    construct = sdk_construct("openai")
    assert construct is not None  # the SDK versions tested have one
    recorded = OpenAITypes(ChatCompletion, ChatCompletionChunk, construct)  # what the app once got, as it was
    partial = recorded.completion({"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}}]})
    assert type(partial) is ChatCompletion and partial.choices[0].message.content == "Hi"
    with pytest.raises(ValueError, match="not a ChatCompletion: value: Input should be a valid dictionary"):
        recorded.completion(42)
    typed = OpenAITypes(ChatCompletion, ChatCompletionChunk)  # a mock: the SDK's type checks it
    with pytest.raises(ValueError, match="not a ChatCompletion: id: Field required; choices: Input should be a "
                                         "valid list"):
        typed.completion({"choices": 3})
    assert typed.completion("Hi").choices[0].message.content == "Hi"


def test_a_mock_the_sdk_type_rejects_stops_the_rerun_naming_the_call(main_run):
    again = main_run.cli.rerun(main_run.traced, "--mock", 'llm:openai.chat#1={"choices": 3}')
    assert again.returncode == 1
    assert "llm:openai.chat#1: codec OpenAITypes.completion could not rebuild the object {choices}" in again.stdout
    assert "not a ChatCompletion: id: Field required" in again.stdout
