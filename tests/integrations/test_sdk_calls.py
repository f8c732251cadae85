"""The openai and anthropic SDKs recorded at their HTTP client with no change to the app: what holds
for both. `namel3ss-debug trace app.py` records every request the SDK sends against the stub server,
failed calls with their category, streams closed early, and no API key; `replay --rerun` serves the
recorded responses back with the server stopped, so the app gets the same objects and errors.

Each SDK's app (sdk_openai.py, sdk_anthropic.py) is recorded and rerun once for the session
(conftest's `sdk_runs`); what is SDK-specific is tested in test_openai_sdk.py and test_anthropic_sdk.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sdk_anthropic import ANTHROPIC
from sdk_openai import OPENAI

SDKS = [OPENAI, ANTHROPIC]
EACH_SDK = pytest.mark.parametrize("sdk", [sdk.param() for sdk in SDKS])
REPRODUCED = "reproduced: the rerun matches the recording"

# What is loaded before the app imports an SDK.
LOADED = """import sys
print("loaded:", sorted(name for name in ("openai", "anthropic", "httpx", "httpx2") if name in sys.modules))
"""


@pytest.fixture
def run(sdk: Any, sdk_runs: Any) -> Any:
    """The SDK's app, recorded (`run.recorded`) and rerun (`run.rerun`)."""
    return sdk_runs(sdk)


# --- what a call records ------------------------------------------------------------------------

@pytest.mark.parametrize(("sdk", "call"), [sdk.param(call, id=call.label) for sdk in SDKS for call in sdk.plain_calls])
def test_a_call_records_its_request_body_text_and_usage(sdk, call, run):
    recorded = run.recorded
    start, end = sdk.calls(recorded.traced, "main")[call.index]
    assert start["model"] == call.model
    assert start["inputs"] == call.inputs
    assert start["attrs"]["http"] == {"method": "POST", "url": sdk.endpoint(recorded.server)}
    assert (start["attrs"]["api"], start["attrs"]["provider"], start["attrs"]["stream"]) == \
        (sdk.name, sdk.provider, False)
    response = json.loads(recorded.traced.printed[f"{call.label} json"][0])
    assert end["status"] == "completed" and end["model"] == call.model
    assert end["outputs"]["text"] == recorded.traced.printed[f"{call.label} text"][0]
    assert end["outputs"]["text"] == "Echo: What is the capital of France"
    assert (end["outputs"]["finish_reason"], end["outputs"]["id"]) == (sdk.finish_reasons[0], response["id"])
    assert end["outputs"]["return"]["status"] == end["attrs"]["http_status"] == 200
    assert end["outputs"]["return"]["body"]["id"] == response["id"]
    assert end["usage"] == sdk.usage_of(response)


@EACH_SDK
def test_the_tool_calls_a_response_asks_for_are_recorded(sdk, run):
    traced = run.recorded.traced
    start, end = sdk.calls(traced, "main")[1]
    assert start["inputs"]["tools"] == sdk.tools
    call_id, name, arguments = traced.printed[sdk.tool_label][0].split(" ", 2)
    assert end["outputs"]["tool_calls"] == [{"id": call_id, "name": name,
                                             "arguments": sdk.recorded_arguments(arguments)}]
    assert (name, json.loads(arguments)) == ("weather", {"city": "Paris"})
    assert end["outputs"]["finish_reason"] == sdk.finish_reasons[1]


@EACH_SDK
def test_no_api_key_reaches_the_trace_even_in_headers(sdk, run):
    recorded = run.recorded
    key = recorded.server.api_key
    calls = sdk.calls(recorded.traced, "main")
    to_stub = [start for start, _ in recorded.traced.llm_calls(sdk.name)
               if start["attrs"]["http"]["url"].startswith(recorded.server.url + "/")]
    assert len(recorded.server.seen_keys) == len(to_stub)  # each request the stub got is a span
    assert recorded.server.seen_keys[:len(calls)] == [key] * len(calls)  # the main part's all carried the key
    assert recorded.traced.printed["default_headers text"] == ["Echo: key in default headers"]
    assert recorded.traced.printed["extra_headers text"] == ["Echo: key in extra headers"]
    assert "extra_headers" not in calls[4][0]["inputs"]
    assert all(set(end["outputs"]["return"]["headers"]) <= {"content-type"} for _, end in calls)
    assert key.encode() not in recorded.traced.file_bytes()


