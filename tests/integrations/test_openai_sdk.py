"""The openai SDK recorded at its HTTP client with no change to the app: what is particular to it. A
stream is recorded as its chunks, `with_raw_response` and the `chat.completions.stream()` helper like
any call, a broken stream as the chunks before the break; `replay --rerun` mocks a call with a text or
a whole response, rebuilds equal SDK objects, and never sends the placeholder key it gives the SDK.

The app (sdk_openai.py) is recorded and rerun once for the session (conftest's `sdk_runs`), and the
tests that hold for the anthropic SDK too are test_sdk_calls.py's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from support.rerunhelpers import record, rerun
from sdk_openai import NAME, OPENAI, TOOLS, usage_of

from namel3ss_debug import capture_http
from namel3ss_debug.transport.frames import restored

openai = pytest.importorskip("openai", reason="the openai SDK is not installed: pip install openai")
from openai.types.chat import ChatCompletion, ChatCompletionChunk  # noqa: E402 - after the skip

MAIN = OPENAI.sizes["main"]  # the errors part's first call is the next

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

MOCK_BODY = json.dumps({"id": "chatcmpl-body", "object": "chat.completion", "created": 1, "model": "gpt-mock",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "From a body"}}]})
RECORD_429 = json.dumps({"status": 429, "body": {"error": {"message": "Slow"}}})


@pytest.fixture(scope="module")
def main_run(sdk_runs: Any) -> Any:
    """The app recorded: `main_run.traced`, `main_run.server` (stopped), `main_run.cli`."""
    return sdk_runs(OPENAI).recorded


@pytest.fixture(scope="module")
def mocked_rerun(main_run: Any) -> Any:
    """The app rerun with text mocks on calls of the main part (plain, stream, the stream helper) and,
    on the errors part's first two, a whole body and a response record."""
    return main_run.cli.rerun(main_run.traced, "--mock", f'llm:{NAME}#1="Mocked"',
                              "--mock", f'llm:{NAME}#3="Mocked stream"', "--mock", f'llm:{NAME}#7="Mocked helper"',
                              "--mock", f"llm:{NAME}#{MAIN + 1}={MOCK_BODY}",
                              "--mock", f"llm:{NAME}#{MAIN + 2}={RECORD_429}")


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "label", "carries_usage"), [(2, "stream", True), (8, "async_stream", False)])
def test_a_stream_is_recorded_as_its_frames_and_what_they_add_up_to(main_run, index, label, carries_usage):
    start, end = OPENAI.calls(main_run.traced, "main")[index]
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


def test_with_raw_response_and_the_stream_helper_are_recorded_like_any_call(main_run):
    (raw_start, raw_end), (helper_start, helper_end) = OPENAI.calls(main_run.traced, "main")[5:7]
    assert main_run.traced.printed["raw status"] == ["200 application/json"]
    assert raw_start["inputs"]["messages"] == [{"role": "user", "content": "raw please"}]
    assert raw_end["outputs"]["text"] == "Echo: raw please"
    assert helper_start["inputs"]["stream"] is True
    assert helper_end["outputs"]["text"] == "Echo: Use the helper"
    assert "content.done" in main_run.traced.printed["helper events"][0]


def test_a_stream_that_breaks_midway_ends_failed_with_the_frames_before_the_break(main_run):
    _, end = OPENAI.calls(main_run.traced, "errors")[5]
    assert main_run.traced.printed["broken chunk"] == ["Half ", "an "]
    assert main_run.traced.printed["broken"] == ["openai.APIConnectionError"]
    assert end["status"] == "failed" and end["error"]["type"] == "httpx2.RemoteProtocolError"
    assert end["outputs"]["text"] == "Half an " and len(end["outputs"]["return"]["frames"]) == 2


# --- rerun ----------------------------------------------------------------------------------------

def test_a_mock_may_be_a_response_record_or_a_whole_body(mocked_rerun):
    assert mocked_rerun.returncode == 0, mocked_rerun.stderr
    assert mocked_rerun.printed["429"] == ["answered From a body"]
    assert mocked_rerun.printed["401"] == ["openai.RateLimitError"]
    assert OPENAI.calls(mocked_rerun, "errors")[1][1]["error"] == \
        {"type": "HTTP 429", "message": "Slow", "category": "rate_limit"}


def test_a_text_mock_becomes_the_whole_answer_streamed_or_not(main_run, mocked_rerun):
    assert mocked_rerun.returncode == 0, mocked_rerun.stderr
    lines = mocked_rerun.printed
    assert (lines["sync text"], lines["stream text"]) == (["Mocked"], ["Mocked stream"])
    assert "content='Mocked helper'" in lines["helper final"][0]
    assert lines["tool call"] == main_run.traced.printed["tool call"]  # the other calls still from the recording
    assert lines["async text"] == main_run.traced.printed["async text"]
    assert [end["attrs"]["replay"] for _, end in OPENAI.calls(mocked_rerun, "main")][:4] == \
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


def test_a_call_that_goes_live_in_a_rerun_is_sent_without_the_placeholder_key(module_cli, llm_stub):
    # recorded without the call (capture off); the rerun lets it run live, with the placeholder the
    # SDK was given dropped (no OPENAI_API_KEY here; test_sdk_calls.py's rerun needs none either)
    unrecorded = module_cli.trace(ENV_KEY_APP, "--capture-http", "off", env={"OPENAI_API_KEY": llm_stub.api_key})
    live = module_cli.rerun(unrecorded, "--on-miss", "live")
    assert live.printed["status"] == ["401"]
    assert llm_stub.seen_keys[-1] == ""
    assert live.returncode == 1
    assert "not reproduced: 1 call(s) ran live instead of being answered from the recording" in live.stdout


# --- what is recorded -----------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "recorded_calls"), [("", 1), ("capture_http='off'", 0)])
def test_a_run_started_by_configure_records_what_its_settings_say(module_cli, settings, recorded_calls):
    traced = module_cli.configured(OPENAI.one_call_app, settings)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["text"] == ["Echo: one call"]
    assert len(traced.llm_calls(NAME)) == recorded_calls
