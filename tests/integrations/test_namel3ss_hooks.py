"""The namel3ss runtime's hook points, one at a time: found and wrapped once, inert with no run, a
missing one reported in one line while the rest is traced, the AI cache bypassed while tracing, the
`ai` block named, and the runtime's result types rebuilt from trace JSON or a mock.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("namel3ss", reason="the namel3ss runtime is not installed: "
                                       "pip install 'namel3ss-debug[namel3ss]' (Python 3.10-3.13)")

import namel3ss.runtime.executor.core as executor_core
import namel3ss.runtime.providers.openai.tool_calls_adapter as openai_adapter
import namel3ss.runtime.providers.pack_registry as pack_registry
import namel3ss.runtime.tools.executor.run as tool_run
from namel3ss.errors.base import Namel3ssError
from namel3ss.runtime.ai.provider import AIResponse, AIToolCallResponse
from namel3ss.runtime.ai.providers.mock import MockProvider
from namel3ss.runtime.tools.outcome import ToolCallOutcome, ToolDecision

from namel3ss_debug import get_tracer
from namel3ss_debug.integrations.namel3ss import hooks, names
from namel3ss_debug.integrations.namel3ss.manifests import work_around_missing_manifests
from namel3ss_debug.integrations.namel3ss.results import (
    AIResponseCodec,
    ToolOutcomeCodec,
    tool_json,
)
from namel3ss_debug.integrations.namel3ss.runner import run_ai_app, runtime_version
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.answerer import Rerun
from namel3ss_debug.model.values import CodecError, decode
from namel3ss_debug.testing.capture import capture_events

pytestmark = pytest.mark.usefixtures("isolated_workspace")

ASK_TWICE = '''spec is "1.0"

capabilities:
  performance

ai "greeter":
  provider is "mock"
  model is "mock-small"

flow "twice":
  ask ai "greeter" with input: "hello" as first
  ask ai "greeter" with input: "hello" as second
  return second
'''


def write_app(directory: Path, source: str = ASK_TWICE) -> str:
    path = directory / "app.ai"
    path.write_text(source)
    return str(path)


def llm_ends(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event_type"] == "llm_call_end"]


def test_every_hook_point_of_this_version_is_found_and_wrapped_once():
    first = hooks.install()
    wrapped = (tool_run._execute_tool_call_internal, MockProvider.ask)
    again = hooks.install()
    assert first.missing == again.missing == []
    assert (tool_run._execute_tool_call_internal, MockProvider.ask) == wrapped  # not wrapped twice
    assert all(hooks.wrappers.is_ours(function) for function in wrapped)


def test_with_no_run_a_wrapped_call_is_the_runtimes_own():
    hooks.install()
    request = {"model": "m", "system_prompt": "s", "user_input": "u"}
    assert MockProvider().ask(**request) == MockProvider.ask.__wrapped__(MockProvider(), **request) \
        == AIResponse(output="[m] s :: u")


def test_a_missing_hook_point_is_reported_in_one_line_and_the_rest_is_traced(tmp_path, monkeypatch, capsys):
    monkeypatch.delattr(tool_run, "_execute_tool_call_internal")  # as a version that renamed it would be
    report = hooks.install()
    assert report.missing == ["tool (namel3ss.runtime.tools.executor.run._execute_tool_call_internal)"]
    assert "flow: namel3ss.runtime.executor.core.Executor.run" in report.found
    with capture_events() as run:
        run_ai_app(write_app(tmp_path), None, None)  # this app calls no tool: nothing else is needed
    printed = capsys.readouterr()
    assert json.loads(printed.out) == "[mock-small] hello | mem:st=0"
    said = [line for line in printed.err.splitlines() if "not traced" in line]
    assert said == [f"namel3ss-debug: warning: namel3ss {runtime_version()}: not traced: tool "
                    "(namel3ss.runtime.tools.executor.run._execute_tool_call_internal) (this version lacks the "
                    "hook point; the rest of the app is traced)"]
    spans = [(e["component"], e["name"]) for e in run.events if e["event_type"].endswith("_start") and
             e["component"] != "app"]
    assert spans == [("chain", "twice"), ("llm", "greeter"), ("llm", "greeter")]


def test_a_hook_point_whose_parameters_changed_is_reported_and_left_alone(tmp_path, monkeypatch, capsys):
    def _execute_tool_call_internal(context: Any, name: str, arguments: dict, *, line: Any, column: Any) -> Any:
        raise AssertionError("this app calls no tool")  # a version that renamed the parameters

    monkeypatch.setattr(tool_run, "_execute_tool_call_internal", _execute_tool_call_internal)
    report = hooks.install()
    assert report.missing == ["tool (namel3ss.runtime.tools.executor.run._execute_tool_call_internal)"]
    assert tool_run._execute_tool_call_internal is _execute_tool_call_internal  # not wrapped: no call of it fails
    with capture_events():
        run_ai_app(write_app(tmp_path), None, None)
    assert "not traced: tool" in capsys.readouterr().err


def test_identical_ai_calls_all_reach_ask_while_tracing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("N3_CACHE_SIZE", "64")  # the runtime's own setting, read by the runtime
    asked: list[str] = []
    original = MockProvider.ask.__wrapped__

    def counting_ask(self: Any, **request: Any) -> Any:
        asked.append(request["user_input"])
        return original(self, **request)

    monkeypatch.setattr(MockProvider, "ask", counting_ask)
    path = write_app(tmp_path)
    run_ai_app(path, None, None)
    assert asked == ["hello"]  # untraced, the second call came from the runtime's cache
    with capture_events() as run:
        run_ai_app(path, None, None)
    assert asked == ["hello", "hello", "hello"]
    assert [end["outputs"]["text"] for end in llm_ends(run.events)] == ["[mock-small] hello | mem:st=0"] * 2
    capsys.readouterr()


def test_an_ai_call_is_named_after_its_ai_block():
    class Decl:
        def __init__(self, model: str, system_prompt: str | None):
            self.model, self.system_prompt = model, system_prompt

    profiles = {"short": Decl("m1", "Be short."), "long": Decl("m1", "Be long."), "solo": Decl("m2", None)}
    with names.flow_profiles(profiles):
        assert names.ai_name("m2", "anything") == "solo"
        assert names.ai_name("m1", "Be long.") == "long"
        assert names.ai_name("m1", "an agent's own prompt") == "m1"  # ambiguous: the model
        with names.agent_ai("short"):
            assert names.ai_name("m1", "an agent's own prompt") == "short"
    assert names.ai_name("m2", None) == "m2"


def test_an_ai_answer_is_rebuilt_from_text_fields_or_a_tool_call():
    codec = AIResponseCodec()
    assert decode("Sunny", codec) == AIResponse(output="Sunny")
    assert decode({"output": "x", "description": "d"}, codec) == AIResponse(output="x", description="d")
    assert decode({"tool_name": "save note", "args": {"path": "a"}}, codec) == \
        AIToolCallResponse(tool_name="save note", args={"path": "a"})
    with pytest.raises(CodecError, match="codec AIResponseCodec could not rebuild the object {text}.*text is not a "
                                         "field of AIResponse"):
        decode({"text": "x"}, codec)


def test_a_tool_outcome_and_its_error_round_trip_through_json():
    decision = ToolDecision(status="blocked", capability="files", reason="policy", message="no")
    outcome = ToolCallOutcome("save note", decision, "blocked", "no", result_value=None)
    error = Namel3ssError("Tool blocked", line=3, column=5)
    recorded = json.loads(json.dumps(tool_json((outcome, error))))
    again, again_error = decode(recorded, ToolOutcomeCodec("save note"))
    assert again == outcome and again.decision == decision
    assert isinstance(again_error, Namel3ssError) and str(again_error) == "[line 3, col 5] Tool blocked"


def test_a_tool_mock_is_the_result_of_an_allowed_call():
    outcome, error = decode({"ok": True}, ToolOutcomeCodec("save note"))
    assert error is None and outcome.result_value == {"ok": True}
    assert (outcome.tool_name, outcome.decision.status, outcome.result_kind) == ("save note", "allowed", "ok")


def test_the_packaging_trap_is_worked_around_once(monkeypatch):
    original = pack_registry._metadata_map
    fresh = types.FunctionType(original.__code__, original.__globals__, "_metadata_map")  # nothing read yet
    monkeypatch.setattr(pack_registry, "_metadata_map", fresh)
    root = Path(pack_registry.__file__).parent
    missing = [name for name in pack_registry._PACK_DIRS if not (root / name / "pack_manifest.json").is_file()]
    note = work_around_missing_manifests("0.1.0a15")
    if missing:
        assert note is not None
        assert note.startswith("namel3ss 0.1.0a15 is installed without the provider pack manifests")
        assert all(name in note for name in missing)
    else:
        assert note is None
    assert set(fresh()) == set(pack_registry._PACK_DIRS) - set(missing)  # the app can load now
    assert work_around_missing_manifests("0.1.0a15") is None  # said once


def test_a_manifest_reader_that_cannot_be_worked_around_is_a_clear_error(monkeypatch):
    def reader() -> dict[str, Any]:  # a version that caches elsewhere: filling `_cache` changes nothing
        raise Namel3ssError("Provider pack manifest missing: .../huggingface/pack_manifest.json")

    monkeypatch.setattr(pack_registry, "_metadata_map", reader)
    with pytest.raises(UsageError, match="namel3ss 9.9 cannot load an app with an `ai` block: its package lacks "
                                         "provider pack manifests .*workaround does not apply") as caught:
        work_around_missing_manifests("9.9")
    assert "pip install -e" in (caught.value.hint or "")


def test_another_failure_of_the_manifest_reader_is_left_to_the_apps_own_load(monkeypatch):
    def reader() -> dict[str, Any]:  # not the packaging trap: loading the app reports it, in its run
        raise ValueError("pack_manifest.json: Expecting value: line 1 column 1 (char 0)")

    monkeypatch.setattr(pack_registry, "_metadata_map", reader)
    assert work_around_missing_manifests("0.1.0a15") is None


CLERK = '''spec is "1.0"

capabilities:
  files

tool "save note":
  implemented using file

  input:
    operation is text
    path is text
    content is text

  output:
    ok is boolean
    bytes is number

ai "clerk":
  provider is "mock"
  model is "mock-clerk"
  tools:
    expose "save note"

flow "file_it":
  ask ai "clerk" with input: "keep this" as reply
  return reply
'''


def test_a_tool_the_ai_asks_for_is_recorded_and_the_whole_exchange_replays(tmp_path, monkeypatch, capsys):
    args = {"operation": "write", "path": "kept.txt", "content": "keep this"}
    scripted = [AIToolCallResponse("save note", args), AIResponse(output="Filed.")]
    path = write_app(tmp_path, CLERK)
    with monkeypatch.context() as patched, capture_events() as run:
        patched.setattr(executor_core, "MockProvider", lambda: MockProvider(tool_call_sequence=list(scripted)))
        run_ai_app(path, None, None)
    assert json.loads(capsys.readouterr().out) == "Filed."
    asked, answered = llm_ends(run.events)
    assert asked["outputs"]["tool_call"] == {"tool": "save note", "args": args}
    tool = [e for e in run.events if e["event_type"] == "tool_call_start"]
    assert [(e["name"], e["inputs"], e["attrs"]["called_by"]) for e in tool] == [("save note", {"args": args}, "ai")]
    assert answered["outputs"]["text"] == "Filed."

    # The runtime's own mock no longer asks for the tool: only the trace can make the rerun do so.
    session = Rerun(Recording(timeline_of(run.events, "recorded.jsonl"), PathTable()), inputs_of=recorded_form)
    get_tracer().rerun = session
    try:
        with capture_events():
            run_ai_app(path, None, None)
    finally:
        get_tracer().rerun = None
    assert session.tally.counts == {"recorded": 3}
    assert json.loads(capsys.readouterr().out) == "Filed."


def test_an_agent_whose_ai_asks_for_a_tool_holds_the_exchange_and_replays_it(tmp_path, monkeypatch, capsys):
    args = {"operation": "write", "path": "kept.txt", "content": "keep this"}
    scripted = [AIToolCallResponse("save note", args), AIResponse(output="Filed.")]
    source = CLERK.replace('ask ai "clerk" with input: "keep this" as reply',
                           'run agent "filer" with input: "keep this" as reply')
    path = write_app(tmp_path, source.replace('flow "file_it":', 'agent "filer":\n  ai is "clerk"\n\nflow "file_it":'))
    with monkeypatch.context() as patched, capture_events() as run:
        patched.setattr(executor_core, "MockProvider", lambda: MockProvider(tool_call_sequence=list(scripted)))
        run_ai_app(path, None, None)
    assert json.loads(capsys.readouterr().out) == "Filed."
    agent = next(e for e in run.events if e["event_type"] == "agent_execution_start")
    inside = [(e["component"], e["name"]) for e in run.events
              if e["event_type"].endswith("_start") and e["parent_id"] == agent["span_id"]]
    assert inside == [("llm", "clerk"), ("tool", "save note"), ("llm", "clerk")]
    end = next(e for e in run.events if e["event_type"] == "agent_execution_end")
    assert end["outputs"]["text"] == "Filed."
    assert [(call["name"], call["args"]) for call in end["outputs"]["tool_calls"]] == [("save note", args)]

    session = Rerun(Recording(timeline_of(run.events, "recorded.jsonl"), PathTable()), inputs_of=recorded_form)
    get_tracer().rerun = session
    try:
        with capture_events():
            run_ai_app(path, None, None)  # the runtime's own mock no longer asks for the tool
    finally:
        get_tracer().rerun = None
    assert session.tally.counts == {"recorded": 3}
    assert json.loads(capsys.readouterr().out) == "Filed."


def test_an_ai_with_tools_on_a_provider_that_calls_its_api_itself_is_recorded_and_replayed(tmp_path, monkeypatch,
                                                                                           capsys):
    # openai, anthropic, gemini and mistral run an AI call with tools through an adapter that posts to
    # the API itself, never through `ask`: its model calls are recorded, and answered in a rerun.
    args = {"operation": "write", "path": "kept.txt", "content": "keep this"}
    replies = [{"choices": [{"message": {"content": None, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "save note", "arguments": json.dumps(args)}}]}}]},
               {"choices": [{"message": {"content": "Filed."}}]}]
    posted: list[Any] = []

    def post_json(**request: Any) -> Any:
        posted.append(request["payload"])
        return replies[len(posted) - 1]

    path = write_app(tmp_path, CLERK.replace('provider is "mock"', 'provider is "openai"'))
    with monkeypatch.context() as patched, capture_events() as run:
        patched.setenv("NAMEL3SS_OPENAI_API_KEY", "sk-test")
        patched.setattr(openai_adapter, "post_json", post_json)
        run_ai_app(path, None, None)
    assert json.loads(capsys.readouterr().out) == "Filed." and len(posted) == 2
    starts = [e for e in run.events if e["event_type"] == "llm_call_start"]
    asked, answered = llm_ends(run.events)
    assert [(e["name"], e["attrs"]["provider"]) for e in starts] == [("clerk", "openai")] * 2
    assert asked["outputs"]["tool_call"] == {"tool": "save note", "args": args}
    assert answered["outputs"]["text"] == "Filed."
    assert starts[1]["inputs"]["messages"][-1]["role"] == "tool"  # the tool's result, as the model got it

    # The rerun posts nothing (and needs no key): the model's answers come from the trace, a mock changes one.
    key = "llm:clerk#2"
    session = Rerun(Recording(timeline_of(run.events, "recorded.jsonl"), PathTable()), inputs_of=recorded_form,
                    mocks={key: Mock(parse_key(key), "Filed twice.", "test")})
    get_tracer().rerun = session
    try:
        with monkeypatch.context() as patched, capture_events():
            patched.setattr(openai_adapter, "post_json", lambda **request: pytest.fail("the rerun posted"))
            run_ai_app(path, None, None)
    finally:
        get_tracer().rerun = None
    assert session.tally.counts == {"recorded": 2, "mocked": 1}
    assert json.loads(capsys.readouterr().out) == "Filed twice."
