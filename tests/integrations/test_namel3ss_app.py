"""A namel3ss `.ai` app traced in-process: `namel3ss-debug trace examples/namel3ss_app/app.ai` records
its flow, agent, AI call and tool call with inputs and outputs, links the runtime's own run, and
`replay --rerun` answers the AI and tool calls from the trace (or a mock).

The example runs offline (the runtime's `mock` provider, a `file` tool), each time in a copy of its
folder, through the real command in a subprocess as a user runs it; a few tests run it in this
process to look at one hook point.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.tracehelpers import assert_tree, find, schema_errors

pytest.importorskip("namel3ss", reason="the namel3ss runtime is not installed: "
                                       "pip install 'namel3ss-debug[namel3ss]' (Python 3.10-3.13)")

import namel3ss.runtime.providers.pack_registry as registry

from namel3ss_debug import get_tracer
from namel3ss_debug.integrations.namel3ss.runner import run_ai_app, start_attrs
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.answerer import Rerun
from namel3ss_debug.testing.capture import capture_events

pytestmark = pytest.mark.usefixtures("isolated_workspace")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "namel3ss_app"
PARIS = "[mock-writer] You are a concise city guide. :: Paris | mem:st=0"
Event = dict[str, Any]


def copy_example(directory: Path) -> Path:
    """The example's folder, copied without anything a run of it left there."""
    target = directory / "namel3ss_app"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".namel3ss", "debug", "__pycache__"))
    return target


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "N3_"))}
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "PYTHONDONTWRITEBYTECODE": "1"})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def events_in(directory: Path) -> list[Event]:
    paths = sorted(directory.glob("*.jsonl"))
    assert paths, f"no trace in {directory}"
    return [orjson.loads(line) for path in paths for line in path.read_bytes().splitlines()]


def one(events: list[Event], event_type: str, name: str) -> Event:
    found = find(events, event_type, name)
    assert len(found) == 1, f"{event_type} {name}: {len(found)} events"
    return found[0]


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], list[Event]]:
    """The example traced once for the module, with an input: its folder, the command's result, the events."""
    app = copy_example(tmp_path_factory.mktemp("n3"))
    done = cli("trace", "-q", "-o", "out", "--input", '{"city": "Paris"}', "app.ai", cwd=app)
    assert done.returncode == 0, done.stderr
    return app, done, events_in(app / "out")


# --- trace ------------------------------------------------------------------------------------------

def test_the_trace_records_flow_agent_ai_and_tool_with_inputs_and_outputs(traced):
    _, done, events = traced
    flow = one(events, "chain_execution_start", "plan_trip"), one(events, "chain_execution_end", "plan_trip")
    agent = one(events, "agent_execution_start", "city guide"), one(events, "agent_execution_end", "city guide")
    llm = one(events, "llm_call_start", "writer"), one(events, "llm_call_end", "writer")
    tool = one(events, "tool_call_start", "save note"), one(events, "tool_call_end", "save note")
    assert flow[0]["inputs"] == {"input": {"city": "Paris"}}
    assert flow[1]["outputs"]["return"] == {"text": PARIS}
    assert agent[0]["inputs"] == {"input": "Paris", "mode": "text"} and agent[0]["attrs"]["ai"] == "writer"
    assert agent[1]["outputs"]["text"] == PARIS
    assert llm[0]["model"] == "mock-writer" and llm[0]["attrs"]["provider"] == "mock"
    assert llm[0]["inputs"]["user_input"] == "Paris"
    assert llm[0]["inputs"]["system_prompt"] == "You are a concise city guide."
    assert llm[1]["outputs"] == {"text": PARIS, "return": {"output": PARIS}}
    assert tool[0]["inputs"] == {"args": {"operation": "write", "path": "answer.txt", "content": PARIS}}
    assert tool[0]["attrs"]["kind"] == "file"
    assert tool[1]["outputs"]["status"] == "allowed"
    assert tool[1]["outputs"]["result"] == {"ok": True, "bytes": len(PARIS)}
    assert json.loads(done.stdout) == PARIS  # the flow's result, printed as a script would
    assert all(end["status"] == "completed" for end in (flow[1], agent[1], llm[1], tool[1]))


def test_the_spans_nest_as_the_flow_ran_them_and_match_the_schema(traced):
    _, _, events = traced
    assert schema_errors(events) == []
    assert_tree(events)
    flow = one(events, "chain_execution_start", "plan_trip")
    agent = one(events, "agent_execution_start", "city guide")
    assert agent["parent_id"] == flow["span_id"]
    assert one(events, "llm_call_start", "writer")["parent_id"] == agent["span_id"]
    assert one(events, "tool_call_start", "save note")["parent_id"] == flow["span_id"]


