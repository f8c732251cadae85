"""`namel3ss-debug replay TRACE --rerun`: the app runs again, offline, answered from its trace.

Each test runs the real command in a subprocess, as a user would: the rerun executes the app in
the command's own process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from support.rerunhelpers import RecordedOnce
from support.tracehelpers import schema_errors

from namel3ss_debug.transport.apis.neutral import made_id

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def command(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "240", "PYTHONDONTWRITEBYTECODE": "1"})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True, timeout=120)


def trace(app: Path, directory: Path, *args: str) -> Path:
    return traced(app, directory, *args)[0]


ONCE: list[RecordedOnce] = []  # the module's: each example recorded once


@pytest.fixture(scope="module", autouse=True)
def examples_recorded_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    ONCE.append(RecordedOnce(tmp_path_factory.mktemp("examples"), recorded))
    yield
    ONCE.pop()


def traced(app: Path, directory: Path, *args: str) -> tuple[Path, str]:
    """The trace of one run of `app`, and what the app printed: an example's (unless `--vary`, run every time
    to differ) recorded once for the module and copied into `directory`."""
    if app.parent == EXAMPLES and "--vary" not in args:
        return ONCE[-1].copied(app, directory, *args)
    return recorded(app, directory, *args)


def recorded(app: Path, directory: Path, *args: str) -> tuple[Path, str]:
    """The trace of one run of `app` in `directory`, and what the app printed."""
    out = directory / f"traces-{len(list(directory.glob('traces-*')))}"
    done = command("trace", "-q", "-o", str(out), str(in_project(app, directory)), *args, cwd=directory)
    assert done.returncode in (0, 1), done.stderr
    return next(out.glob("*.jsonl")), done.stdout


def in_project(app: Path, directory: Path) -> Path:
    """`app` as a file of the project in `directory`: an example is copied there with the files beside it
    (openai_app.py imports its stub server), as a user's app is in the project they rerun it from (a rerun
    runs an app outside its directory only when asked to)."""
    if app.resolve().is_relative_to(directory.resolve()):
        return app
    for beside in app.parent.glob("*.py"):
        if not (directory / beside.name).exists():
            shutil.copyfile(beside, directory / beside.name)
    return directory / app.name


def answer_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if not line.startswith("real calls:")]


def events_of(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def report_of(stdout: str) -> dict:
    return orjson.loads(stdout)


# --- must show: reproduce runs whose fake model answers differently every time -------------------

@pytest.mark.parametrize("example", ["research_agent.py", "chain_app.py", "async_multi_agent.py"])
def test_a_rerun_reproduces_a_run_that_never_answers_the_same_twice(tmp_path, example):
    (first, printed), (_, printed_again) = traced(EXAMPLES / example, tmp_path, "--vary"), \
        traced(EXAMPLES / example, tmp_path, "--vary")
    assert answer_lines(printed) != answer_lines(printed_again)  # the fake model is seeded from the clock
    assert "real calls: model=0 " not in printed
    again = command("replay", str(first), "--rerun", "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    app_output, _, report = again.stdout.partition("\nreproduced: the rerun matches the recording")
    assert report, again.stdout
    assert answer_lines(app_output) == answer_lines(printed)
    assert "real calls: model=0 tools=0" in app_output
    as_json = command("replay", str(first), "--rerun", "-o", str(tmp_path / "new"), "--format", "json", cwd=tmp_path)
    document = report_of(as_json.stdout)
    assert document["reproduced"] is True and document["schema"] == "namel3ss-debug/rerun/v1"
    assert document["counts"]["live"] == 0 and document["counts"]["missed"] == 0
    assert document["counts"]["recorded"] > 0 and document["comparison"]["first"] is None
    assert document["comparison"]["different"] == document["comparison"]["only_new"] == 0


def test_the_rerun_prints_exactly_what_the_recorded_run_printed(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(
        "import random, time\n"
        "from namel3ss_debug import trace_llm_call\n"
        "calls = 0\n"
        "@trace_llm_call(name='ask')\n"
        "def ask(q):\n"
        "    global calls\n"
        "    calls += 1\n"
        "    return f'{q}: {random.Random(time.time_ns()).random()}'\n"
        "print(ask('a')); print(ask('b')); print('real', calls)\n")
    out = tmp_path / "t"
    first = command("trace", "-q", "-o", str(out), str(app), cwd=tmp_path)
    again = command("replay", str(next(out.glob("*.jsonl"))), "--rerun", "-o", str(tmp_path / "n"), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert first.stdout.splitlines()[:2] == again.stdout.splitlines()[:2]
    assert again.stdout.splitlines()[2] == "real 0"


# --- must show: a mock on the second LLM call ----------------------------------------------------

def test_a_mock_on_the_second_llm_call_changes_the_answer_and_names_the_first_difference(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    mocked = '{"text": "Mocked: it is magic.", "model": "fake-gpt", "usage": {}}'
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"),
                   "--mock", f"llm:writer#1={mocked}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "A: Mocked: it is magic." in done.stdout
    assert "changed       llm:writer#1" in done.stdout
    lines = done.stdout.splitlines()
    divergence = next(line for line in lines if line.startswith("divergence"))
    assert "llm:writer#1 end: outputs.return.text: recorded \"Sunlight" in divergence
    assert "rerun 'Mocked: it is magic.'" in divergence
    old_line = next(line for line in lines if "recorded: #" in line)
    new_line = next(line for line in lines if "rerun:    #" in line)
    assert "llm_call_end agent:researcher#1 > agent_turn:researcher#5 > llm:writer#1 end" in old_line
    assert "llm_call_end agent:researcher#1 > agent_turn:researcher#5 > llm:writer#1 end" in new_line
    assert f"{recorded}:" in old_line


def test_the_json_report_names_the_divergence_in_both_runs(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), "--format", "json",
                   "--mock", 'llm:writer#1={"text": "X", "model": "m"}', cwd=tmp_path)
    report = report_of(done.stdout)
    first = report["comparison"]["first"]
    assert first["old"]["event_type"] == first["new"]["event_type"] == "llm_call_end"
    assert first["old"]["place"].endswith("llm:writer#1 end")
    assert report["counts"]["mocked"] == 1 and report["mocked"] == ["llm:writer#1"]
    assert report["reproduced"] is False
    assert "A: X" in done.stderr  # the app's own output goes to stderr, keeping stdout for the JSON
    new_trace = Path(report["new_trace"][0])
    start = events_of(new_trace)[0] if events_of(new_trace)[0]["event_type"] == "run_start" else \
        next(e for e in events_of(new_trace) if e["event_type"] == "run_start")
    assert start["attrs"]["replay_of"]["run_id"] == report["source_run"]
    writer_end = next(e for e in events_of(new_trace) if e["event_type"] == "llm_call_end" and e["name"] == "writer")
    assert writer_end["attrs"]["replay"] == "mocked"
    assert schema_errors(events_of(new_trace)) == []


# --- must show: a code change that adds a tool call ----------------------------------------------

def changed_app(tmp_path: Path) -> tuple[Path, Path]:
    app = tmp_path / "research_agent.py"
    shutil.copy(EXAMPLES / "research_agent.py", app)
    recorded = trace(app, tmp_path)
    source = app.read_text()
    added = source.replace("    urls = search_with_retry(query)\n",
                           "    urls = search_with_retry(query)\n    search(query + ' reviews')\n", 1)
    assert added != source
    app.write_text(added)
    return app, recorded


def test_a_call_the_recording_does_not_have_is_a_miss_with_the_nearest_candidates(tmp_path):
    _, recorded = changed_app(tmp_path)
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert done.returncode == 1
    assert "miss          tool:search#2 at agent:researcher#1 > agent_turn:researcher#2 > tool:search#2" in done.stdout
    nearest = [line for line in done.stdout.splitlines() if line.startswith("  nearest")]
    assert len(nearest) == 3 and all(" tool:search#" in line for line in nearest)  # tool calls only
    assert "tool:search#1" in nearest[0]
    # the recording's tool:search#2 is offered too: the first one's occurrence says where it is, not that it is not
    assert "                - occurrence: recorded as tool:search#1 there; this call is #2 there, and the recording " \
           "has none there (its tool:search#2 is under agent:researcher#1 > agent_turn:researcher#3)" in done.stdout
    assert "has no #2" not in done.stdout
    assert "inputs: query: recorded 'photovoltaic effect', this call 'photovoltaic effect reviews'" in done.stdout
    assert "--on-miss live" in done.stdout
    assert "              rerun:    stopped: no recorded answer (tool:search#2 at " in done.stdout  # not a crash
    assert "Traceback" not in done.stderr


def test_on_miss_live_runs_the_new_call_and_the_run_completes_but_is_not_reproduced(tmp_path):
    _, recorded = changed_app(tmp_path)
    done = command("replay", str(recorded), "--rerun", "--on-miss", "live", "-o", str(tmp_path / "new"),
                   "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = report_of(done.stdout)
    assert report["reproduced"] is False
    assert report["not_reproduced"] == "3 call(s) ran live instead of being answered from the recording"
    assert report["counts"]["live"] == 3 and report["counts"]["missed"] == 0
    assert report["new_ending"]["status"] == "completed"
    assert "A: Sunlight frees electrons" in done.stderr
    assert "only the rerun has" in report["comparison"]["first"]["what"]


def test_match_inputs_finds_calls_whatever_their_place(tmp_path):
    app, recorded = changed_app(tmp_path)
    done = command("replay", str(recorded), "--rerun", "--match", "inputs", "-o", str(tmp_path / "new"),
                   "--format", "json", cwd=tmp_path)
    report = report_of(done.stdout)
    assert report["match"] == "inputs" and report["misses"][0]["call"] == "tool:search#2"
    assert report["misses"][0]["candidates"][0]["key"] == "tool:search#1"


# --- must show: a scripted --rerun --step session replaces one response ---------------------------

def test_a_scripted_step_session_that_replaces_a_response_changes_the_output(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path, "--vary")
    script = 'b llm:writer\nc\nreplace {"text": "Replaced at the console.", "model": "fake-gpt"}\n'
    done = command("replay", str(recorded), "--rerun", "--step", "-o", str(tmp_path / "new"), cwd=tmp_path,
                   input=script)
    assert done.returncode == 0, done.stderr
    assert "Stop 1 before llm:planner#1  (step)" in done.stdout
    assert "Stop 2 before llm:writer#1  (breakpoint 1)" in done.stdout
    assert "A: Replaced at the console." in done.stdout
    assert "real calls: model=0 tools=0" in done.stdout
    assert "1 replaced at the console" in done.stdout


def test_the_console_stops_before_an_llm_request_and_a_text_replacement_is_the_api_s_whole_answer(tmp_path):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path)
    script = 'b llm:openai.chat#2\nc\nreplace "Pack an umbrella."\n'
    done = command("replay", str(recorded), "--rerun", "--step", "-o", str(tmp_path / "new"), cwd=tmp_path,
                   input=script)
    assert done.returncode == 0, done.stderr
    assert "Stop 2 before llm:openai.chat#2  (breakpoint 1)" in done.stdout
    assert "Pack an umbrella." in done.stdout and "http requests: 0" in done.stdout
    assert "1 from the recording, 1 replaced at the console" in done.stdout


def test_a_mock_may_be_an_assistant_message_asking_for_a_tool_which_the_sdk_and_the_app_then_use(tmp_path):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path)  # the model asks for Paris's weather
    lisbon = '{"content": null, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]}'
    out = tmp_path / "new"
    done = command("replay", str(recorded), "--rerun", "-o", str(out), "--mock", 'llm:openai.chat="Sunny."',
                   "--mock", f"llm:openai.chat#1={lisbon}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert answer_lines(done.stdout)[:2] == ["Sunny.", "http requests: 0"]
    starts = [event for event in events_of(next(out.glob("*.jsonl"))) if event["event_type"] == "llm_call_start"]
    asked_again = starts[1]["inputs"]["messages"]  # what the app sent after running the tool it was asked for
    made = made_id("call_", "llm:openai.chat#1", 1)  # the mock's tool call, its id made from the call's key
    assert asked_again[1]["tool_calls"][0]["id"] == made
    assert asked_again[1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Lisbon"}'}
    assert asked_again[2] == {"role": "tool", "tool_call_id": made, "content": "sunny, 24 C"}


def test_a_message_mock_an_api_cannot_say_stops_the_rerun_at_that_call_saying_why(tmp_path):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path)
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"),
                   "--mock", 'llm:openai.chat#1={"content": "x", "tool_calls": [{"name": "get_weather"}], "n": 2}',
                   cwd=tmp_path)
    assert done.returncode == 1
    assert "llm:openai.chat#1: codec openai.chat response could not rebuild" in done.stdout + done.stderr
    assert "an assistant message has no key 'n' (it takes content, tool_calls and role)" in done.stdout + done.stderr


def test_the_console_shows_an_llm_request_as_its_messages_and_its_answer_as_the_assistant_s(tmp_path):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path)
    script = tmp_path / "session.txt"
    lisbon = '{"content": null, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]}'
    script.write_text(f"replace {lisbon}\nreplace \"Pack sunglasses.\"\n")
    done = command("replay", str(recorded), "--rerun", "--commands", str(script), "-o", str(tmp_path / "new"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Pack sunglasses." in done.stdout
    stops = done.stdout.split("Stop ")
    assert "  asks     user: What is the weather in Paris?\n" \
           "  returns  assistant: get_weather(city=Paris)  (recorded)\n" in stops[1]
    assert "  asks     user: What is the weather in Paris?\n" \
           "           assistant: get_weather(city=Lisbon)\n" \
           "           tool: sunny, 24 C\n" in stops[2]  # what the replaced answer made the app send
    assert '"status":200' not in done.stdout and '"headers"' not in done.stdout


def test_edit_gives_an_llm_request_s_answer_as_the_model_s_message_and_takes_it_back(tmp_path, monkeypatch):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path)
    editor = tmp_path / "editor.py"
    editor.write_text("import sys, pathlib\npath = pathlib.Path(sys.argv[-1])\n"
                      "pathlib.Path(sys.argv[0]).with_name('seen.json').write_text(path.read_text())\n"
                      "path.write_text(path.read_text().replace('Paris', 'Oslo'))\n")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    script = tmp_path / "session.txt"
    script.write_text("edit\nreplace \"Pack a scarf.\"\n")
    done = command("replay", str(recorded), "--rerun", "--commands", str(script), "-o", str(tmp_path / "new"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = orjson.loads((tmp_path / "seen.json").read_bytes())
    assert seen["content"] is None and seen["tool_calls"][0]["name"] == "get_weather"
    assert seen["tool_calls"][0]["arguments"] == {"city": "Paris"} and seen["tool_calls"][0]["id"].startswith("call_")
    assert "           tool: snow, -3 C\n" in done.stdout  # the app ran the tool the edited answer asked for
    assert "Pack a scarf." in done.stdout


def test_text_of_the_messages_at_the_console_is_shown_as_text(tmp_path):
    pytest.importorskip("openai")
    recorded = trace(EXAMPLES / "openai_app.py", tmp_path, "--question", "[bold red]Paris[/]\x1b[2J?\nOslo")
    done = command("replay", str(recorded), "--rerun", "--step", "-o", str(tmp_path / "new"), cwd=tmp_path,
                   input="s\ns\n")
    assert done.returncode == 0, done.stderr
    assert "  asks     user: [bold red]Paris[/]\\x1b[2J?\\nOslo\n" in done.stdout
    shown = [line for line in done.stdout.splitlines() if line.startswith("  ")]  # the stops' fields, not the app's
    assert "  returns  assistant: Echo: [bold red]Paris[/]\\x1b[2J?\\nOslo (tool said: snow, -3 C)  (recorded)" in shown
    assert not any("\x1b" in line for line in shown)


def test_commands_from_a_file_and_a_mistake_in_them_exits_1(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    script = tmp_path / "session.txt"
    script.write_text("replace {not json\nlive\n")
    done = command("replay", str(recorded), "--rerun", "--commands", str(script), "-o", str(tmp_path / "new"),
                   cwd=tmp_path)
    assert done.returncode == 1
    assert "not JSON" in done.stdout + done.stderr


# --- must show: an exception is raised again, at the same point -------------------------------------

def test_a_run_that_raised_raises_the_same_exception_type_at_the_same_point(tmp_path):
    app = tmp_path / "billing.py"
    app.write_text(
        "from namel3ss_debug import trace_tool_call\n"
        "class QuotaExceeded(Exception):\n"
        "    pass\n"
        "@trace_tool_call(name='charge')\n"
        "def charge(amount):\n"
        "    raise QuotaExceeded(f'quota exceeded for {amount}')\n"
        "print('charging')\n"
        "charge(3)  # line 8\n")
    recorded = trace(app, tmp_path)
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert done.returncode == 1
    assert 'File "' + str(app) + '", line 8, in <module>' in done.stderr
    assert "QuotaExceeded: quota exceeded for 3" in done.stderr
    assert "raised again by namel3ss-debug replay --rerun" in done.stderr
    assert "reproduced: the run failed again as recorded" in done.stdout  # a reproduced failure says so
    assert "rerun:    failed, exit code 1, __main__.QuotaExceeded: quota exceeded for 3" in done.stdout


# --- where and how it runs, and bad input ------------------------------------------------------------

def test_cwd_runs_a_script_recorded_elsewhere(tmp_path):
    app_dir = tmp_path / "checkout"
    app_dir.mkdir()
    shutil.copy(EXAMPLES / "research_agent.py", app_dir / "research_agent.py")
    recorded = trace(app_dir / "research_agent.py", tmp_path)
    moved = tmp_path / "other"
    app_dir.rename(moved)
    missing = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "the recorded app" in missing.stderr and "--cwd" in missing.stderr
    found = command("replay", str(recorded), "--rerun", "--cwd", str(moved), "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert f"(in {moved})" in found.stderr


@pytest.mark.parametrize("option", [["--match", "inputs"], ["--on-miss", "live"], ["--cwd", "."], ["-o", "x"]])
def test_rerun_options_without_rerun_are_usage_errors(tmp_path, option):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    done = command("replay", str(recorded), *option, cwd=tmp_path)
    assert done.returncode == 2
    assert "works only with --rerun" in done.stderr


def test_a_bad_mock_is_a_usage_error_before_the_app_runs(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    done = command("replay", str(recorded), "--rerun", "--mock", "llm:writer#1={bad", cwd=tmp_path)
    assert done.returncode == 2
    assert "not JSON" in done.stderr and "Q:" not in done.stdout


def test_a_trace_without_run_start_cannot_be_rerun(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    lines = recorded.read_bytes().splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(line for line in lines if b'"run_start"' not in line) + b"\n")
    done = command("replay", str(cut), "--rerun", cwd=tmp_path)
    assert done.returncode == 2
    assert "run_start" in done.stderr and "Traceback" not in done.stderr


def test_text_from_the_trace_in_the_report_is_shown_as_text(tmp_path):
    app = tmp_path / "evil.py"
    app.write_text(
        "import sys\n"
        "from namel3ss_debug import trace_tool_call\n"
        "@trace_tool_call(name='look')\n"
        "def look(q):\n"
        "    return q\n"
        "look('[bold red]x[/] \\x1b[2J')\n"
        "if len(sys.argv) > 1:\n"
        "    look('[link=file:///etc]y[/link] \\x1b]0;pwned\\x07')\n")
    recorded = trace(app, tmp_path)
    app.write_text(app.read_text().replace("if len(sys.argv) > 1:", "if True:"))
    done = command("replay", str(recorded), "--rerun", "-o", str(tmp_path / "new"), cwd=tmp_path)
    assert done.returncode == 1
    assert "[link=file:///etc]y[/link]" in done.stdout and "[bold red]x[/]" in done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_no_pager_with_rerun_is_a_usage_error_not_an_ignored_option(tmp_path):
    recorded = trace(EXAMPLES / "research_agent.py", tmp_path)
    done = command("replay", str(recorded), "--rerun", "--no-pager", cwd=tmp_path)
    assert done.returncode == 2
    assert "--no-pager does not apply to --rerun" in done.stderr and "Q:" not in done.stdout
