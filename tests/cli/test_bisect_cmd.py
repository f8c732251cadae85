"""`bisect TRACE` on recorded decorated-function apps (`namel3ss_debug.testing.FakeLLM`, no network): a planted bad
answer found among 20 calls in at most ceil(log2(20)) + 1 = 6 reruns, a failure that needs two answers replaced
(not monotone), answers that never flip it (none), a run that exited 0 whose final output breaks `--expect`, a
good run whose substituted answer changes the later calls' requests (answered from the good run where they ask
what it asked), and bad input.

Each app is recorded with `namel3ss-debug trace`; bisect reruns it offline with `--answers` or `--good`. Two more apps
are raw openai conversations against a stub on 127.0.0.1 (a framework known only from the wire): no rerun reaches it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from jsonschema import Draft202012Validator
from support.rerunhelpers import FAKE_CHAT, WEATHER_TOOL, RecordedOnce, command
from support.stubs import ChatStub, Reply, Request, chat_completion, json_reply

from namel3ss_debug.schemas import load_bisect_schema

STEPS_APP = '''
"""20 steps, each one LLM call; the run fails if any answer is an ERROR. argv[1]: the steps that answer ERROR."""
import sys

''' + FAKE_CHAT + '''

BAD = {int(step) for step in sys.argv[1].split(",") if step}
LLM = FakeLLM(responder=lambda prompt: "ERROR" if int(prompt.split()[1]) in BAD else "ok " + prompt.split()[1])


@trace_agent_execution(name="steps")
def main():
    said = [chat(f"step {step} of 20").text for step in range(1, 21)]
    wrong = [number for number, text in enumerate(said, 1) if text == "ERROR"]
    if wrong:
        raise ValueError(f"steps {wrong} answered ERROR")
    print("all 20 steps done")


main()
'''

SUMMARY_APP = '''
"""12 steps, each one LLM call, then a summary call told how many answered ERROR; exits 0 whatever they said.
argv[1]: the steps that answer ERROR."""
import sys

''' + FAKE_CHAT + '''

BAD = {int(step) for step in sys.argv[1].split(",") if step}


def respond(prompt):
    if prompt.startswith("summarize"):
        return "all steps good" if prompt.endswith(" 0 wrong") else "some steps went wrong"
    return "ERROR" if int(prompt.split()[1]) in BAD else "ok " + prompt.split()[1]


LLM = FakeLLM(responder=respond)


@trace_agent_execution(name="summary")
def main():
    said = [chat(f"step {step} of 12").text for step in range(1, 13)]
    print(chat(f"summarize: {said.count('ERROR')} wrong").text)


main()
'''

TRIP_APP = '''
"""The model picks the cities (argv[1]), a tool looks up their weather, the model writes a packing list."""
import sys

''' + FAKE_CHAT + '''

LLM = FakeLLM({"Which cities": sys.argv[1].replace("+", "\\n"), "packing list": "Sunscreen and a raincoat."})
WEATHER = {"Lisbon": "sunny, 24 C", "Oslo": "rain, 9 C"}
''' + WEATHER_TOOL + '''

@trace_agent_execution(name="trip")
def plan_trip():
    cities = chat("Which cities should we visit? One a line.").text.splitlines()
    forecast = {city: weather(city) for city in cities}
    return chat(f"Write a packing list for: {sorted(forecast.items())}").text


print(plan_trip())
'''


ONCE: list[RecordedOnce] = []  # the module's: each offline app recorded once for each of its arguments


@pytest.fixture(scope="module", autouse=True)
def offline_apps_recorded_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    ONCE.append(RecordedOnce(tmp_path_factory.mktemp("offline"), traced))
    yield
    ONCE.pop()


def recorded(tmp_path: Path, app: str, *args: str, into: str = "recorded") -> Path:
    """The run of `app` with `args`, in `tmp_path/into`: an offline app's (FakeLLM, the same run every time)
    recorded once for the module and copied; an app that talks to a test's stub recorded by the test."""
    if app in (STEPS_APP, SUMMARY_APP, TRIP_APP, ASKED_TOOL_APP):
        return ONCE[-1].copied(app, tmp_path, *args, into)[0]
    return traced(app, tmp_path, *args, into)[0]


def traced(app: str, directory: Path, *args: str) -> tuple[Path, str]:
    """`app` recorded in `directory` with `args` (the last: the trace directory): its trace, and what it
    printed."""
    *argv, into = args
    (directory / "app.py").write_text(app)
    done = command("trace", "-q", "-o", into, "app.py", *argv, cwd=directory)  # a bad run's app raises
    return next((directory / into).glob("*.jsonl")), done.stdout