def test_run_start_says_the_app_the_runtime_and_its_hooks(traced):
    app, _, events = traced
    attrs = one(events, "run_start", "app.ai")["attrs"]
    assert attrs["entry"]["kind"] == "namel3ss" and attrs["entry"]["input"] == '{"city": "Paris"}'
    namel3ss = attrs["namel3ss"]
    assert namel3ss["app"] == str((app / "app.ai").resolve()) and namel3ss["flow"] is None
    assert namel3ss["runtime_version"] == attrs["packages"]["namel3ss"]
    assert namel3ss["hooks"]["missing"] == []
    assert {found.split(":")[0] for found in namel3ss["hooks"]["found"]} == \
        {"flow", "agent", "agent input", "ai", "ai with tools", "tool", "ai cache"}
    assert namel3ss["artifacts"] == {"traces_index": str(app.resolve() / ".namel3ss" / "traces" / "index.json"),
                                     "observe": str(app.resolve() / ".namel3ss" / "observe.jsonl")}


def test_the_flow_span_links_the_runtimes_own_run(traced):
    app, _, events = traced
    index = json.loads((app / ".namel3ss" / "traces" / "index.json").read_text())
    attrs = one(events, "chain_execution_end", "plan_trip")["attrs"]
    assert attrs["n3_run_id"] == index["runs"][0]["run_id"] == "plan_trip-000001"
    step_file = Path(attrs["n3_trace_file"])
    assert step_file == app.resolve() / ".namel3ss" / "traces" / "plan_trip-000001.jsonl"
    assert {json.loads(line)["flow_name"] for line in step_file.read_text().splitlines()} == {"plan_trip"}


def test_nothing_of_ours_is_written_under_the_runtimes_traces(traced):
    app, _, events = traced
    runtime_traces = app / ".namel3ss" / "traces"
    index = json.loads((runtime_traces / "index.json").read_text())
    theirs = {"index.json", *(f"{run['run_id']}.jsonl" for run in index["runs"])}
    assert {path.name for path in runtime_traces.iterdir()} == theirs
    our_run = events[0]["run_id"]
    files = [path for path in (app / ".namel3ss").rglob("*") if path.is_file()]
    assert files and not [path for path in files if our_run in path.read_text(errors="replace")]


def test_start_attrs_creates_nothing(tmp_path):
    app = copy_example(tmp_path)
    attrs = start_attrs(str(app / "app.ai"), "plan_trip")
    assert attrs["flow"] == "plan_trip" and attrs["artifacts"]["traces_index"].endswith("traces/index.json")
    assert not (app / ".namel3ss").exists()


def test_the_packaging_trap_is_said_once_and_the_app_still_runs(traced):
    _, done, _ = traced
    root = Path(registry.__file__).parent
    missing = [name for name in registry._PACK_DIRS if not (root / name / "pack_manifest.json").is_file()]
    said = [line for line in done.stderr.splitlines() if "provider pack manifests" in line]
    if not missing:
        assert said == []
    else:
        assert len(said) == 1 and said[0].startswith("namel3ss-debug: ")
        assert all(name in said[0] for name in missing)


TWO_FLOWS = 'spec is "1.0"\n\nflow "hello":\n  return "hi"\n\nflow "greet":\n  return input.city\n'


@pytest.fixture(scope="module")
def greeted(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Event], subprocess.CompletedProcess[str],
                                                                 subprocess.CompletedProcess[str]]:
    """An app of two flows traced with `--flow greet` and an input holding a secret, and rerun: the
    events, the trace's result and the rerun's."""
    app = tmp_path_factory.mktemp("n3-greet")
    (app / "app.ai").write_text(TWO_FLOWS)
    done = cli("trace", "-q", "-o", "out", "--flow", "greet", "--input", '{"city": "Paris", "password": "hunter2"}',
               "app.ai", cwd=app)
    assert done.returncode == 0, done.stderr
    again = cli("replay", str(sorted((app / "out").glob("*.jsonl"))[0]), "--rerun", "-o", "new", cwd=app)
    return events_in(app / "out"), done, again


def test_a_secret_in_the_input_is_redacted_in_run_start_and_the_rerun_runs_with_the_rest(greeted):
    events, _, again = greeted
    assert not [event for event in events if "hunter2" in json.dumps(event)]
    entry = one(events, "run_start", "app.ai")["attrs"]["entry"]
    assert entry["input"] == '{"city": "Paris", "password": "[REDACTED]"}'
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith('"Paris"\n')
    assert "1 of the app's recorded arguments were redacted" in again.stderr


