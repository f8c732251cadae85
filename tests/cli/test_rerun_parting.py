"""No stale answers: once a rerun parts from its recording (here, a mock), a later call gets its recorded
answer only when it asks what was recorded; otherwise it misses (reported, or run live).

The issue's Lisbon case on a raw openai tool loop (examples/openai_app.py: the real `openai` SDK against the
stub LLM it starts on 127.0.0.1): recorded, the model asks for Paris's weather; a mock makes it ask for
Lisbon's, the untraced tool really returns "sunny, 24 C", and the second LLM call, which now carries Lisbon's
weather, must never get the recorded Paris answer. Then a decorated-function app (docs/rerun.md's trip.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from support.tracehelpers import schema_errors
from support.rerunhelpers import command

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"



def lisbon(call_id: str) -> str:
    """A mock of the first LLM call: the whole chat.completion body of an answer asking for Lisbon's weather,
    with the recorded tool call's id (so what the next request asks differs only by the city)."""
    body = {"id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": call_id, "type": "function",
                                "function": {"name": "get_weather", "arguments": '{"city": "Lisbon"}'}}]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
    return "llm:openai.chat#1=" + orjson.dumps({"status": 200, "body": body}).decode()


TRIP = '''
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call

WEATHER = {"Paris": "rain, 11 C", "Lisbon": "sunny, 24 C"}

@trace_llm_call(name="chat")
def chat(prompt):
    return "Paris" if prompt.startswith("Which") else "Pack for " + prompt.split(": ", 1)[1]

@trace_llm_call(name="greet")
def greet(name):
    return "Have a good trip, " + name

@trace_tool_call
def weather(city):
    return WEATHER[city]

@trace_agent_execution(name="trip")
def plan():
    city = chat("Which city?")
    print(chat("Weather there: " + weather(city)))
    print(greet("Ann"))

plan()
'''


def recorded(app: Path, cwd: Path) -> Path:
    done = command("trace", "-q", "-o", "recorded", str(app), cwd=cwd)
    assert done.returncode == 0, done.stderr
    return next((cwd / "recorded").glob("*.jsonl"))


def openai_recording(tmp_path: Path) -> tuple[Path, str]:
    """A recording of the openai tool loop, made in `tmp_path` (the app and its stub copied there), and the
    mock that makes its model ask for Lisbon."""
    pytest.importorskip("openai")
    for name in ("openai_app.py", "llm_stub_server.py", "llm_stub_apis.py"):
        shutil.copyfile(EXAMPLES / name, tmp_path / name)
    trace = recorded(tmp_path / "openai_app.py", tmp_path)
    starts = [event for event in events_of(trace) if event["event_type"] == "llm_call_start"]
    assert [s["inputs"]["messages"][-1]["content"] for s in starts] == ["What is the weather in Paris?",
                                                                         "light rain, 14 C"]
    asked = next(event for event in events_of(trace) if event["event_type"] == "llm_call_end")
    return trace, lisbon(asked["outputs"]["tool_calls"][0]["id"])