# --- streams closed early -------------------------------------------------------------------------

@EACH_SDK
def test_a_stream_the_app_closes_or_drops_before_it_has_all_come_is_marked_closed_early(sdk, run):
    traced = run.recorded.traced
    calls = sdk.calls(traced, "early")
    assert traced.printed["dropped text"] == ["Half "]
    assert [end["status"] for _, end in calls] == ["completed"] * 4
    assert [end["attrs"].get("closed_early") for _, end in calls] == [True] * 4
    assert [end["outputs"].get("text") for _, end in calls] == sdk.early_texts  # what the app had read


@EACH_SDK
def test_a_stream_the_app_drops_unfinished_and_python_never_collects_ends_with_the_run(sdk, run):
    traced = run.recorded.traced
    (_, dropped), _ = sdk.calls(traced, "early")[2:]
    [run_end] = [event for event in traced.events if event["event_type"] == "run_end"]
    assert dropped["attrs"]["closed_early"] is True and dropped["seq"] < run_end["seq"]


@EACH_SDK
def test_a_rerun_closes_the_same_streams_early(sdk, run):
    assert run.rerun.returncode == 0, run.rerun.stderr
    assert run.rerun.stdout.startswith(run.recorded.traced.stdout)
    assert [end["attrs"].get("closed_early") for _, end in sdk.calls(run.rerun, "early")] == [True] * 4
    assert REPRODUCED in run.rerun.stdout


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sdk", "index", "failure"), [
    sdk.param(index, failure, id=failure.label) for sdk in SDKS for index, failure in enumerate(sdk.failures)])
def test_a_failed_call_records_its_error_category_and_the_app_gets_the_sdk_error(sdk, index, failure, run):
    traced = run.recorded.traced
    _, end = sdk.calls(traced, "errors")[index]
    assert end["status"] == "failed"
    assert (end["error"]["type"], end["error"]["category"]) == (failure.error_type, failure.category)
    assert traced.printed[failure.label] == [failure.app_error]
    if failure.error_type.startswith("HTTP"):  # the API's own message, from its error body
        assert end["error"]["message"] == end["outputs"]["return"]["body"]["error"]["message"] != ""
        assert end["outputs"]["return"]["status"] == end["attrs"]["http_status"] == int(failure.label)


@EACH_SDK
def test_a_rerun_raises_the_recorded_errors_again_where_they_were_raised(sdk, run):
    recorded, again = run.recorded, run.rerun
    assert again.returncode == 0, again.stderr
    labels = [failure.label for failure in sdk.failures]
    assert [again.printed[label] for label in labels] == [recorded.traced.printed[label] for label in labels]
    assert [end["error"]["type"] for _, end in sdk.calls(again, "errors")[:len(labels)]] == \
        [failure.error_type for failure in sdk.failures]
    assert recorded.server.seen_keys.count("sk-wrong") == 1  # the recording's one request, none since


@EACH_SDK
def test_a_rerun_breaks_a_broken_stream_again_after_its_frames(sdk, run):
    assert run.rerun.printed.get("broken") == [sdk.broken_stream_error]
    _, end = sdk.calls(run.rerun, "errors")[-1]
    assert end["status"] == "failed" and end["error"]["type"] == "httpx2.RemoteProtocolError"
    assert REPRODUCED in run.rerun.stdout


# --- rerun ----------------------------------------------------------------------------------------

@EACH_SDK
def test_a_rerun_with_the_server_stopped_gives_the_app_the_same_responses(sdk, run):
    assert run.rerun.returncode == 0, run.rerun.stderr
    assert run.rerun.stdout.startswith(run.recorded.traced.stdout)  # every repr, JSON, chunk and event the same
    assert [end["attrs"]["replay"] for _, end in sdk.calls(run.rerun, "main")] == ["recorded"] * sdk.sizes["main"]
    assert run.recorded.server.api_key.encode() not in run.rerun.file_bytes()