# --- rerun ------------------------------------------------------------------------------------------

def test_a_mock_on_the_ai_call_changes_the_flows_result(traced, tmp_path):
    app, _, events = traced
    recorded = sorted((app / "out").glob("*.jsonl"))[0]
    kept = list((app / ".namel3ss" / "files").rglob("answer.txt"))
    done = cli("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"),
               "--mock", 'llm:writer#1="Paris, by the river."', cwd=app)
    assert done.returncode == 1, done.stderr  # the mock parted the rerun: the changed tool call is a miss
    assert "parted        at llm:writer#1 (mocked)" in done.stdout
    new = events_in(tmp_path / "new")
    assert one(new, "llm_call_end", "writer")["attrs"]["replay"] == "mocked"
    tool = one(new, "tool_call_start", "save note"), one(new, "tool_call_end", "save note")
    assert tool[0]["inputs"]["args"]["content"] == "Paris, by the river."  # the mock reached the tool's input
    assert tool[1]["error"]["type"].endswith("RerunMiss")  # and the tool was neither run nor given a stale answer:
    assert [path.read_text() for path in kept] == [PARIS]


def test_a_rerun_without_mocks_answers_every_call_from_the_trace(traced, tmp_path):
    app, done, _ = traced
    recorded = sorted((app / "out").glob("*.jsonl"))[0]
    again = cli("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), "--format", "json", cwd=app)
    report = json.loads(again.stdout)
    assert report["counts"]["recorded"] == 2 and report["counts"]["live"] == 0
    new = events_in(tmp_path / "new")
    assert one(new, "llm_call_end", "writer")["outputs"]["text"] == PARIS
    assert one(new, "run_start", "app.ai")["attrs"]["namel3ss"]["hooks"]["missing"] == []


def test_a_mocked_tool_result_comes_back_as_the_runtimes_outcome(tmp_path, capsys):
    app = copy_example(tmp_path)
    (app / "app.ai").write_text((app / "app.ai").read_text().replace("  return answer\n", "  return saved\n"))
    path = str(app / "app.ai")
    with capture_events() as run:
        run_ai_app(path, None, None)
    assert json.loads(capsys.readouterr().out) == {"ok": True, "bytes": len(PARIS.replace("Paris", "Lisbon"))}
    key = "tool:save note#1"
    session = Rerun(Recording(timeline_of(run.events, "recorded.jsonl"), PathTable()), inputs_of=recorded_form,
                    mocks={key: Mock(parse_key(key), {"ok": True, "bytes": 7}, "test")})
    get_tracer().rerun = session
    try:
        with capture_events() as again:
            run_ai_app(path, None, None)
    finally:
        get_tracer().rerun = None
    assert json.loads(capsys.readouterr().out) == {"ok": True, "bytes": 7}
    assert session.tally.counts == {"recorded": 1, "mocked": 1}
    end = one(again.events, "tool_call_end", "save note")
    assert end["attrs"]["replay"] == "mocked"
    assert end["outputs"]["result"] == {"ok": True, "bytes": 7} and end["outputs"]["status"] == "allowed"


def test_a_rerun_without_the_namel3ss_package_says_how_to_install_it(traced, tmp_path):
    app, _, _ = traced
    recorded = sorted((app / "out").glob("*.jsonl"))[0]
    program = ("import sys; sys.modules['namel3ss'] = None; from namel3ss_debug.cli.main import main; "
               f"main(['replay', {str(recorded)!r}, '--rerun', '-o', {str(tmp_path / 'new')!r}])")
    done = subprocess.run([sys.executable, "-c", program], cwd=app, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "app.ai is a namel3ss .ai app, and the namel3ss package is not installed" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "new").glob("*.jsonl"))


# --- usage ------------------------------------------------------------------------------------------

def test_an_unknown_flow_lists_the_flows(tmp_path):
    app = copy_example(tmp_path)
    with pytest.raises(UsageError, match="app.ai has no flow 'trip'; its flows: plan_trip") as caught:
        run_ai_app(str(app / "app.ai"), "trip", None)
    assert caught.value.hint == "e.g. --flow plan_trip"