def events_of(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def run_end(report: dict) -> dict:
    return next(e for e in events_of(Path(report["new_trace"][0])) if e["event_type"] == "run_end")


def test_lisbon_the_second_llm_call_is_a_reported_miss_never_the_recorded_paris_answer(tmp_path):
    trace, mock = openai_recording(tmp_path)
    done = command("replay", str(trace), "--rerun", "-o", "new", "--mock", mock, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "light rain" not in out.split("not reproduced:")[0]  # the app never printed Paris's answer
    assert "not reproduced: 1 call(s) had no recorded answer" in out
    # the untraced tool, seen on the wire, really ran: Lisbon's weather
    assert "calls         1 mocked, 1 run again (judged by what they returned), 1 missed" in out
    assert "                rerun:    {'status': 'completed', 'outputs': {'return': 'sunny, 24 C'}}" in out
    assert "parted        at llm:openai.chat#1 (mocked)" in out
    differs = """messages[1].tool_calls[0].function.arguments: recorded '{"city": "Paris"}', this call \
'{"city": "Lisbon"}'"""
    miss = next(line for line in out.splitlines() if line.startswith("miss "))
    assert miss.startswith("miss          llm:openai.chat#2 at agent:agent(get_weather)#1 > llm:openai.chat#2: ")
    assert miss.endswith(f"the recording has no request that asks the same (nearest llm:openai.chat#2, {differs}), "
                         "and the rerun parted from the recording at llm:openai.chat#1 (mocked)")
    lines = out.splitlines()
    nearest = next(at for at, line in enumerate(lines) if line.startswith("  nearest 1"))
    assert "llm:openai.chat#2" in lines[nearest]  # the recorded second call, and what differs from it
    assert lines[nearest + 1] == f"                - inputs: {differs}"
    assert "Traceback" not in done.stderr


def test_lisbon_under_on_miss_live_the_stub_answers_the_second_call_and_the_report_counts_it_live(tmp_path):
    trace, mock = openai_recording(tmp_path)
    done = command("replay", str(trace), "--rerun", "-o", "new", "--on-miss", "live", "--format", "json",
                   "--mock", mock, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = orjson.loads(done.stdout)
    printed = done.stderr.splitlines()  # --format json: the app's output goes to stderr
    assert "sunny, 24 C" in "\n".join(printed) and "light rain" not in "\n".join(printed)
    assert "http requests: 1" in printed  # the stub answered the second call only
    assert report["counts"] == {"recorded": 0, "mocked": 1, "replaced": 0, "forked": 0, "reran": 1, "live": 1,
                                "missed": 0}
    assert report["not_reproduced"] == "1 call(s) ran live instead of being answered from the recording"
    assert report["parted"] == {"call": "llm:openai.chat#1", "how": "mocked"}
    assert run_end(report)["attrs"]["parted"] == {"call": "llm:openai.chat#1", "how": "mocked"}
    assert schema_errors(events_of(Path(report["new_trace"][0]))) == []


def test_lisbon_without_a_mock_the_run_does_not_part_and_is_reproduced(tmp_path):
    trace, _ = openai_recording(tmp_path)
    done = command("replay", str(trace), "--rerun", "-o", "new", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert report["reproduced"] is True and report["parted"] is None
    assert "parted" not in run_end(report)["attrs"]


def trip(tmp_path: Path) -> Path:
    (tmp_path / "trip.py").write_text(TRIP)
    return recorded(tmp_path / "trip.py", tmp_path)


def test_a_mock_parts_a_decorated_app_a_changed_call_misses(tmp_path):
    trace = trip(tmp_path)
    done = command("replay", str(trace), "--rerun", "-o", "new", "--mock", 'llm:chat#1="Lisbon"', cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "parted        at llm:chat#1 (mocked)" in done.stdout
    assert ("miss          tool:weather#1 at agent:trip#1 > tool:weather#1: it asks something else than "
            "tool:weather#1, recorded here (city: recorded 'Paris', this call 'Lisbon'), and the rerun parted from "
            "the recording at llm:chat#1 (mocked)") in done.stdout


def test_after_parting_a_call_with_unchanged_inputs_is_still_answered_from_the_recording(tmp_path):
    trace = trip(tmp_path)
    done = command("replay", str(trace), "--rerun", "-o", "new", "--on-miss", "live", "--format", "json",
                   "--mock", 'llm:chat#1="Lisbon"', cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = orjson.loads(done.stdout)
    assert "Pack for sunny, 24 C" in done.stderr  # chat#2 asked about Lisbon: it ran, not the Paris answer
    assert report["counts"] == {"recorded": 1, "mocked": 1, "replaced": 0, "forked": 0,
                                "reran": 0, "live": 2, "missed": 0}
    ends = {e["name"]: e["attrs"]["replay"] for e in events_of(Path(report["new_trace"][0]))
            if e["event_type"].endswith("_end") and "replay" in (e.get("attrs") or {})}
    assert ends == {"chat": "live", "weather": "live", "greet": "recorded"}  # greet asked what it asked
    assert report["parted"] == {"call": "llm:chat#1", "how": "mocked"}