def completion(text: str) -> dict[str, Any]:
    return {"text": text, "model": "fake-gpt", "usage": {"input_tokens": 4, "output_tokens": 2}}


def answers_file(tmp_path: Path, answers: dict[str, Any]) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return path


def bisect(tmp_path: Path, trace: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = command("bisect", str(trace), "-o", "new", "--format", "json", *args, cwd=tmp_path)
    assert "namel3ss_debug/ops/" not in done.stderr, done.stderr  # the apps' tracebacks only, never ours
    report = json.loads(done.stdout)
    assert [error.message for error in Draft202012Validator(load_bisect_schema()).iter_errors(report)] == []
    return done, report


def fixed_steps(tmp_path: Path) -> Path:
    return answers_file(tmp_path, {f"llm:chat#{step}": completion(f"fine {step}") for step in range(1, 21)})


def test_a_planted_bad_answer_among_20_calls_is_found_in_at_most_6_reruns(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "13")
    done, report = bisect(tmp_path, trace, "--answers", str(fixed_steps(tmp_path)))
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:chat#13"), done.stderr
    assert report["rerun_count"] == len(report["reruns"]) <= 6
    assert report["alone"] is True
    assert [f["kind"] + " " + f["name"] for f in report["recorded"]["failures"]][-1] == "unhandled ValueError"
    flips = {tuple(rerun["substituted"]): rerun["flipped"] for rerun in report["reruns"]}
    assert flips[("llm:chat#13",)] is True  # the last rerun: the call alone
    assert all(flipped == ("llm:chat#13" in keys) for keys, flipped in flips.items())
    assert all(rerun["verdict"]["verdict"] == ("fixed" if rerun["flipped"] else "unchanged")
               for rerun in report["reruns"])


def test_the_text_report_names_the_call_and_each_rerun_with_its_verdict(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "13")
    done = command("bisect", str(trace), "-o", "new", "--answers", str(fixed_steps(tmp_path)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first = next(line for line in done.stdout.splitlines() if line.startswith("found"))  # after the app's output
    assert first.startswith("found llm:chat#13: substituting it flips the outcome (")
    count = int(first.split("(")[1].split()[0])
    assert count <= 6
    assert done.stdout.count("  verdict") == count
    assert "rerun 1" in done.stdout and "fixed: the recorded run failed" in done.stdout
    assert done.stderr.count("bisect: rerun ") == count  # progress, on stderr


def test_a_failure_that_needs_two_answers_replaced_is_not_monotone(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "3,8")
    done, report = bisect(tmp_path, trace, "--answers", str(fixed_steps(tmp_path)))
    assert (done.returncode, report["status"], report["call"]) == (1, "not monotone", "llm:chat#8"), done.stderr
    assert report["why"].startswith("not monotone: substituting the calls up to llm:chat#8 flips the outcome")
    last = report["reruns"][-1]
    assert (last["substituted"], last["flipped"]) == (["llm:chat#8"], False)
    assert len(report["reruns"]) <= 6


def test_answers_that_never_flip_it_find_none(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "13")
    answers = answers_file(tmp_path, {f"llm:chat#{step}": completion("ERROR") for step in (2, 13, 15)})
    done, report = bisect(tmp_path, trace, "--answers", str(answers))
    assert (done.returncode, report["status"], report["call"]) == (1, "none", None), done.stderr
    assert report["reruns"][-1]["substituted"] == ["llm:chat#2", "llm:chat#13", "llm:chat#15"]
    assert report["reruns"][-1]["flipped"] is False


def test_expect_makes_a_run_that_exited_0_failed_and_bisects_its_final_output_to_the_planted_call(tmp_path):
    trace = recorded(tmp_path, SUMMARY_APP, "9")  # exits 0; its final output says some steps went wrong
    answers = {f"llm:chat#{step}": completion(f"fine {step}") for step in range(1, 13)}
    answers["llm:chat#13"] = completion("all steps good")  # the summary, once it is asked about 0 wrong
    fixes = answers_file(tmp_path, answers)
    passed = command("bisect", str(trace), "-o", "new", "--answers", str(fixes), cwd=tmp_path)
    assert passed.returncode == 2 and "passed, so it has no failure to bisect" in passed.stderr
    done, report = bisect(tmp_path, trace, "--answers", str(fixes), "--expect", "contains:all steps good")
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:chat#9"), done.stderr
    recorded_outcome = report["recorded"]
    assert (recorded_outcome["exit_code"], recorded_outcome["final_output"]) == (0, "some steps went wrong")
    assert [f["kind"] + " " + f["name"] for f in recorded_outcome["failures"]] == ["expect contains:all steps good"]
    assert report["rerun_count"] == len(report["reruns"]) <= 5  # ceil(log2(13)) + 1
    flips = {tuple(rerun["substituted"]): rerun["flipped"] for rerun in report["reruns"]}
    assert all(flipped == ("llm:chat#9" in keys) for keys, flipped in flips.items())
    assert flips[("llm:chat#9",)] is True
    flipped = next(rerun for rerun in report["reruns"] if rerun["flipped"])
    assert flipped["outcome"]["final_output"] == "all steps good" and flipped["outcome"]["failures"] == []


def test_a_good_run_answers_the_later_calls_whose_requests_changed(tmp_path):
    good = recorded(tmp_path, TRIP_APP, "Lisbon+Oslo", into="good")
    bad = recorded(tmp_path, TRIP_APP, "Atlantis", into="bad")  # weather(Atlantis) raises KeyError
    done, report = bisect(tmp_path, bad, "--good", str(good))
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:chat#1"), done.stderr
    assert [candidate["key"] for candidate in report["candidates"]] == ["llm:chat#1", "tool:weather#1"]
    first = report["reruns"][0]
    # chat#1 substituted; weather(Lisbon), weather(Oslo) and the packing list ask what the good run's calls
    # asked, not what the bad run's did: the good run answers them, and the run passes
    assert (first["substituted"], first["flipped"]) == (["llm:chat#1"], True)
    assert first["counts"] == {"recorded": 0, "mocked": 4, "live": 0}
    assert first["outcome"]["final_output"] == "Sunscreen and a raincoat."


def test_a_later_call_neither_run_can_answer_stops_the_search(tmp_path):
    bad = recorded(tmp_path, TRIP_APP, "Atlantis")  # weather('Atlantis') raised: the bad run has no chat#2
    answers = answers_file(tmp_path, {"llm:chat#1": completion("Lisbon")})
    done, report = bisect(tmp_path, bad, "--answers", str(answers))
    assert (done.returncode, report["status"]) == (1, "stopped"), done.stderr
    assert "llm:chat#2" in report["reruns"][0]["stopped"]  # the tool ran for real; the packing list misses


def test_a_stopped_rerun_shows_its_miss_in_text_and_in_json(tmp_path):
    bad = recorded(tmp_path, TRIP_APP, "Atlantis")
    answers = answers_file(tmp_path, {"llm:chat#1": completion("Lisbon")})
    done, report = bisect(tmp_path, bad, "--answers", str(answers))
    assert "the miss is shown below" in report["reruns"][0]["stopped"]
    [miss] = report["reruns"][0]["misses"]
    asked = "Write a packing list for: [('Lisbon', 'sunny, 24 C')]"  # with what the tool returned, run for real
    assert (miss["call"], miss["path"], miss["inputs"]) == ("llm:chat#2", "agent:trip#1 > llm:chat#2",
                                                            {"prompt": asked})
    [nearest] = miss["candidates"]  # the one recorded LLM call
    assert nearest["key"] == "llm:chat#1"
    text = command("bisect", str(bad), "-o", "new", "--answers", str(answers), cwd=tmp_path).stdout
    lines = text[text.index("rerun 1 "):].splitlines()
    assert f"  inputs    {{'prompt': {asked!r}}}" in lines, lines
    assert any(line.startswith("  miss      llm:chat#2 at agent:trip#1 > llm:chat#2: ") for line in lines), lines
    assert f"  nearest 1 llm:chat#1 ({nearest['where']}) at agent:trip#1 > llm:chat#1" in lines, lines


ASKED_TOOL_APP = '''
"""The model picks a city (argv[1]), a tool looks up its weather (an unknown city: the app tells the model so), the
model writes a packing list; the run fails when it cannot pack. The tool's body notes each run in ran.log."""
import sys

''' + FAKE_CHAT + '''


def respond(prompt):
    if prompt.startswith("Which city"):
        return sys.argv[1]
    return "cannot pack: " + prompt if "error" in prompt else "Sunscreen and a raincoat."


LLM = FakeLLM(responder=respond)


@trace_tool_call
def weather(city):
    with open("ran.log", "a") as log:
        log.write(city + "\\n")
    return {"Lisbon": "sunny, 24 C"}[city]


@trace_agent_execution(name="trip")
def plan_trip():
    city = chat("Which city should we visit?").text
    try:
        forecast = weather(city)
    except KeyError:
        forecast = f"error: no forecast for {city}"
    answer = chat(f"Write a packing list for {city}: {forecast}").text
    if answer.startswith("cannot"):
        sys.exit(answer)
    return answer


print(plan_trip())
'''


def test_answers_run_the_tool_a_corrected_answer_asks_for_as_a_good_fork_does(tmp_path):
    """The bad run's chat#1 named Atlantis; the corrected answer names Lisbon, whose weather the bad run never
    looked up: the tool runs for real (as after a fork's call), the file answers the packing list, and the search
    finds chat#1 instead of stopping at the tool's miss."""
    bad = recorded(tmp_path, ASKED_TOOL_APP, "Atlantis")
    (tmp_path / "ran.log").unlink()
    answers = answers_file(tmp_path, {"llm:chat#1": completion("Lisbon"), "llm:chat#2": completion("Sunscreen.")})
    done, report = bisect(tmp_path, bad, "--answers", str(answers))
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:chat#1"), done.stderr
    first = report["reruns"][0]
    assert (first["substituted"], first["stopped"], first["counts"]) == (
        ["llm:chat#1"], None, {"recorded": 0, "mocked": 2, "live": 1})  # chat#1, the file's chat#2; the tool
    assert (tmp_path / "ran.log").read_text().splitlines()[0] == "Lisbon"


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "13")
    neither = command("bisect", str(trace), cwd=tmp_path)
    assert neither.returncode == 2 and "give one of --answers FILE and --good RUN" in neither.stderr
    loose = answers_file(tmp_path, {"llm:chat": completion("x")})
    done = command("bisect", str(trace), "--answers", str(loose), cwd=tmp_path)
    assert done.returncode == 2 and "does not name one call" in done.stderr
    unknown = answers_file(tmp_path, {"llm:chat#21": completion("x")})
    done = command("bisect", str(trace), "--answers", str(unknown), cwd=tmp_path)
    assert done.returncode == 2 and "has no such call" in done.stderr
    rule = command("bisect", str(trace), "--answers", str(fixed_steps(tmp_path)), "--expect", "sunny", cwd=tmp_path)
    assert rule.returncode == 2 and "--expect 'sunny' is not a rule" in rule.stderr
    assert "Traceback" not in neither.stderr + done.stderr + rule.stderr


def test_a_run_that_passed_has_nothing_to_bisect(tmp_path):
    trace = recorded(tmp_path, STEPS_APP, "")
    done = command("bisect", str(trace), "--answers", str(fixed_steps(tmp_path)), cwd=tmp_path)
    assert done.returncode == 2 and "passed, so it has no failure to bisect" in done.stderr


def test_an_unreadable_trace_exits_3(tmp_path):
    (tmp_path / "bad.jsonl").write_text("not json at all\n")
    done = command("bisect", "bad.jsonl", "--answers", str(fixed_steps(tmp_path)), cwd=tmp_path)
    assert done.returncode == 3, done.stderr


WIRE_APP = '''
"""A raw openai conversation of 4 turns against argv[1]; the run fails if any answer is ERROR."""
import sys

import openai

client = openai.OpenAI(base_url=sys.argv[1], api_key="sk-test", max_retries=0)
messages = [{"role": "system", "content": "Answer each step."}]
said = []
for step in range(1, 5):
    messages.append({"role": "user", "content": f"step {step}"})
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content
    messages.append({"role": "assistant", "content": reply})
    said.append(reply)
if "ERROR" in said:
    sys.exit(f"step {said.index('ERROR') + 1} answered ERROR")
print("done")
'''


class WireStub(ChatStub):
    """An OpenAI chat-completions stand-in on 127.0.0.1 answering `ok N` to step N, `ERROR` to the steps in
    `bad`; `requests` counts what reached it."""

    def __init__(self) -> None:
        self.bad: set[int] = set()
        super().__init__()

    def answer(self, request: Request) -> Reply:
        step = int(request.json()["messages"][-1]["content"].split()[1])
        text = "ERROR" if step in self.bad else f"ok {step}"
        return json_reply(chat_completion({"role": "assistant", "content": text}, usage=(9, 2)))


def test_a_wire_captured_conversation_is_bisected_against_a_good_run_with_no_request_sent(tmp_path):
    pytest.importorskip("openai")
    stub = WireStub()
    try:
        good = recorded(tmp_path, WIRE_APP, stub.url, into="good")
        stub.bad = {2}
        bad = recorded(tmp_path, WIRE_APP, stub.url, into="bad")
        sent = stub.requests
        done, report = bisect(tmp_path, bad, "--good", str(good))
        assert stub.requests == sent  # every rerun was offline
    finally:
        stub.stop()
    # turns 3 and 4 got the same answers in both runs: only turn 2 is a candidate, and one rerun settles it
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:openai.chat#2"), done.stderr
    assert [c["key"] for c in report["candidates"]] == ["llm:openai.chat#2"]
    [only] = report["reruns"]
    # chat#2 replaced by the good run's answer: turns 3 and 4 carry it in their messages, so they ask what the good
    # run's turns asked, not the bad run's, and the good run answers them
    assert (only["substituted"], only["flipped"], only["counts"]) == (["llm:openai.chat#2"], True,
                                                                      {"recorded": 1, "mocked": 3, "live": 0})


def test_neutral_answers_replace_wire_captured_calls(tmp_path):
    pytest.importorskip("openai")
    stub = WireStub()
    stub.bad = {3}
    try:
        bad = recorded(tmp_path, WIRE_APP, stub.url)
        sent = stub.requests
        answers = answers_file(tmp_path, {"llm:openai.chat#3": "fine 3", "llm:openai.chat#4": "fine 4"})
        done, report = bisect(tmp_path, bad, "--answers", str(answers))
        assert stub.requests == sent
    finally:
        stub.stop()
    assert (done.returncode, report["status"], report["call"]) == (0, "found", "llm:openai.chat#3"), done.stderr
    alone = report["reruns"][-1]
    # chat#3 alone: chat#4 then carries "fine 3" and misses the bad run, so the file's answer for it is given
    assert (alone["substituted"], alone["flipped"], alone["counts"]) == (["llm:openai.chat#3"], True,
                                                                          {"recorded": 2, "mocked": 2, "live": 0})


def test_live_names_the_endpoint_the_rerun_called_not_the_bad_run_s(tmp_path):
    """The app reads its model's URL from a file: the bad run recorded against stub A, bisected with stub B's URL
    in it. chat#4, carrying the substituted chat#3, misses the bad run and goes live to B under `--live`: the
    report names B (from the rerun's trace) beside the bad run's A."""
    pytest.importorskip("openai")
    then, now = WireStub(), WireStub()
    then.bad = {3}
    try:
        (tmp_path / "url.txt").write_text(then.url)
        bad = recorded(tmp_path, WIRE_APP.replace("base_url=sys.argv[1]", "base_url=open('url.txt').read()"))
        (tmp_path / "url.txt").write_text(now.url)
        sent = then.requests
        answers = answers_file(tmp_path, {"llm:openai.chat#3": "fine 3"})
        done, report = bisect(tmp_path, bad, "--answers", str(answers), "--live")
        text = command("bisect", str(bad), "-o", "new", "--answers", str(answers), "--live", cwd=tmp_path).stdout
        assert (then.requests, now.requests) == (sent, 2)  # chat#4 once in each bisect, at B
    finally:
        then.stop()
        now.stop()
    origin_then, origin_now = then.url.removesuffix("/v1"), now.url.removesuffix("/v1")
    assert (report["status"], report["endpoints"]) == ("found", [origin_then]), done.stderr
    assert report["reruns"][0]["live_endpoints"] == [origin_now]
    assert f"LLM misses live where the app sends them (they went to {origin_now}; the recording's went to " \
           f"{origin_then})" in text, text
    assert f"1 run live (to {origin_now})" in text, text


def test_a_file_of_two_runs_is_a_usage_error(tmp_path):
    first = recorded(tmp_path, STEPS_APP, "13", into="one")
    second = recorded(tmp_path, STEPS_APP, "13", into="two")
    both = tmp_path / "both.jsonl"
    both.write_bytes(first.read_bytes() + second.read_bytes())
    done = command("bisect", str(both), "--answers", str(fixed_steps(tmp_path)), cwd=tmp_path)
    assert done.returncode == 2 and "holds 2 runs, and bisect reruns one" in done.stderr, done.stderr