def test_flow_chooses_one_of_several_and_the_rerun_runs_the_same(greeted):
    events, done, again = greeted
    assert json.loads(done.stdout) == "Paris"
    assert one(events, "run_start", "app.ai")["attrs"]["entry"]["flow"] == "greet"
    assert [e["name"] for e in events if e["event_type"] == "chain_execution_start"] == ["greet"]
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith('"Paris"\n') and "reproduced" in again.stdout


def test_several_flows_and_no_flow_given_lists_them(tmp_path):
    app = copy_example(tmp_path)
    (app / "app.ai").write_text((app / "app.ai").read_text() + '\nflow "ping":\n  return "pong"\n')
    with pytest.raises(UsageError, match="app.ai has 2 flows; say which to run: plan_trip, ping"):
        run_ai_app(str(app / "app.ai"), None, None)


@pytest.mark.parametrize(("given", "said"), [("{city", "--input is not JSON"),
                                              ('["Paris"]', "--input must be a JSON object")])
def test_an_input_that_is_not_a_json_object_is_a_usage_error(tmp_path, given, said):
    app = copy_example(tmp_path)
    with pytest.raises(UsageError, match=said):
        run_ai_app(str(app / "app.ai"), None, given)


def test_a_flows_error_is_raised_after_its_span_fails(tmp_path, capsys):
    app = copy_example(tmp_path)
    (app / "app.ai").write_text((app / "app.ai").read_text().replace("set city is input.city",
                                                                      "set city is input.town"))
    with capture_events() as run, pytest.raises(Exception, match="town"):
        run_ai_app(str(app / "app.ai"), None, '{"city": "Paris"}')
    end = one(run.events, "chain_execution_end", "plan_trip")
    assert end["status"] == "failed" and "town" in end["error"]["message"]
    assert end["attrs"]["n3_run_id"] == "plan_trip-000001"  # the runtime recorded the failed run too
    assert capsys.readouterr().out == ""


def test_a_usage_error_about_the_app_stops_before_the_run_and_leaves_no_trace(tmp_path):
    app = copy_example(tmp_path)
    result = cli("trace", "-o", str(tmp_path / "traces"), "--flow", "trip", str(app / "app.ai"), cwd=tmp_path)
    assert result.returncode == 2
    assert "error: app.ai has no flow 'trip'; its flows: plan_trip (e.g. --flow plan_trip)" in result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "traces").glob("*.jsonl")) == []


def test_an_app_that_does_not_parse_fails_inside_its_run_like_a_script(tmp_path):
    (tmp_path / "broken.ai").write_text('spec is "1.0"\n\nflow "x"\n  return\n')
    result = cli("trace", "-o", str(tmp_path / "traces"), str(tmp_path / "broken.ai"), cwd=tmp_path)
    assert result.returncode == 1
    [trace] = (tmp_path / "traces").glob("*.jsonl")
    run_end = [event for event in map(orjson.loads, trace.read_bytes().splitlines())
               if event["event_type"] == "run_end"]
    assert run_end[0]["status"] == "failed" and run_end[0]["error"]["type"]


PYTHON_TOOL_APP = '''spec is "1.0"

tool "word count":
  implemented using python

  input:
    text is text

  output:
    count is number

flow "count":
  let result is word count:
    text is input.text
  return result
'''


def test_a_python_tool_run_in_a_child_process_is_recorded_at_its_boundary_and_mocked(tmp_path):
    app = tmp_path / "wc"
    (app / "tools").mkdir(parents=True)
    (app / ".namel3ss").mkdir()
    (app / "app.ai").write_text(PYTHON_TOOL_APP)
    (app / ".namel3ss" / "tools.yaml").write_text('tools:\n  "word count":\n    kind: "python"\n'
                                                  '    entry: "tools.wc:run"\n')
    (app / "tools" / "__init__.py").write_text("")
    (app / "tools" / "wc.py").write_text('def run(payload):\n    return {"count": len(payload["text"].split())}\n')
    done = cli("trace", "-q", "-o", "out", "--input", '{"text": "one two three"}', "app.ai", cwd=app)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"count": 3}
    events = events_in(app / "out")
    start, end = one(events, "tool_call_start", "word count"), one(events, "tool_call_end", "word count")
    assert start["inputs"] == {"args": {"text": "one two three"}} and start["attrs"]["kind"] == "python"
    assert (end["outputs"]["status"], end["outputs"]["result"]) == ("allowed", {"count": 3})
    trace = sorted((app / "out").glob("*.jsonl"))[0]
    again = cli("replay", str(trace), "--rerun", "-o", "again", "--mock", 'tool:word count#1={"count": 42}', cwd=app)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.split("\n\n")[0]) == {"count": 42}