@EACH_SDK
def test_a_rerun_records_what_the_recording_did_and_is_a_reproduction(sdk, run):
    assert [end.get("outputs") for _, end in run.rerun.llm_calls(sdk.name)] == \
        [end.get("outputs") for _, end in run.recorded.traced.llm_calls(sdk.name)]  # none for a refused call
    assert REPRODUCED in run.rerun.stdout


@EACH_SDK
def test_a_rerun_needs_no_api_key(sdk, run):
    # recorded with the key in the SDK's variable; rerun without it, the SDK given a placeholder
    _, end = sdk.calls(run.rerun, "main")[-1]
    assert run.rerun.returncode == 0, run.rerun.stderr
    assert run.recorded.traced.printed["env_key text"] == ["Echo: key from the environment"]
    assert run.rerun.printed["env_key text"] == run.recorded.traced.printed["env_key text"]
    assert end["attrs"]["replay"] == "recorded"
    assert REPRODUCED in run.rerun.stdout


# --- what is recorded -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def traced_once(module_cli: Any) -> Any:
    """`traced_once(sdk, *options, env=None)`: the SDK's one-call app (printing first what is loaded)
    traced once for the module with these options."""
    runs: dict[Any, Any] = {}

    def trace(sdk: Any, *options: str, env: dict[str, str] | None = None) -> Any:
        key = (sdk.module, options, tuple(sorted((env or {}).items())))
        if key not in runs:
            runs[key] = module_cli.trace(LOADED + sdk.one_call_app, *options, env=env)
        return runs[key]

    return trace


@pytest.mark.parametrize(("sdk", "runner"), [  # the trace's runs are the capture tests' (`all`)
    OPENAI.param("trace", id="trace"), OPENAI.param("autostart", id="autostart"), ANTHROPIC.param("trace", id="trace")])
def test_no_sdk_or_http_client_is_imported_until_the_app_imports_it_and_its_calls_are_recorded(
        sdk, runner, module_cli, traced_once):
    if runner == "trace":  # `namel3ss-debug trace app.py`
        traced = traced_once(sdk)
    else:  # `python app.py` with NAMEL3SS_DEBUG_ENABLED=1, the app importing namel3ss_debug
        traced = module_cli.autostart("import namel3ss_debug\n" + LOADED + sdk.one_call_app)
    assert traced.returncode == 0, traced.stderr
    assert traced.printed["loaded"] == ["[]"]
    [(_, end)] = traced.llm_calls(sdk.name)  # imported late, the SDK is still recorded
    assert end["outputs"]["text"] == traced.printed["text"][0] == "Echo: one call"


CAPTURE_MODES = {"all": ((), None, ["http", "llm"]), "llm": (("--capture-http", "llm"), None, ["llm"]),
                 "off": (("--capture-http", "off"), None, [])}
CAPTURE_BY_ENVIRONMENT = ((), {"NAMEL3SS_DEBUG_CAPTURE_HTTP": "off"}, [])  # read before any SDK is: one SDK


@pytest.mark.parametrize(("sdk", "options", "env", "components"), [
    *(sdk.param(*mode, id=name) for sdk in SDKS for name, mode in CAPTURE_MODES.items()),
    OPENAI.param(*CAPTURE_BY_ENVIRONMENT, id="environment")])
def test_capture_http_chooses_which_requests_are_recorded(sdk, options, env, components, traced_once):
    traced = traced_once(sdk, *options, env=env)
    assert traced.returncode == 0, traced.stderr
    label, path = sdk.other_request
    assert traced.printed == {"loaded": ["[]"], label: ["not found"], "text": ["Echo: one call"]}
    spans = [event for event in traced.events if event["event_type"].endswith("_start")
             and event["component"] in ("http", "llm")]
    assert [span["component"] for span in spans] == components
    if "http" in components:
        assert spans[0]["attrs"]["http"]["url"].endswith(path)
    assert traced.events[-1]["event_type"] == "run_end" and traced.events[-1]["status"] == "completed"
